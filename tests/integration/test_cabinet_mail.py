"""A manager's quarantine and outbox in the cabinet, in process: who may open each route, a
retry and a cancel changing what `mailbot quarantine retry` and `mailbot outbox retry|cancel`
change (recorded with the manager who acted), hostile HTML never reaching a page as markup,
and attachments that download, never display."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.http.app import create_app
from mailbot.outbound.transport import DeliveryError
from mailbot.services.partners.registry import add_partner
from mailbot.storage.models import OutboundMessage
from mailbot.web import outbox as outbox_pages
from mailbot.web import quarantine
from tests.cabinet import ask_for_link, link_for, sign_in
from tests.fakes import RecordingTransport
from tests.lifecycle import CLIENT, quote
from tests.mail import mail
from tests.pipeline import ingest, outbox

MANAGER = "desk@distributor.example"
ACTOR = f"{MANAGER} (cabinet)"
HOSTILE_HTML = '<p>Hi</p><script>alert("x")</script><img src="x" onerror="alert(1)">'
HOSTILE_NAME = '../../évil "file".html'
HOSTILE_FILE = b"<script>alert(1)</script>"


@pytest.fixture
def desk(app: App) -> App:
    seed_demo(app)
    add_partner(
        app.uow, name="The desk", role="manager", addresses=[MANAGER], language="en", group="",
        currency="EUR", now=app.clock.now(),
    )  # fmt: skip
    return app


@pytest.fixture
def manager(desk: App) -> Iterator[TestClient]:
    with TestClient(create_app(desk)) as client:
        sign_in(client, desk, MANAGER)
        yield client


def held_message(app: App) -> int:
    """A message whose From gives no address, with hostile HTML and a hostile file: processing
    quarantines it ("the sender cannot be read")."""
    raw = mail(
        sender=CLIENT,
        subject="<script>alert('subject')</script>",
        body="plain words",
        html=HOSTILE_HTML,
        attachments=[(HOSTILE_NAME, "text/html", HOSTILE_FILE)],
    )
    raw = raw.replace(f"From: {CLIENT}".encode(), b"From: Nobody at all", 1)
    message_id, outcome = ingest(app, raw)
    assert outcome.status == "quarantined", outcome
    return message_id


def the_quote(app: App) -> OutboundMessage:
    (found,) = [mail for mail in outbox(app) if mail.kind == "quote"]
    return found


def csrf_of_page(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found[1]


def test_only_a_manager_opens_the_mail_pages(desk: App, manager: TestClient) -> None:
    """Every quarantine and outbox route answers a manager; a client and a supplier get 404 (a
    form of theirs changes nothing), a signed-out visitor the sign-in page; only a manager's
    menu links to them."""
    held = held_message(desk)
    quote(desk)
    mail_id = the_quote(desk).id
    pages = [
        "/quarantine", f"/quarantine/{held}", f"/quarantine/{held}/files/1",
        "/outbox", "/outbox?status=pending", f"/outbox/{mail_id}",
    ]  # fmt: skip
    acts = [f"/quarantine/{held}/retry", f"/outbox/{mail_id}/retry", f"/outbox/{mail_id}/cancel"]
    for path in pages:
        assert manager.get(path).status_code == 200, path
    menu = manager.get("/orders").text
    assert 'href="/quarantine"' in menu
    assert 'href="/outbox"' in menu
    for address in (CLIENT, SUPPLIER):
        with TestClient(create_app(desk)) as other:
            csrf = sign_in(other, desk, address)
            assert 'href="/quarantine"' not in other.get("/orders").text
            for path in pages:
                assert other.get(path).status_code == 404, (address, path)
            for path in acts:
                assert other.post(path, data={"csrf": csrf}).status_code == 404, (address, path)
    with TestClient(create_app(desk)) as stranger:
        for path in pages + acts:
            answer = stranger.request(
                "POST" if path in acts else "GET", path, follow_redirects=False
            )
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/sign-in"
    with desk.uow() as uow:
        assert [m.status for m in uow.sent.list() if m.id == mail_id] == ["pending"]
        stored = uow.inbox.get(held)
        assert stored is not None
        assert stored.status == "quarantined"
    assert manager.get("/quarantine/999").status_code == 404
    assert manager.get("/outbox/999").status_code == 404


def test_a_quarantined_message_is_listed_read_and_retried(desk: App, manager: TestClient) -> None:
    """The list gives sender, subject and why; the page its headers, text and files; retry puts
    it back in line as the CLI does, recorded with the manager; a second retry is refused."""
    held = held_message(desk)
    listing = manager.get("/quarantine").text
    assert "the sender cannot be read" in listing
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in listing
    page = manager.get(f"/quarantine/{held}").text
    assert "Nobody at all" in page
    assert "plain words" in page
    assert "évil" in page
    assert manager.post(f"/quarantine/{held}/retry", data={"csrf": "wrong"}).status_code == 403
    csrf = csrf_of_page(manager, f"/quarantine/{held}")
    done = manager.post(f"/quarantine/{held}/retry", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/quarantine/{held}?done=retried"
    assert "will be processed again" in manager.get(done.headers["location"]).text
    with desk.uow() as uow:
        message = uow.inbox.get(held)
        assert message is not None
        assert (message.status, message.attempts) == ("stored", 0)
        assert message.outcome.startswith(f"retried from quarantine by {ACTOR} (was: ")
        (event,) = uow.events.listed(kind="message.retried")
        assert event.payload == {"message": held, "by": ACTOR}
    again = manager.post(f"/quarantine/{held}/retry", data={"csrf": csrf})
    assert again.status_code == 409
    assert f"message {held} is not in quarantine" in again.text
    assert "the sender cannot be read" not in manager.get("/quarantine").text


def test_hostile_html_never_reaches_a_page_as_markup(desk: App, manager: TestClient) -> None:
    """A script and an onerror attribute in a message's HTML are shown as escaped source and as
    text; no tag of the mail's own reaches the page."""
    held = held_message(desk)
    page = manager.get(f"/quarantine/{held}")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert re.search(r"<[^>]*onerror", page.text) is None
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "onerror=&#34;alert(1)&#34;" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_an_attachment_downloads_under_a_safe_name(desk: App, manager: TestClient) -> None:
    """A file declared text/html with a path and quotes in its name downloads as
    application/octet-stream (not sniffed) under a plain name and its own encoded one."""
    held = held_message(desk)
    got = manager.get(f"/quarantine/{held}/files/1")
    assert got.status_code == 200
    assert got.content == HOSTILE_FILE
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="vil_file_.html"; ')
    assert disposition.endswith("filename*=UTF-8''%C3%A9vil%20%22file%22.html")
    assert manager.get(f"/quarantine/{held}/files/2").status_code == 404
    assert manager.get(f"/quarantine/{held}/files/0").status_code == 404


