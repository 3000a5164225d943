"""Outgoing mail and received mail on the command line: `outbox show`, `outbox cancel` (the
sender and the digest of held replies never send a cancelled mail), `messages list/show` with
sender, subject and the whole outcome, `quarantine list --limit` with the sender."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.services.outbox.cancelling import CancelError, cancel_mail
from tests.commands import call
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import answer, quote
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, ingest, outbox

CLIENT = "buying@fleetparts.example"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_bytes(raw: bytes) -> bytes:
    """The decoded bytes of the CSV a mail carries."""
    csv = next(p for p in headers(raw).walk() if p.get_content_type() == "text/csv")
    payload = csv.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def test_outbox_show_gives_headers_text_and_attachments(app: App, cli: CliRunner) -> None:
    """The order file a supplier gets is shown with its headers, its text and its attached
    files' names and sizes, in text and JSON."""
    seed_demo(app)
    number = quote(app)
    answer(app, "quote", FLEET, "AGREE")
    order_file = next(m for m in outbox(app) if m.kind == "order_file")
    shown = json.loads(call(cli, "outbox", "show", str(order_file.id), "--json").output)
    assert (shown["kind"], shown["status"], shown["attempts"]) == ("order_file", "pending", 0)
    assert shown["headers"]["To"] == order_file.recipient
    assert number in shown["headers"]["Subject"]
    assert shown["headers"]["Auto-Submitted"] == "auto-generated"
    assert number in shown["text"]
    sheet, table = shown["attachments"]
    assert (sheet["name"], table["name"]) == (f"{number}.xlsx", f"{number}.csv")
    assert (sheet["content_type"], table["content_type"]) == (XLSX, "text/csv")
    assert sheet["size"] > 1000
    assert table["size"] == len(table_bytes(order_file.raw))
    text = call(cli, "outbox", "show", str(order_file.id)).output
    assert f"To: {order_file.recipient}" in text
    assert "attachments: 2" in text
    assert f"{number}.csv" in text
    assert "no outgoing mail 999" in call(cli, "outbox", "show", "999", code=1).output


def test_a_cancelled_mail_is_never_sent(
    app: App, cli: CliRunner, transport: RecordingTransport
) -> None:
    """A reply the relay put off is cancelled while pending: the sender passes it by for
    good, and the outbox says it was cancelled and why."""
    seed_demo(app)
    transport.failures = 1
    quote(app)
    app.sender.run_once()  # refused for now: the quote stays pending
    (reply,) = outbox(app)
    assert reply.status == "pending"
    done = call(cli, "--by", "erin", "outbox", "cancel", str(reply.id), "--note", "wrong prices")
    assert f"outgoing mail {reply.id} to {CLIENT} cancelled" in done.output
    with app.uow() as uow:  # due again, as a retry would be
        message = uow.outbox.get(reply.id)
        assert message is not None
        message.next_attempt_at = app.clock.now()
        uow.commit()
    assert app.sender.run_once() == 0
    assert transport.delivered == []
    (listed,) = json.loads(call(cli, "outbox", "list", "--status", "cancelled", "--json").output)
    assert listed["reason"] == "cancelled by erin (command line): wrong prices"
    again = call(cli, "outbox", "cancel", str(reply.id), code=1)
    assert "is cancelled already; it cannot be cancelled" in again.output


def test_sent_mail_and_mail_being_sent_cannot_be_cancelled(app: App, cli: CliRunner) -> None:
    seed_demo(app)
    quote(app)
    (reply,) = outbox(app)
    with app.uow() as uow:  # a sender has it in hand
        (claimed,) = uow.outbox.claim_due(app.clock.now(), timedelta(minutes=5), 1, 2**20, reply.id)
        assert claimed.id == reply.id
        uow.commit()
    with pytest.raises(CancelError, match="is being sent right now"):
        cancel_mail(app.uow, reply.id, now=app.clock.now())
    with app.uow() as uow:
        uow.outbox.mark_sent([(reply.id, app.clock.now())])
        uow.commit()
    refused = call(cli, "outbox", "cancel", str(reply.id), code=1)
    assert f"outgoing mail {reply.id} was sent; it cannot be cancelled" in refused.output
    assert "no outgoing mail 999" in call(cli, "outbox", "cancel", "999", code=1).output


