"""The processor on SQLite and PostgreSQL: orders become quotes, and nothing is ever lost."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.parsers.message import ParsedMessage, parse_message
from mailbot.services.inbox import processing
from mailbot.services.inbox.quarantine import retry_quarantined
from mailbot.storage.write_gate import writers_waiting
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, limited, order_of, outbox
from tests.rollbacks import rollbacks_of_open_transactions
from tests.servers import wait_for

CSV_RU = "Артикул;Наименование;Кол-во\nBPW-0310;Тормозной барабан;4\nSAF-2234;Пневмобаллон;16\n"


def test_body_order_is_quoted_in_one_threaded_reply(app: App) -> None:
    """An order in the body is priced, stored with its number, and answered in the thread."""
    seed_demo(app)
    raw = mail(sender=FLEET, body="Hello,\n\nBPW-0310 x 2\n5 x SAF-2234\nMAN-81.43701; 10\n\nSam")
    _, outcome = ingest(app, raw)
    assert outcome.status == "processed"
    detail = order_of(app, outcome)
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in detail["lines"]] == [  # type: ignore[attr-defined]
        ("BPW-0310", 2, "100.80"),
        ("SAF-2234", 5, "55.80"),
    ]
    assert [(r["sku"], r["reason"], r["detail"]) for r in detail["rejected"]] == [  # type: ignore[attr-defined]
        ("MAN-81.43701", "insufficient_stock", "8")
    ]
    assert detail["total"] == "480.60"
    (reply,) = outbox(app)
    sent = headers(reply.raw)
    assert sent["To"] == "buying@fleetparts.example"
    assert sent["In-Reply-To"] == headers(raw)["Message-ID"]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert detail["number"] in sent["Subject"]
    text = parts(reply.raw)["plain"]
    assert "BPW-0310" in text
    assert "MAN-81.43701" in text
    assert "480.60" in text


def test_russian_csv_attachment_gets_a_russian_quote(app: App) -> None:
    """A Windows-1251 CSV from a Russian client is read and answered in Russian."""
    seed_demo(app)
    attachment = ("заказ.csv", "text/csv", CSV_RU.encode("cp1251"))
    _, outcome = ingest(app, mail(sender=VECTOR, body="Добрый день!", attachments=[attachment]))
    detail = order_of(app, outcome)
    assert [(line["sku"], line["quantity"]) for line in detail["lines"]] == [  # type: ignore[attr-defined]
        ("BPW-0310", 4),
        ("SAF-2234", 16),
    ]
    (reply,) = outbox(app)
    assert headers(reply.raw)["Subject"].startswith("Предложение")
    assert "BPW-0310" in parts(reply.raw)["html"]


def test_unknown_senders_and_auto_replies_are_stored_but_never_answered(app: App) -> None:
    """Mail from strangers, auto-replies and list mail is kept with the reason, and not answered."""
    seed_demo(app)
    stranger = mail(sender="who@nowhere.example", body="BPW-0310 x 1")
    away = mail(sender=FLEET, body="Out of office", headers={"Auto-Submitted": "auto-replied"})
    listed = mail(sender=FLEET, body="BPW-0310 x 1", headers={"List-Id": "<parts.lists.example>"})
    outcomes = [ingest(app, raw)[1] for raw in (stranger, away, listed)]
    assert [o.status for o in outcomes] == ["ignored"] * 3
    assert "unknown sender" in outcomes[0].summary
    assert outbox(app) == []


def test_a_message_without_order_lines_gets_a_clear_answer(app: App) -> None:
    """A broken spreadsheet and no lines get an answer saying what was wrong; no order is made."""
    seed_demo(app)
    broken = ("order.xlsx", "application/octet-stream", b"this is not a spreadsheet")
    _, outcome = ingest(app, mail(sender=FLEET, body="Please see attached.", attachments=[broken]))
    assert outcome.summary == "answered: no order lines found"
    (reply,) = outbox(app)
    assert "order.xlsx" in parts(reply.raw)["plain"]
    with app.uow() as uow:
        assert uow.orders.count() == 0


def test_bad_quantities_are_listed_line_by_line(app: App) -> None:
    """Negative, absurd, fractional quantities and unknown SKUs are each rejected with a reason."""
    seed_demo(app)
    body = "BPW-0310 x -3\nSAF-2234 x 1e9\nDAF-1643 x 2.5\nZZZ-9999 x 1\nDAF-1643 x 3"
    _, outcome = ingest(app, mail(sender=FLEET, body=body))
    detail = order_of(app, outcome)
    assert [line["sku"] for line in detail["lines"]] == ["DAF-1643"]  # type: ignore[attr-defined]
    assert [r["reason"] for r in detail["rejected"]] == [  # type: ignore[attr-defined]
        "non_positive_quantity",
        "quantity_too_large",
        "fractional_quantity",
        "unknown_sku",
    ]


def test_a_failing_message_is_retried_then_quarantined_then_replayed(
    config: Config, app: App, tmp_path: Path, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A handling error is retried, quarantined with the error after N tries, and replayable."""
    seed_demo(app)
    broken = tmp_path / "templates" / "mail"
    broken.mkdir(parents=True)
    (broken / "quote.txt.j2").write_text("{{ no_such_variable.attribute }}")
    overridden = config.model_copy(
        update={"templates": config.templates.model_copy(update={"folder": tmp_path / "templates"})}
    )
    failing = bootstrap(overridden, engine=app.engine, transport=transport, clock=clock)
    stored = failing.store(mail(sender=FLEET, body="BPW-0310 x 1"), "smtp")
    statuses = []
    for _ in range(config.processing.max_attempts):
        assert failing.processor.run_once() == 1
        with failing.uow() as uow:
            message = uow.inbox.get(stored.id)
            assert message is not None
            statuses.append(message.status)
        assert failing.processor.run_once() == 0  # waits out the retry delay
        clock.advance(timedelta(seconds=config.processing.retry_seconds + 1))
    assert statuses == ["stored", "stored", "quarantined"]
    assert "'no_such_variable' is undefined" in message.last_error
    assert outbox(app) == []
    retry_quarantined(app.uow, stored.id, now=clock.now())
    assert app.processor.run_once() == 1
    with app.uow() as uow:
        message = uow.inbox.get(stored.id)
        assert message is not None
        assert message.status == "processed"
    assert len(outbox(app)) == 1