def test_outbox_mail_is_resent_and_cancelled_as_the_cli_does(
    desk: App, manager: TestClient, transport: RecordingTransport
) -> None:
    """Mail the relay refused goes back in the queue from its page; mail not sent yet is
    cancelled with a reason; each is recorded with the manager; a refused act says why (409);
    the status filter lists each where it belongs."""
    desk.sender.run_once()  # the manager's sign-in link goes
    transport.failures = 1
    transport.error = DeliveryError("550 mailbox unavailable", permanent=True)
    quote(desk)
    desk.sender.run_once()
    failed = the_quote(desk)
    assert failed.status == "failed"
    assert f"/outbox/{failed.id}" in manager.get("/outbox?status=failed").text
    csrf = csrf_of_page(manager, f"/outbox/{failed.id}")
    retried = manager.post(
        f"/outbox/{failed.id}/retry", data={"csrf": csrf}, follow_redirects=False
    )
    assert retried.status_code == 303
    assert "back in the queue" in manager.get(retried.headers["location"]).text
    mail_now = the_quote(desk)
    assert (mail_now.status, mail_now.attempts) == ("pending", 0)
    assert mail_now.last_error == f"put back in the queue by {ACTOR}"
    cancelled = manager.post(
        f"/outbox/{failed.id}/cancel", data={"csrf": csrf, "note": "wrong prices"}
    )
    assert cancelled.status_code == 200
    assert "the mail is cancelled" in cancelled.text
    mail_now = the_quote(desk)
    assert mail_now.status == "cancelled"
    assert mail_now.last_error == f"cancelled by {ACTOR}: wrong prices"
    with desk.uow() as uow:
        kinds = {event.type: event.payload for event in uow.events.listed()}
    assert kinds["mail.requeued"]["by"] == ACTOR
    assert kinds["mail.cancelled"] == {"outbound": failed.id, "note": "wrong prices", "by": ACTOR}
    refused = manager.post(f"/outbox/{failed.id}/retry", data={"csrf": csrf})
    assert refused.status_code == 409
    assert "is cancelled already; it cannot be put back" in refused.text
    assert f"/outbox/{failed.id}" in manager.get("/outbox?status=cancelled").text
    assert f"/outbox/{failed.id}" not in manager.get("/outbox?status=pending").text
    desk.sender.run_once()  # the managers' notices of the failure go; the quote does not
    assert CLIENT not in [to for sent in transport.delivered for to in sent.recipients]