def test_a_cancelled_held_reply_is_left_out_of_the_digest(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Of two replies held past the hourly limit, the one cancelled is not in the digest."""
    seed_demo(app)
    replies = config.replies.model_copy(update={"max_per_hour": 2})
    limited = config.model_copy(update={"replies": replies})
    app = bootstrap(limited, engine=app.engine, transport=transport, clock=clock)
    for n in range(4):
        ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {n + 1}"))
        clock.advance(timedelta(minutes=1))
    *_, cancelled, kept = outbox(app)
    assert (cancelled.status, kept.status) == ("held", "held")
    cancel_mail(app.uow, cancelled.id, now=clock.now())
    clock.advance(timedelta(hours=1))
    app.processor.run_once()
    digest = outbox(app)[-1]
    assert digest.kind == "reply_digest"
    text = parts(digest.raw)["plain"]
    assert kept.subject in text
    assert cancelled.subject not in text
    assert [m.status for m in outbox(app)][2:4] == ["cancelled", "digested"]


def test_messages_list_and_show_tell_who_sent_what_and_what_became_of_it(
    app: App, cli: CliRunner
) -> None:
    """The list names each message's sender and subject (encoded words decoded); `show` gives
    the outcome, the replies it caused with ids and kinds, and the orders it created or moved."""
    seed_demo(app)
    first, outcome = ingest(app, mail(sender=FLEET, subject="Заказ №7", body="BPW-0310 x 2"))
    number = outcome.summary.split()[1].rstrip(":")
    answer(app, "quote", FLEET, "AGREE")
    rows = json.loads(call(cli, "messages", "list", "--json").output)
    assert [(r["sender"], r["subject"].split(" [REF-")[0]) for r in rows] == [
        (CLIENT, f"Re: Quote {number}"),
        (CLIENT, "Заказ №7"),
    ]
    assert "Заказ №7" in call(cli, "messages", "list").output
    agreed = json.loads(call(cli, "messages", "show", str(rows[0]["id"]), "--json").output)
    assert agreed["outcome"].startswith(f"{number} agreed")
    assert [(o["number"], o["status"]) for o in agreed["orders"]] == [(number, "agreed")]
    assert [(r["kind"], r["recipient"]) for r in agreed["replies"]] == [("order_answer", CLIENT)]
    quoted = json.loads(call(cli, "messages", "show", str(first), "--json").output)
    assert [(r["kind"], r["recipient"]) for r in quoted["replies"]] == [("quote", CLIENT)]
    assert [(o["number"], o["status"]) for o in quoted["orders"]] == [(number, "quoted")]
    assert (quoted["status"], quoted["attempts"], quoted["last_error"]) == ("processed", 1, "")
    text = call(cli, "messages", "show", str(first)).output
    assert "replies: 1" in text
    assert f"quote  {CLIENT}" in text


def test_quarantine_list_names_the_sender_and_takes_a_limit(cli: CliRunner, tmp_path: Path) -> None:
    """Quarantined messages are listed newest first with their sender; --limit keeps the
    newest."""
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    templates = tmp_path / "templates" / "mail"
    templates.mkdir(parents=True)
    (templates / "order_answer.subject.j2").write_text("{{ missing.thing }}")
    (templates / "no_order.subject.j2").write_text("{{ missing.thing }}")
    broken = {"MAILBOT_TEMPLATES__FOLDER": str(tmp_path / "templates"),
              "MAILBOT_PROCESSING__MAX_ATTEMPTS": "1"}  # fmt: skip
    for n in range(3):
        path = tmp_path / f"m{n}.eml"
        path.write_bytes(mail(sender=f"Fleet <{CLIENT}>", subject=f"Hello {n}", body="hi"))
        assert cli.invoke(main, ["ingest", str(path)], env=broken).exit_code == 1
    rows = json.loads(call(cli, "quarantine", "list", "--limit", "2", "--json").output)
    assert [(r["sender"], r["subject"]) for r in rows] == [(CLIENT, "Hello 2"), (CLIENT, "Hello 1")]
    text = call(cli, "quarantine", "list").output
    assert text.splitlines()[0].split()[:5] == [
        "ID",
        "RECEIVED_AT",
        "ATTEMPTS",
        "SENDER",
        "SUBJECT",
    ]
    assert text.count(CLIENT) == 3
