"""Bad input gets a clear answer or a recorded reason, keeps the raw message, and breaks nothing."""

from __future__ import annotations

import base64

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from tests.mail import mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, outbox


def raw_kept(app: App, inbound_id: int, raw: bytes) -> bool:
    with app.uow() as uow:
        message = uow.inbox.get(inbound_id)
        return message is not None and message.raw == raw


def test_bytes_that_are_not_mime_are_kept_with_the_reason(app: App) -> None:
    """Random bytes are stored as they came and marked not answered, with no sender to answer."""
    raw = bytes(range(256)) * 40
    inbound_id, outcome = ingest(app, raw)
    assert outcome.status == "ignored"
    assert outcome.summary == "not answered: no sender"
    assert raw_kept(app, inbound_id, raw)
    # ... and the next message is handled as usual.
    seed_demo(app)
    assert ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))[1].status == "processed"


def test_broken_base64_spreadsheet_is_answered_with_the_problem(app: App) -> None:
    """An attachment whose base64 is damaged is reported by name, not silently skipped."""
    seed_demo(app)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    good = mail(
        sender=FLEET, body="See it.", attachments=[("order.xlsx", xlsx, b"PK\x03\x04" * 200)]
    )
    encoded = base64.b64encode(b"PK\x03\x04" * 200)
    raw = good.replace(encoded[:76], b"!!!! not base64 at all !!!!" + encoded[27:76])
    assert raw != good
    inbound_id, outcome = ingest(app, raw)
    assert outcome.summary == "answered: no order lines found"
    (reply,) = outbox(app)
    assert "order.xlsx" in parts(reply.raw)["plain"]
    assert raw_kept(app, inbound_id, raw)


def test_unknown_charset_is_read_best_effort(app: App) -> None:
    """A body declared in a charset nobody knows is still read, and its order quoted."""
    seed_demo(app)
    raw = (
        b"From: buying@fleetparts.example\r\nTo: orders@distributor.example\r\nSubject: x\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown-42\r\n\r\n"
        b"Bun\xc4\x83 ziua\r\nBPW-0310 x 2\r\n"
    )
    _, outcome = ingest(app, raw)
    assert outcome.summary.startswith("quoted ORD-")


def test_an_empty_order_is_answered_with_what_works(app: App) -> None:
    """A client message with no order lines gets a reply explaining the accepted formats."""
    seed_demo(app)
    _, outcome = ingest(app, mail(sender=FLEET, body="Hello, how are you?"))
    assert outcome.summary == "answered: no order lines found"
    (reply,) = outbox(app)
    assert "ABC-123 x 5" in parts(reply.raw)["plain"]


def test_a_file_with_100000_lines_is_refused_with_the_limit(app: App) -> None:
    """A CSV beyond the row limit is refused by name with the limit, not read halfway."""
    seed_demo(app)
    rows = "sku;qty\n" + "BPW-0310;1\n" * 100_000
    attachment = ("huge.csv", "text/csv", rows.encode())
    _, outcome = ingest(app, mail(sender=FLEET, body="Big one", attachments=[attachment]))
    assert outcome.summary == "answered: no order lines found"
    (reply,) = outbox(app)
    text = parts(reply.raw)["plain"]
    assert "huge.csv" in text
    assert "huge.csv: too many rows: at most 10,000 are read" in text
    with app.uow() as uow:
        assert uow.orders.count() == 0


def test_file_problems_are_explained_in_the_clients_language(app: App) -> None:
    """A Russian client's unreadable spreadsheet is explained in Russian, naming the file."""
    seed_demo(app)
    broken = ("заказ.xlsx", "application/octet-stream", b"not a workbook")
    _, outcome = ingest(app, mail(sender=VECTOR, body="Заказ во вложении", attachments=[broken]))
    assert outcome.summary == "answered: no order lines found"
    (reply,) = outbox(app)
    assert "заказ.xlsx: файл не удалось прочитать" in parts(reply.raw)["plain"]