def test_a_worker_that_died_mid_message_leaves_it_claimable(app: App, clock: FixedClock) -> None:
    """A message whose worker vanished is claimable after the lease, and quarantined in the end."""
    seed_demo(app)
    stored = app.store(mail(sender=FLEET, body="BPW-0310 x 1"), "smtp")
    lease = timedelta(seconds=app.config.processing.lease_seconds + 1)
    for _ in range(app.config.processing.max_attempts):
        assert app.processor.claim(stored.id)  # ... and the worker dies here
        assert not app.processor.claim(stored.id)
        clock.advance(lease)
    assert app.processor.run_once() == 1
    with app.uow() as uow:
        message = uow.inbox.get(stored.id)
        assert message is not None
        assert message.status == "quarantined"
        assert "gave up after 3 attempts" in message.last_error


def test_a_failing_message_in_a_batch_spoils_none_of_its_neighbours(
    config: Config, app: App, tmp_path: Path, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Three messages processed as one batch, the middle one failing (its answer's template
    is broken): its neighbours are answered and kept, it alone waits for its retry."""
    seed_demo(app)
    broken = tmp_path / "templates" / "mail"
    broken.mkdir(parents=True)
    (broken / "no_order.txt.j2").write_text("{{ no_such_variable.attribute }}")
    overridden = config.model_copy(
        update={"templates": config.templates.model_copy(update={"folder": tmp_path / "templates"})}
    )
    failing = bootstrap(overridden, engine=app.engine, transport=transport, clock=clock)
    bodies = ["BPW-0310 x 1", "Hello, how are you?", "SAF-2234 x 2"]
    stored = [failing.store(mail(sender=FLEET, body=body), "smtp") for body in bodies]
    assert failing.processor.run_once() == 3
    with failing.uow() as uow:
        kept = [uow.inbox.get(message.id) for message in stored]
    assert [(m.status, m.attempts) for m in kept if m] == [
        ("processed", 1),
        ("stored", 1),
        ("processed", 1),
    ]
    assert [reply.kind for reply in outbox(app)] == ["quote", "quote"]
    with app.uow() as uow:
        assert uow.orders.count() == 2


@contextlib.contextmanager
def statements_sent(app: App) -> Iterator[list[str]]:
    """The SQL statements the app's engine sends inside the block, white space folded."""
    sent: list[str] = []

    def note(*args: object) -> None:
        sent.append(" ".join(str(args[2]).split()))

    event.listen(app.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(app.engine, "before_cursor_execute", note)


def test_a_batch_reads_who_sent_its_messages_in_one_statement(app: App) -> None:
    """The processor looks up the senders of a batch's messages together, one statement for
    all, and each message is answered as if its sender had been looked up alone: a client,
    another client, an unknown sender, a client writing its address in capitals."""
    seed_demo(app)
    senders = [FLEET, VECTOR, "stranger@nowhere.example", "BUYING@FLEETPARTS.EXAMPLE"]
    stored = [app.store(mail(sender=s, body="BPW-0310 x 1"), "smtp") for s in senders]
    with statements_sent(app) as sent:
        assert app.processor.run_once() == len(senders)
    partner_reads = [s for s in sent if "FROM partners JOIN partner_addresses" in s]
    assert len(partner_reads) == 1
    with app.uow() as uow:
        fleet = uow.partners.by_address("buying@fleetparts.example")
        vector = uow.partners.by_address("zakaz@vector-trans.example")
        assert fleet is not None
        assert vector is not None
        kept = [uow.inbox.get(message.id) for message in stored]
        seen = [(m.status, m.partner_id) for m in kept if m is not None]
    assert seen == [
        ("processed", fleet.id),
        ("processed", vector.id),
        ("ignored", None),
        ("processed", fleet.id),
    ]
    assert sorted(reply.recipient for reply in outbox(app)) == [
        "buying@fleetparts.example",
        "buying@fleetparts.example",
        "zakaz@vector-trans.example",
    ]


def test_a_batch_screens_its_words_for_codes_and_looks_up_only_where_one_is_named(
    app: App,
) -> None:
    """The processor screens the words of a batch's messages for voucher codes in one
    statement; only the message that names a stored code gets the look-up of its own, and its
    code is judged as before."""
    seed_demo(app)
    bodies = [(FLEET, "BPW-0310 x 1"), (VECTOR, "SAF-2234 x 2"), (FLEET, "BPW-0310 x 40\nSPRING10")]
    for sender, body in bodies:
        app.store(mail(sender=sender, body=body), "smtp")
    with statements_sent(app) as sent:
        assert app.processor.run_once() == len(bodies)
    screens = [s for s in sent if s.startswith("SELECT voucher_codes.code FROM voucher_codes")]
    look_ups = [s for s in sent if "voucher_codes.display" in s]
    assert (len(screens), len(look_ups)) == (1, 1)
    replies = {reply.recipient: reply.raw.decode() for reply in outbox(app)}
    assert "SPRING10" not in replies["zakaz@vector-trans.example"]
    quotes = [r.raw.decode() for r in outbox(app) if r.recipient == "buying@fleetparts.example"]
    assert sorted("SPRING10" in quote for quote in quotes) == [False, True]


def reply_load_reads(sent: list[str]) -> tuple[int, int]:
    """How many of `sent` read the reply loads of a batch, and of one recipient."""
    loads = [s for s in sent if "count(outbound_messages.id) FILTER" in s]
    batch = [s for s in loads if "GROUP BY outbound_messages.recipient" in s]
    return len(batch), len(loads) - len(batch)


def test_a_batch_counts_its_senders_replies_once_and_holds_those_past_the_limit(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """The reply limit's question (how many replies a sender had this hour, and whether some
    wait for a digest) is read for all of a batch's senders in one statement, and the
    replies the batch writes are counted in as it goes: a sender's third and fourth order of
    one batch are held as if each had been processed alone, another sender's is not."""
    seed_demo(app)
    app = limited(config, app, transport, clock)
    app.store(mail(sender=FLEET, body="BPW-0310 x 1"), "smtp")
    assert app.processor.run_once() == 1  # one reply to Fleet this hour before the batch
    senders = [FLEET, VECTOR, FLEET, FLEET]
    for n, sender in enumerate(senders):
        app.store(mail(sender=sender, body=f"BPW-0310 x {n + 1}"), "smtp")
    with statements_sent(app) as sent:
        assert app.processor.run_once() == len(senders)
    assert reply_load_reads(sent) == (1, 0)
    statuses = [(r.recipient, r.status, r.last_error) for r in outbox(app)]
    assert [(recipient, status) for recipient, status, _ in statuses] == [
        ("buying@fleetparts.example", "pending"),  # the earlier one
        ("buying@fleetparts.example", "pending"),
        ("zakaz@vector-trans.example", "pending"),
        ("buying@fleetparts.example", "held"),
        ("buying@fleetparts.example", "held"),
    ]
    assert "had 2 replies in the last hour" in statuses[3][2]
    assert "earlier replies to buying@fleetparts.example wait" in statuses[4][2]
    with app.uow() as uow:
        since = clock.now() - timedelta(hours=1)
        assert uow.sent.reply_load("buying@fleetparts.example", since) == (True, 2)


def test_a_failure_in_a_batch_drops_the_counted_replies_and_the_limit_still_holds(
    config: Config, app: App, tmp_path: Path, transport: RecordingTransport, clock: FixedClock
) -> None:
    """When a message of a batch fails, the batch is undone and handled again a savepoint
    each: what the first try counted is dropped with it, and the limit counts what is
    kept (the failed message's reply is not), asking again for each message."""
    seed_demo(app)
    broken = tmp_path / "templates" / "mail"
    broken.mkdir(parents=True)
    (broken / "no_order.txt.j2").write_text("{{ no_such_variable.attribute }}")
    templates = config.templates.model_copy(update={"folder": tmp_path / "templates"})
    app = limited(config, app, transport, clock, templates=templates)
    bodies = ["BPW-0310 x 1", "Hello, how are you?", "SAF-2234 x 2", "BPW-0310 x 3"]
    stored = [app.store(mail(sender=FLEET, body=body), "smtp") for body in bodies]
    with statements_sent(app) as sent:
        assert app.processor.run_once() == len(bodies)
    batch_reads, one_by_one = reply_load_reads(sent)
    assert batch_reads == 1
    assert one_by_one >= 3  # the careful second pass: the kept loads went with the rollback
    with app.uow() as uow:
        kept = [uow.inbox.get(message.id) for message in stored]
    assert [m.status for m in kept if m] == ["processed", "stored", "processed", "processed"]
    assert [r.status for r in outbox(app)] == ["pending", "pending", "held"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_passes_over_the_inbox_and_the_outbox_roll_nothing_back_on_postgresql(app: App) -> None:
    """The processor's and the sender's passes end every transaction with a commit, those
    that found nothing to do included: psycopg forgets a connection's prepared statements at
    each rollback, and every statement after one would be parsed and planned anew."""
    seed_demo(app)
    for body in ("BPW-0310 x 1", "SAF-2234 x 2"):
        app.store(mail(sender=FLEET, body=body), "smtp")
    with rollbacks_of_open_transactions(app.engine) as rolled_back:
        assert app.processor.run_once() == 2
        assert app.processor.run_once() == 0
        assert app.sender.run_once() == 2
        assert app.sender.run_once() == 0
    assert rolled_back == []
    assert len(outbox(app)) == 2


class Crash(BaseException):
    """The worker dies here (kill -9): nothing after it runs, nothing is committed."""


def test_after_a_worker_died_mid_batch_each_message_is_tried_alone(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message that kills its worker takes its batch down once; after the lease each of the
    batch is tried alone, so its neighbours are answered and it alone reaches quarantine."""
    seed_demo(app)
    bodies = ["BPW-0310 x 1", "POISON x 1", "SAF-2234 x 2"]
    stored = [app.store(mail(sender=FLEET, body=body), "smtp") for body in bodies]

    def deadly(raw: bytes, own: frozenset[str]) -> ParsedMessage:
        if b"POISON" in raw:
            raise Crash
        return parse_message(raw, own)

    monkeypatch.setattr(processing, "parse_message", deadly)
    lease = timedelta(seconds=app.config.processing.lease_seconds + 1)
    with pytest.raises(Crash):
        app.processor.run_once()
    for _ in range(app.config.processing.max_attempts):
        clock.advance(lease)
        with contextlib.suppress(Crash):
            app.processor.run_once()
    clock.advance(lease)
    app.processor.run_once()
    with app.uow() as uow:
        kept = [uow.inbox.get(message.id) for message in stored]
    assert [m.status for m in kept if m] == ["processed", "quarantined", "processed"]
    assert [reply.kind for reply in outbox(app)] == ["quote", "quote"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_long_batch_lets_a_waiting_store_in_between_two_messages(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a batch holds the write lock; a message arriving over SMTP (the 250 waits
    for its store) gets in after the message in hand, not after the batch, however long the
    batch may stay open, nor after the batch's messages are all parsed ahead."""
    seed_demo(app)
    for quantity in range(1, 41):
        app.store(mail(sender=FLEET, body=f"BPW-0310 x {quantity}"), "smtp")
    monkeypatch.setattr(processing, "BATCH_SECONDS", 3600.0)
    started = threading.Event()
    parsed: list[bytes] = []

    def signalling(raw: bytes, own: frozenset[str]) -> ParsedMessage:
        parsed.append(raw)
        if len(parsed) == 1:  # the batch's first parse: hold it until the store waits
            started.set()
            wait_for(lambda: writers_waiting(app.engine) > 0, what="the store to wait")
        return parse_message(raw, own)

    monkeypatch.setattr(processing, "parse_message", signalling)
    worker = threading.Thread(target=app.processor.run_once, kwargs={"limit": 40})
    worker.start()
    try:
        assert started.wait(60)
        stored = app.store(mail(sender=FLEET, body="SAF-2234 x 1"), "smtp")
        parsed_before_it = len(parsed)
        assert worker.is_alive(), "the store waited for the whole batch"
    finally:
        worker.join(120)
    assert parsed_before_it < 40, "the store waited for the batch to be parsed ahead"
    with app.uow() as uow:
        assert uow.inbox.get(stored.id) is not None
        assert uow.orders.count() == 40
