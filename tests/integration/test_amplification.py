"""Mail that would turn mailbot into an amplifier, on SQLite and PostgreSQL: an order of too
many lines is refused with a short reply, and no mail mailbot writes passes its size limit."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import PRICE_LIST, SUPPLIER, seed_demo
from mailbot.services.pricelists.importing import import_price_list
from mailbot.storage.models import Event
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, ingest, outbox

MB = 2**20


def with_config(app: App, config: Config, clock: FixedClock, **sections: dict[str, object]) -> App:
    """The app with some keys of `config` changed, on the same database and clock."""
    changed = {
        name: getattr(config, name).model_copy(update=keys) for name, keys in sections.items()
    }
    updated = config.model_copy(update=changed)
    return bootstrap(updated, engine=app.engine, transport=RecordingTransport(), clock=clock)


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    yield
    tracemalloc.stop()


def assert_refused_shortly(app: App, inbound_id: int, raw: bytes, limit: str) -> None:
    """One short `too_many_lines` reply naming the limit, no order, the message kept as sent."""
    (reply,) = outbox(app)
    assert (reply.kind, reply.recipient) == ("too_many_lines", "buying@fleetparts.example")
    assert len(reply.raw) < 20_000
    assert headers(reply.raw)["Subject"] == f"Your order has more than {limit} lines"
    text = parts(reply.raw)["plain"]
    assert f"It holds more than {limit} order lines" in text
    assert f"at most {limit} lines each" in text
    with app.uow() as uow:
        assert uow.orders.count() == 0
        assert uow.inbox.raw(inbound_id) == raw


def test_a_body_of_200000_lines_gets_a_short_refusal_in_bounded_memory(
    app: App, traced: None
) -> None:
    """A 2.8 MB body of 200,000 order lines is refused in a few lines, reading stopped at the
    limit (the whole run under 200 MB of traced memory); the message is kept whole."""
    seed_demo(app)
    body = "\n".join(f"BPW-{n:06d} x 5" for n in range(200_000))
    raw = mail(sender=FLEET, body=body)
    assert len(raw) > 2_800_000
    tracemalloc.reset_peak()
    inbound_id, outcome = ingest(app, raw)
    _, peak = tracemalloc.get_traced_memory()
    assert (outcome.status, outcome.summary) == (
        "processed",
        "answered: order refused, more than 2000 lines",
    )
    assert peak < 200 * MB, f"peak {peak / MB:.0f} MiB"
    assert_refused_shortly(app, inbound_id, raw, "2,000")


def test_twenty_spreadsheets_of_10000_rows_get_the_same_short_refusal(
    app: App, traced: None
) -> None:
    """Twenty CSVs of 10,000 rows each (each under the per-file row limit) are one order past
    the limit: refused shortly, the files after the first not read."""
    seed_demo(app)
    # 10,000 rows with the header: the most orders.max_rows lets one file have.
    table = "sku;qty\n" + "\n".join(f"BPW-{n:06d};2" for n in range(9_999))
    files = [(f"order-{n:02d}.csv", "text/csv", table.encode()) for n in range(20)]
    raw = mail(sender=FLEET, body="Our order is attached.", attachments=files)
    tracemalloc.reset_peak()
    inbound_id, outcome = ingest(app, raw)
    _, peak = tracemalloc.get_traced_memory()
    assert outcome.summary == "answered: order refused, more than 2000 lines"
    assert peak < 200 * MB, f"peak {peak / MB:.0f} MiB"
    assert_refused_shortly(app, inbound_id, raw, "2,000")


def test_the_limit_counts_body_and_files_together(
    app: App, config: Config, clock: FixedClock
) -> None:
    """With orders.max_lines = 5, three body lines and two in a file are quoted; three and
    three are refused."""
    seed_demo(app)
    app = with_config(app, config, clock, orders={"max_lines": 5})
    body = "BPW-0310 x 1\nSAF-2234 x 2\nDAF-1643 x 3"
    two = ("order.csv", "text/csv", b"sku;qty\nMAN-81.43701;1\nKNORR-K012;1\n")
    _, outcome = ingest(app, mail(sender=FLEET, body=body, attachments=[two]))
    assert outcome.summary.startswith("quoted ORD-2026-000001: 5 lines priced")
    three = ("order.csv", "text/csv", b"sku;qty\nMAN-81.43701;1\nKNORR-K012;1\nWABCO-4324;1\n")
    _, outcome = ingest(app, mail(sender=FLEET, body=body, attachments=[three]))
    assert outcome.summary == "answered: order refused, more than 5 lines"
    assert outbox(app)[-1].kind == "too_many_lines"


def test_a_mail_over_the_size_limit_is_replaced_by_a_short_one(
    app: App, config: Config, clock: FixedClock
) -> None:
    """A client's price list too big for smtp_outgoing.max_message_bytes goes out as a short
    mail in the same thread naming the files and their sizes, and the event is recorded."""
    seed_demo(app)
    rows = "\n".join(
        f"BIG-{n:06d};Part number {n};ACME;misc;{n % 97 + 1}.50;EUR;5" for n in range(20_000)
    )
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        payload = f"{PRICE_LIST}{rows}\n".encode()  # the demo list and 20,000 more items
        import_price_list(
            uow, supplier, "big.csv", payload, default_currency="EUR", now=clock.now()
        )
        uow.commit()
    app = with_config(app, config, clock, smtp_outgoing={"max_message_bytes": 100_000})
    asked = mail(sender=FLEET, subject="PRICES", body="PRICES")
    _, outcome = ingest(app, asked)
    assert outcome.summary.startswith("price list sent")
    (reply,) = outbox(app)
    assert reply.kind == "too_large"
    assert len(reply.raw) <= 100_000
    message = headers(reply.raw)
    assert message["In-Reply-To"] == headers(asked)["Message-ID"]
    assert message["Subject"].startswith("Too large to send by mail: ")
    assert not list(message.iter_attachments())
    text = parts(reply.raw)["plain"]
    assert "but at 1 MB it is larger than the 0.1 MB we can send by mail" in text
    assert "  - prices-2026-11-20.xlsx (0.7 MB)" in text
    with app.uow() as uow:
        (event,) = uow.session.query(Event).filter(Event.type == "mail.too_large")
    assert event.payload["kind"] == "price_list"
    assert event.payload["bytes"] > 100_000
