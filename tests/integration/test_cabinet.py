"""The web cabinet in process: signing in by a mailed link (single-use, expiring, the same
answer for an unknown address, rate-limited), sessions (sign-out, a deactivated partner cut
off at once), CSRF on every form, security headers, and who sees and does what on each route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.http.app import create_app
from mailbot.services.partners.registry import add_partner
from mailbot.storage.sign_ins import SignInLink
from tests.cabinet import ask_for_link, csrf_of, link_for, sign_in
from tests.fakes import FixedClock
from tests.lifecycle import CLIENT, agree_and_send, quote
from tests.pipeline import outbox
from tests.rollbacks import rollbacks_of_open_transactions

OTHER_CLIENT = "zakaz@vector-trans.example"
OTHER_SUPPLIER = "sales@other-parts.example"
MANAGER = "desk@distributor.example"


@pytest.fixture
def app_with_people(app: App) -> App:
    seed_demo(app)
    for name, role, address in (
        ("Other Parts", "supplier", OTHER_SUPPLIER),
        ("The desk", "manager", MANAGER),
    ):
        add_partner(
            app.uow, name=name, role=role, addresses=[address], language="en", group="",
            currency="EUR", now=app.clock.now(),
        )  # fmt: skip
    return app


@pytest.fixture
def browser(app_with_people: App) -> Iterator[TestClient]:
    with TestClient(create_app(app_with_people)) as client:
        yield client


def other(app: App) -> TestClient:
    return TestClient(create_app(app))


def test_a_partner_signs_in_by_the_link_mailed_to_it(
    app_with_people: App, browser: TestClient
) -> None:
    """The link is mailed to the address, opens a page with a button (a mail scanner fetching
    it spends nothing), works once, and the session shows the person's orders."""
    app = app_with_people
    number = quote(app)
    assert browser.get("/orders", follow_redirects=False).headers["location"] == "/sign-in"
    sign_in(browser, app, CLIENT)
    page = browser.get("/orders")
    assert page.status_code == 200
    assert number in page.text
    path = link_for(app, CLIENT)
    again = other(app)
    spent = again.post(path, data={"csrf": csrf_of(again.get(path).text)}, follow_redirects=False)
    assert spent.status_code == 400
    assert "already been used or has expired" in spent.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    form = browser.get("/sign-in")
    known = browser.post("/sign-in", data={"address": CLIENT, "csrf": csrf_of(form.text)})
    unknown = browser.post(
        "/sign-in", data={"address": "nobody@nowhere.example", "csrf": csrf_of(form.text)}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(CLIENT, "X") == unknown.text.replace("nobody@nowhere.example", "X")
    assert [m.recipient for m in outbox(app) if m.kind == "sign_in_link"] == [CLIENT]


def test_a_link_expires_and_asking_too_often_is_refused(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    assert ask_for_link(browser, CLIENT) == 200
    path = link_for(app, CLIENT)
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(minutes=16))
    late = browser.post(path, data={"csrf": csrf_of(browser.get(path).text)})
    assert late.status_code == 400
    answers = [ask_for_link(browser, CLIENT) for _ in range(5)]
    assert answers[-1] == 429
    with app.uow() as uow:
        stored = uow.session.query(SignInLink).all()
    assert path.rsplit("/", 1)[1] not in {link.sha256 for link in stored}  # only its hash kept


def test_forms_need_their_csrf_token_and_pages_carry_security_headers(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    number = quote(app)
    refused = browser.post("/sign-in", data={"address": CLIENT, "csrf": "forged"})
    assert refused.status_code == 403
    sign_in(browser, app, CLIENT)
    forged = browser.post(f"/orders/{number}/agree", data={"csrf": "forged"})
    assert forged.status_code == 403
    page = browser.get(f"/orders/{number}")
    assert "quoted" in page.text
    headers = page.headers
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    cookie = browser.cookies.get("mailbot_session")
    assert cookie
    set_cookie = list(page.headers.get_list("set-cookie"))
    assert set_cookie == []  # the session cookie is set once, at sign-in


def test_a_client_agrees_in_the_cabinet_and_sees_only_its_own_orders(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    mine = quote(app)
    theirs = quote(app, sender=f"Vector <{OTHER_CLIENT}>")
    csrf = sign_in(browser, app, CLIENT)
    listed = browser.get("/orders").text
    assert mine in listed
    assert theirs not in listed
    assert browser.get(f"/orders/{theirs}").status_code == 404
    assert browser.post(f"/orders/{theirs}/agree", data={"csrf": csrf}).status_code == 404
    agreed = browser.post(f"/orders/{mine}/agree", data={"csrf": csrf})
    assert agreed.status_code == 200
    assert "Done: the order is agreed." in agreed.text
    assert "sent to suppliers" in agreed.text
    assert "supplier confirmation" in agreed.text  # the deadline the order now waits on
    with app.uow() as uow:
        (event,) = uow.events.listed(kind="order.agreed")
    assert event.payload["by"] == f"{CLIENT} (cabinet)"
    again = browser.post(f"/orders/{mine}/agree", data={"csrf": csrf})
    assert again.status_code == 409
    assert "already agreed" in again.text


def test_a_supplier_sees_only_its_lines_and_confirms_in_part(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    number = agree_and_send(app)
    stranger = other(app)
    stranger_csrf = sign_in(stranger, app, OTHER_SUPPLIER)
    assert stranger.get(f"/orders/{number}").status_code == 404
    assert number not in stranger.get("/orders").text
    posted = {"csrf": stranger_csrf, "q:SAF-2234": "1"}
    assert stranger.post(f"/orders/{number}/confirmation", data=posted).status_code == 404
    csrf = sign_in(browser, app, SUPPLIER)
    page = browser.get(f"/orders/{number}").text
    assert "SAF-2234" in page
    assert "Fleet Parts" not in page
    too_many = {"csrf": csrf, "q:BPW-0310": "2", "q:SAF-2234": "9"}
    refused = browser.post(f"/orders/{number}/confirmation", data=too_many)
    assert refused.status_code == 422
    (said,) = re.findall(r'<div class="error" role="alert">(.*?)</div>', refused.text, re.S)
    assert "SAF-2234" in said
    assert "9" in said
    assert "5" in said
    partial = {"csrf": csrf, "q:BPW-0310": "2", "q:SAF-2234": "3"}
    confirmed = browser.post(f"/orders/{number}/confirmation", data=partial)
    assert confirmed.status_code == 200, confirmed.text
    assert "confirmat parțial" in confirmed.text  # in the supplier's Romanian
    client = other(app)
    sign_in(client, app, CLIENT)
    seen = client.get(f"/orders/{number}").text
    assert "partly confirmed" in seen
    assert ">3<" in seen  # the confirmed quantity


def test_a_manager_filters_every_order_and_corrects_the_matrix(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    sent = agree_and_send(app)
    quoted = quote(app, sender=f"Vector <{OTHER_CLIENT}>")
    csrf = sign_in(browser, app, MANAGER)
    everything = browser.get("/orders").text
    assert sent in everything
    assert quoted in everything
    only_quoted = browser.get("/orders?status=quoted").text
    assert quoted in only_quoted
    assert sent not in only_quoted
    newest, oldest = browser.get("/orders").text, browser.get("/orders?sort=oldest").text
    assert newest.index(quoted) < newest.index(sent)
    assert oldest.index(sent) < oldest.index(quoted)
    by_client = browser.get(f"/orders?client={OTHER_CLIENT}").text
    assert quoted in by_client
    assert sent not in by_client
    correction = {
        "csrf": csrf,
        "supplier": SUPPLIER,
        "field": "ship_method",
        "value": "DHL",
        "reason": "phoned",
    }
    corrected = browser.post(f"/orders/{sent}/matrix", data=correction)
    assert corrected.status_code == 200
    assert "Done: the correction is recorded." in corrected.text
    assert "DHL" in corrected.text
    with app.uow() as uow:
        (event,) = uow.events.listed(kind="order.matrix_corrected")
    assert event.payload["by"] == f"{MANAGER} (cabinet)"
    client = other(app)
    client_csrf = sign_in(client, app, CLIENT)
    denied = client.post(f"/orders/{sent}/matrix", data={**correction, "csrf": client_csrf})
    assert denied.status_code == 404


def test_sign_out_and_deactivation_end_the_session(
    app_with_people: App, browser: TestClient
) -> None:
    app = app_with_people
    csrf = sign_in(browser, app, CLIENT)
    left = browser.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert left.status_code == 303
    assert browser.get("/orders", follow_redirects=False).status_code == 303
    sign_in(browser, app, CLIENT)
    with app.uow() as uow:
        partner = uow.partners.by_address(CLIENT)
        assert partner is not None
        partner.active = False
        uow.commit()
    assert browser.get("/orders", follow_redirects=False).headers["location"] == "/sign-in"


def test_a_manager_sees_the_dashboard_and_a_client_its_balance(
    app_with_people: App, browser: TestClient
) -> None:
    """The dashboard counts what waits and shows what is overdue; the client's account shows
    the debit its AGREE booked; neither page is anyone else's (404)."""
    app = app_with_people
    number = agree_and_send(app)
    app.store(b"not a mail at all", "smtp")  # waits for the processor
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(days=10))  # past the supplier's deadline to confirm
    csrf = sign_in(browser, app, MANAGER)
    assert csrf
    board = browser.get("/dashboard")
    assert board.status_code == 200
    waiting = re.search(r"Messages waiting to be processed</dt><dd>(\d+)<", board.text)
    assert waiting is not None
    assert waiting[1] == "1"
    assert number in board.text  # its supplier's confirmation is overdue
    assert browser.get("/account").status_code == 404
    client = other(app)
    sign_in(client, app, CLIENT)
    assert client.get("/dashboard").status_code == 404
    balance = client.get("/account")
    assert balance.status_code == 200
    assert number in balance.text
    assert "debit" in balance.text


def test_an_orders_mail_opens_for_the_manager_and_its_client_only(
    app_with_people: App, browser: TestClient
) -> None:
    """The manager sees the whole thread (the order, the quote, the order file to the
    supplier); the client only its own mail; the supplier none; each opens with its text."""
    app = app_with_people
    number = agree_and_send(app)
    sign_in(browser, app, MANAGER)
    page = browser.get(f"/orders/{number}").text
    links = re.findall(rf'href="(/orders/{number}/mail/(?:in|out)/\d+)"', page)
    order_file = next(m for m in outbox(app) if m.kind == "order_file")
    file_link = f"/orders/{number}/mail/out/{order_file.id}"
    assert file_link in links
    assert len(links) >= 4  # the order, the quote, the AGREE, the order file, the answers
    opened = browser.get(file_link)
    assert opened.status_code == 200
    assert "BPW-0310" in opened.text
    client = other(app)
    sign_in(client, app, CLIENT)
    theirs = re.findall(
        rf'href="(/orders/{number}/mail/(?:in|out)/\d+)"', client.get(f"/orders/{number}").text
    )
    assert file_link not in theirs
    assert theirs
    assert set(theirs) < set(links)
    assert client.get(theirs[0]).status_code == 200
    assert client.get(file_link).status_code == 404
    supplier = other(app)
    sign_in(supplier, app, SUPPLIER)
    assert "/mail/" not in supplier.get(f"/orders/{number}").text
    assert supplier.get(file_link).status_code == 404
    assert browser.get(f"/orders/{number}/mail/out/999999").status_code == 404


def test_an_orders_voucher_codes_show_on_its_page(
    app_with_people: App, browser: TestClient
) -> None:
    """The code the client wrote in its order is on the order's page with its state."""
    app = app_with_people
    number = quote(app, body="BPW-0310 x 2\nSAF-2234 x 5\nSPRING10")
    sign_in(browser, app, CLIENT)
    page = browser.get(f"/orders/{number}").text
    assert "SPRING10" in page
    assert "held for an order" in page


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_browsing_the_cabinet_rolls_nothing_back_on_postgresql(
    app_with_people: App, browser: TestClient
) -> None:
    """A page only reads: its statements run without a transaction, and none ends with a
    ROLLBACK, at which psycopg would forget the connection's prepared statements."""
    app = app_with_people
    number = quote(app)
    sign_in(browser, app, MANAGER)
    pages = ["/orders", f"/orders/{number}", "/dashboard", "/outbox", "/partners", "/quarantine",
             "/vouchers", "/pricelists"]  # fmt: skip
    with rollbacks_of_open_transactions(app.engine) as rolled_back:
        for page in pages:
            assert browser.get(page).status_code == 200, page
    assert rolled_back == []