def test_an_outgoing_mail_shows_its_headers_text_and_files(desk: App, manager: TestClient) -> None:
    """The quote's page names its recipient and subject, shows its text, and lists its file."""
    quote(desk)
    sent = the_quote(desk)
    page = manager.get(f"/outbox/{sent.id}").text
    assert CLIENT in page
    assert "Message-ID" in page
    assert "BPW-0310" in page
    assert "Cancel the mail" in page


def test_the_pages_speak_the_managers_language(desk: App) -> None:
    """A Russian-speaking manager reads the menu, the quarantine and the outbox in Russian."""
    add_partner(
        desk.uow, name="Стол", role="manager", addresses=["stol@distributor.example"],
        language="ru", group="", currency="EUR", now=desk.clock.now(),
    )  # fmt: skip
    held = held_message(desk)
    quote(desk)
    with TestClient(create_app(desk)) as russian:
        sign_in(russian, desk, "stol@distributor.example")
        listing = russian.get("/quarantine").text
        assert "<h1>Карантин</h1>" in listing
        assert 'href="/outbox">Исходящие</a>' in listing
        page = russian.get(f"/quarantine/{held}").text
        assert "Обработать заново" in page
        assert "Вложения" in page
        mail_page = russian.get(f"/outbox/{the_quote(desk).id}").text
        assert "ожидает отправки" in mail_page
        assert "Отменить письмо" in mail_page


def test_a_sign_in_link_is_never_shown_in_the_outbox(desk: App, manager: TestClient) -> None:
    """A manager sees that a client was mailed a sign-in link, never the link itself."""
    with TestClient(create_app(desk)) as client:
        assert ask_for_link(client, CLIENT) == 200
    (link,) = [m for m in outbox(desk) if m.recipient == CLIENT]
    token = link_for(desk, CLIENT).rsplit("/", 1)[1]
    page = manager.get(f"/outbox/{link.id}")
    assert page.status_code == 200
    assert CLIENT in page.text
    assert token not in page.text
    assert "only its headers are shown" in page.text
    assert manager.get(f"/outbox/{link.id}/files/1").status_code == 404


def test_the_lists_go_by_pages_newest_first(
    desk: App, manager: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One a page: the newest quarantined message first, the older on page 2; the outbox's
    page links keep its status filter."""
    monkeypatch.setattr(quarantine, "PAGE_SIZE", 1)
    monkeypatch.setattr(outbox_pages, "PAGE_SIZE", 1)
    older, newer = held_message(desk), held_message(desk)
    first = manager.get("/quarantine").text
    assert f'href="/quarantine/{newer}"' in first
    assert f'href="/quarantine/{older}"' not in first
    assert 'href="/quarantine?page=2"' in first
    second = manager.get("/quarantine?page=2").text
    assert f'href="/quarantine/{older}"' in second
    assert 'href="/quarantine?page=1"' in second
    assert 'href="/quarantine?page=3"' not in second
    quote(desk)  # pending beside the manager's sign-in link
    pending = manager.get("/outbox?status=pending").text
    assert 'href="/outbox?status=pending&amp;page=2"' in pending
    assert manager.get("/outbox?status=nothing").status_code == 422
