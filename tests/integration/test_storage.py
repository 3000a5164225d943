"""Storage on SQLite and PostgreSQL: schema, exact values, deduplication, claims, price lists."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, event, select, text

from mailbot.bootstrap import App
from mailbot.read_models import order_row
from mailbot.services.inbox.storing import header_message_id, store_message, store_messages
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list
from mailbot.storage.database import is_up_to_date
from mailbot.storage.models import Base, InboundMessage, Order, OutboundMessage, Partner
from mailbot.storage.unit_of_work import UnitOfWork
from tests.mail import mail

NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    """After `db upgrade` the schema is at head and matches the models, with nothing missing."""
    assert is_up_to_date(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_times_come_back_aware_utc_and_amounts_exact(engine: Engine) -> None:
    """A time in any zone is read back as the same instant in UTC; a Decimal keeps its digits."""
    bucharest = timezone(timedelta(hours=2))
    with UnitOfWork(engine) as uow:
        partner = Partner(
            name="P",
            role="client",
            currency="EUR",
            created_at=datetime(2026, 1, 1, 12, tzinfo=bucharest),
        )
        uow.partners.add(partner)
        message = InboundMessage(
            sha256="0" * 64, message_id="m", source="file", raw=b"x", size=1, received_at=NOW
        )
        uow.inbox.add(message)
        uow.orders.add(
            Order(
                number="ORD-1",
                client_id=partner.id,
                status="quoted",
                currency="EUR",
                total=Decimal("123456789.10"),
                inbound_message_id=message.id,
                created_at=NOW,
            )
        )
        uow.commit()
    with UnitOfWork(engine) as uow:
        stored = uow.partners.get(partner.id)
        assert stored is not None
        assert stored.created_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
        assert stored.created_at.tzinfo == UTC
        order = uow.orders.by_number("ORD-1")
        assert order is not None
        assert str(order.total) == "123456789.10"


def test_the_same_message_twice_is_stored_once(engine: Engine) -> None:
    """Storing identical bytes again gives back the first message; different bytes are new."""
    raw = mail(sender="a@x.example", body="BPW-0310 x 2")
    first = store_message(lambda: UnitOfWork(engine), raw, source="smtp", now=NOW)
    again = store_message(lambda: UnitOfWork(engine), raw, source="imap", now=NOW)
    other = store_message(lambda: UnitOfWork(engine), raw + b"\r\n", source="smtp", now=NOW)
    assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
    assert again.id == first.id != other.id
    with UnitOfWork(engine) as uow:
        stored = uow.inbox.get(first.id)
        assert stored is not None
        assert stored.raw == raw
        assert stored.message_id.endswith("@x.example")
        assert len(uow.session.scalars(select(InboundMessage)).all()) == 2


def test_concurrent_stores_of_one_message_keep_one_row(engine: Engine) -> None:
    """Eight threads storing the same bytes at once leave exactly one row, all agreeing on it."""
    raw = mail(sender="a@x.example", body="race")
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def store() -> None:
        barrier.wait()
        ids.append(store_message(lambda: UnitOfWork(engine), raw, source="smtp", now=NOW).id)

    threads = [threading.Thread(target=store) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1
    assert len(ids) == 8
    with UnitOfWork(engine) as uow:
        assert len(uow.session.scalars(select(InboundMessage)).all()) == 1


def test_a_claim_is_exclusive_until_its_lease_runs_out(engine: Engine) -> None:
    """Only one worker claims a message; after the lease expires another may, counting attempts."""
    stored = store_message(
        lambda: UnitOfWork(engine), b"Subject: x\r\n\r\nx", source="file", now=NOW
    )
    lease = timedelta(minutes=5)
    with UnitOfWork(engine) as uow:
        assert uow.inbox.claim_batch(NOW, lease, 10) == [stored.id]
        uow.commit()
    later, after_lease = NOW + timedelta(minutes=1), NOW + timedelta(minutes=6)
    with UnitOfWork(engine) as uow:
        assert not uow.inbox.claim(stored.id, later, lease)
        assert uow.inbox.claim_batch(later, lease, 10, tried=True) == []
        # Tried once: never again in a batch of fresh messages, only alone.
        assert uow.inbox.claim_batch(after_lease, lease, 10) == []
        assert uow.inbox.claim_batch(after_lease, lease, 10, tried=True) == [stored.id]
        uow.commit()
    with UnitOfWork(engine) as uow:
        message = uow.inbox.get(stored.id)
        assert message is not None
        assert message.attempts == 2


def test_a_new_price_list_replaces_the_old_in_one_step(app: App) -> None:
    """Importing a supplier's list again deactivates the old version; offers come from the new."""
    supplier_id = add_partner(
        app.uow, name="S", role="supplier", addresses=["s@x.example"], language="en",
        group="", currency="EUR", now=NOW,
    )  # fmt: skip
    lists = [b"sku;price\nA-1;10.00\nB-2;20.00\n", b"sku;price\nA-1;11.00\nC-3;5.00\n"]
    for number, payload in enumerate(lists):
        with app.uow() as uow:
            supplier = uow.partners.get(supplier_id)
            assert supplier is not None
            report = import_price_list(
                uow, supplier, f"list{number}.csv", payload, default_currency="EUR", now=NOW,
            )  # fmt: skip
            uow.commit()
        assert report.imported == 2
    with app.uow() as uow:
        offers = uow.prices.offers(["A-1", "B-2", "C-3"])
        active = uow.prices.active_for(supplier_id)
    assert active is not None
    assert active.source == "list1.csv"
    assert [o.price.amount for o in offers["A-1"]] == [Decimal("11.00")]
    assert offers["B-2"] == ()
    assert offers["C-3"][0].price.currency == "EUR"


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    """The embedded SQLite database uses write-ahead logging, so readers never block the writer."""
    if engine.dialect.name != "sqlite":
        assert engine.dialect.name == "postgresql"
        return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_nul_byte_in_the_message_id_does_not_stop_storing(engine: Engine) -> None:
    """A Message-ID with a NUL byte (PostgreSQL text cannot hold one) is stored without it."""
    raw = b"From: a@x.example\r\nMessage-ID: <bad\x00id@x.example>\r\nSubject: s\r\n\r\nbody\r\n"
    stored = store_message(lambda: UnitOfWork(engine), raw, source="smtp", now=NOW)
    with UnitOfWork(engine) as uow:
        message = uow.inbox.get(stored.id)
        assert message is not None
        assert message.message_id == "badid@x.example"
        assert message.raw == raw


def test_several_messages_stored_in_one_transaction_each_once(engine: Engine) -> None:
    """store_messages commits a batch; a repeat within it or of a stored message is a duplicate."""
    old = mail(sender="a@x.example", body="old")
    new = mail(sender="a@x.example", body="new")
    stored_before = store_message(lambda: UnitOfWork(engine), old, source="smtp", now=NOW)

    results = store_messages(lambda: UnitOfWork(engine), [new, old, new], source="smtp", now=NOW)

    assert [r.duplicate for r in results] == [False, True, True]
    assert results[1].id == stored_before.id
    assert results[2].id == results[0].id
    with UnitOfWork(engine) as uow:
        assert sorted(uow.session.scalars(select(InboundMessage.raw))) == sorted([new, old])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_message_is_stored_without_a_transaction_and_the_next_unit_of_work_has_one(
    engine: Engine,
) -> None:
    """On PostgreSQL a single message's INSERT commits by itself (no BEGIN, no COMMIT: one
    round trip before the 250); several messages share one transaction, and the pooled
    connection is transactional again for the next unit of work, whose rollback undoes."""
    autocommit: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(connection: Connection, _cursor: object, statement: str, *_: object) -> None:
        driver = connection.connection.dbapi_connection
        autocommit.append((statement.split()[0], bool(getattr(driver, "autocommit", None))))

    one = store_message(
        lambda: UnitOfWork(engine), mail(sender="a@x.example", body="one"), source="smtp", now=NOW
    )
    assert not one.duplicate
    assert autocommit == [("INSERT", True)]
    autocommit.clear()
    store_messages(
        lambda: UnitOfWork(engine),
        [mail(sender="a@x.example", body="two"), mail(sender="a@x.example", body="three")],
        source="smtp",
        now=NOW,
    )
    assert autocommit == [("INSERT", False), ("INSERT", False)]
    autocommit.clear()
    with UnitOfWork(engine) as uow:
        uow.session.execute(text("DELETE FROM inbound_messages"))
        uow.rollback()
    assert autocommit == [("DELETE", False)]
    with UnitOfWork(engine) as uow:
        assert len(uow.session.scalars(select(InboundMessage.id)).all()) == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_raw_mail_is_compressed_with_lz4_where_the_server_has_it(engine: Engine) -> None:
    """mailbot's PostgreSQL sessions compress large values with lz4 (faster to write and read
    than the default pglz) when the server is built with it, and store whole either way."""
    body = "BPW-0310 x 2, SAF-2234 x 4, please confirm the delivery date.\n" * 200
    raw = mail(sender="a@x.example", body=body)
    stored = store_message(lambda: UnitOfWork(engine), raw, source="smtp", now=NOW)
    with engine.connect() as connection:
        has_lz4 = connection.execute(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                " WHERE name = 'default_toast_compression'"
            )
        ).scalar()
        method, length, back = connection.execute(
            text(
                "SELECT pg_column_compression(raw), pg_column_size(raw), raw"
                " FROM inbound_messages WHERE id = :id"
            ),
            {"id": stored.id},
        ).one()
    assert bytes(back) == raw
    assert method == ("lz4" if has_lz4 else "pglz")
    assert length < len(raw) / 4


def test_message_id_read_from_the_header_block_only(engine: Engine) -> None:
    """A Message-ID line in the body, after the blank line, is not the message's Message-ID."""
    raw = b"From: a@x.example\n\nMessage-ID: <body@x.example>\r\n"
    folded = b"Subject: s\r\nMessage-ID:\r\n <folded@x.example>\r\n\r\nbody\r\n"
    assert header_message_id(raw) == ""
    assert header_message_id(folded) == "folded@x.example"


def test_a_stored_message_reads_back_whole_across_slices(engine: Engine) -> None:
    """`Inbox.raw` gives back exactly the stored bytes, across its 1 MiB slices on PostgreSQL."""
    for size in (0, 1, 2**20, 2**20 + 1, 3 * 2**20 - 7):
        raw = bytes(range(256)) * (size // 256) + b"\x00\xff" * (size % 256 // 2)
        raw += b"x" * (size - len(raw))
        stored = store_message(lambda: UnitOfWork(engine), raw, source="file", now=NOW)
        with UnitOfWork(engine) as uow:
            assert uow.inbox.raw(stored.id) == raw, size


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_workers_claiming_at_once_on_postgresql_take_different_messages(engine: Engine) -> None:
    """While one worker's claim is not yet committed, another's skips the rows it holds and
    takes the next ones at once, instead of waiting for them and then getting none."""
    stored = [
        store_message(
            lambda: UnitOfWork(engine), f"Subject: {n}\r\n\r\nx".encode(), source="file", now=NOW
        ).id
        for n in range(5)
    ]
    lease = timedelta(minutes=5)
    with UnitOfWork(engine) as first, UnitOfWork(engine) as second:
        taken = first.inbox.claim_batch(NOW, lease, 3)
        others = second.inbox.claim_batch(NOW, lease, 3)
        second.commit()
        first.commit()
    assert taken == stored[:3]
    assert others == stored[3:]


def test_a_listing_of_orders_reads_their_clients_in_a_fixed_number_of_queries(
    engine: Engine,
) -> None:
    """`orders list` and the API's listing show each order's client and its address: reading
    them takes the same statements for 2 clients as for 12, not one more per client."""
    for n in range(12):
        client = add_partner(lambda: UnitOfWork(engine), name=f"Client {n}", role="client",
                             addresses=[f"buyer{n}@c{n}.example"], language="en", group="",
                             currency="EUR", now=NOW)  # fmt: skip
        with UnitOfWork(engine) as uow:
            message = InboundMessage(sha256=f"{n:064d}", message_id=f"m{n}", source="file",
                                     raw=b"x", size=1, received_at=NOW)  # fmt: skip
            uow.inbox.add(message)
            uow.orders.add(Order(number=f"ORD-{n}", client_id=client, status="quoted",
                                 currency="EUR", total=Decimal(n), inbound_message_id=message.id,
                                 created_at=NOW + timedelta(minutes=n)))  # fmt: skip
            uow.commit()

    def listed(limit: int) -> tuple[list[str], int]:
        sent: list[str] = []

        def count(*args: object) -> None:
            sent.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            with UnitOfWork(engine) as uow:
                rows = [order_row(order) for order in uow.orders.find(limit=limit)]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return [str(row["client"]) for row in rows], len(sent)

    few, few_statements = listed(2)
    many, many_statements = listed(12)
    assert few == ["buyer11@c11.example", "buyer10@c10.example"]
    assert many[-1] == "buyer0@c0.example"
    assert len(set(many)) == 12
    assert many_statements == few_statements


def test_reply_loads_kept_for_a_transaction_follow_its_replies_and_go_with_a_rollback(
    engine: Engine,
) -> None:
    """Reply loads read for a batch answer `reply_load` without a statement, counting each
    reply the outbox writes in the same transaction (a held one: replies wait; a reply to a
    received message: one more this hour; other mail: nothing); a rollback to a savepoint
    drops them, and so does the end of the transaction: the next question reads again."""
    since, to = NOW - timedelta(hours=1), "a@c.example"
    inbound = store_message(lambda: UnitOfWork(engine), mail(sender=to), source="smtp", now=NOW).id

    def written(uow: UnitOfWork, status: str, inbound_id: int | None, n: int) -> None:
        uow.outbox.add(OutboundMessage(
            kind="quote", sender="mailbot@x.example", recipient=to, subject="Quote", raw=b"r",
            message_id=f"<{n}@x>", status=status, inbound_message_id=inbound_id,
            next_attempt_at=NOW, queued_at=NOW, created_at=NOW))  # fmt: skip

    def failed_attempt(uow: UnitOfWork) -> None:
        with uow.savepoint():
            written(uow, "pending", inbound, 4)
            raise RuntimeError("the attempt fails")

    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))
    with UnitOfWork(engine) as uow:
        uow.sent.read_reply_loads([to, "b@c.example"], since)
        read = len(sent)
        written(uow, "pending", inbound, 1)
        written(uow, "pending", None, 2)  # not a reply to received mail: not counted
        assert uow.sent.reply_load(to, since) == (False, 1)
        written(uow, "held", inbound, 3)
        assert uow.sent.reply_load(to, since) == (True, 1)
        assert uow.sent.reply_load("b@c.example", since) == (False, 0)
        assert not [s for s in sent[read:] if "count(outbound_messages.id)" in s]
        with pytest.raises(RuntimeError):
            failed_attempt(uow)
        assert uow.sent.reply_load(to, since) == (True, 1)  # read again: 4 is gone
        assert [s for s in sent[read:] if "count(outbound_messages.id)" in s]
        uow.sent.read_reply_loads([to], since)
        uow.commit()
        read = len(sent)
        assert uow.sent.reply_load(to, since) == (True, 1)
        assert [s for s in sent[read:] if "count(outbound_messages.id)" in s]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_reads_its_recipients_reply_loads_through_their_index(engine: Engine) -> None:
    """In an outbox of many held and pending mails, the reply loads of a batch's recipients
    are read through the recipients' index: not through the status index, which would read
    every held and pending mail of the outbox for each batch."""
    mails = [{"kind": "quote", "sender": "mailbot@x.example", "recipient": f"c{n % 50}@x.example",
              "subject": "Quote", "raw": b"r", "message_id": f"<{n}@x>",
              "status": ("held", "pending", "sent")[n % 3], "next_attempt_at": NOW,
              "queued_at": NOW, "created_at": NOW} for n in range(600)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(OutboundMessage.__table__.insert(), mails)  # type: ignore[attr-defined]
    read: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute", lambda *args: read.append((args[2], args[3])))
    with UnitOfWork(engine) as uow:
        recipients = [f"c{n}@x.example" for n in range(20)]
        uow.sent.read_reply_loads(recipients, NOW - timedelta(hours=1))
        ((sql, parameters),) = [(sql, p) for sql, p in read if "GROUP BY" in sql]
        rows = uow.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
        plan = " ".join(row[-1] for row in rows)
    assert "USING INDEX ix_outbound_messages_recipient_created (recipient=?)" in plan
    assert "status" not in plan


def test_a_mail_written_without_the_orm_reads_back_and_updates_like_any_entity(
    engine: Engine,
) -> None:
    """The outbox writes a new mail with one prebuilt INSERT (storage/new_rows.py): the entity
    then knows every column without asking the database, a change to it is written as an
    UPDATE, and one written in a savepoint that was rolled back leaves no trace, even when
    SQLite gives its id again."""
    mail_values = {"kind": "quote", "sender": "mailbot@x.example", "recipient": "a@c.example",
                   "subject": "Quote", "raw": b"raw", "next_attempt_at": NOW,
                   "queued_at": NOW, "created_at": NOW}  # fmt: skip
    sent: list[str] = []

    def failed_attempt(uow: UnitOfWork) -> None:
        with uow.savepoint():
            uow.outbox.add(OutboundMessage(message_id="<gone@x>", **mail_values))
            raise RuntimeError("the attempt fails")

    with UnitOfWork(engine) as uow:
        with pytest.raises(RuntimeError):
            failed_attempt(uow)
        mail = OutboundMessage(message_id="<kept@x>", **mail_values)
        uow.outbox.add(mail)
        event.listen(engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))
        # Defaults as the ORM would have written them, known without a query:
        assert (mail.status, mail.attempts, mail.last_error, mail.sent_at) == ("pending", 0, "",
                                                                              None)  # fmt: skip
        assert mail.bounce_recipient == ""
        assert sent == []
        mail.status = "sent"
        uow.commit()
    assert any(statement.startswith("UPDATE outbound_messages") for statement in sent)
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(select(OutboundMessage.message_id, OutboundMessage.status)).all()
    assert [tuple(row) for row in rows] == [("<kept@x>", "sent")]


def test_order_lines_keep_every_character_and_null_as_written(engine: Engine) -> None:
    """An order's lines go in as one INSERT of a JSON document on PostgreSQL (one executemany on
    SQLite): tabs, backslashes, line breaks, quotes, Cyrillic and NULLs come back exactly, in
    order."""
    client = add_partner(lambda: UnitOfWork(engine), name="C", role="client",
                         addresses=["c@c.example"], language="en", group="", currency="EUR",
                         now=NOW)  # fmt: skip
    awkward = ["tab\there", "back\\slash \\N", "two\nlines\r\n", "quote \"'", "Колодки ț", ""]
    lines: list[dict[str, object]] = [
        {
            "sku": f"SKU-{n}",
            "name": text,
            "quantity": n + 1,
            "unit_price": Decimal("1.005"),
            "line_total": Decimal(n + 1) * Decimal("1.005"),
            "supplier_id": None,
            "source": text,
            "row": n,
            "rejection": None,
            "detail": text,
            "text": text,
        }
        for n, text in enumerate(awkward)
    ]
    lines.append({"sku": "??", "name": "", "quantity": None, "unit_price": None,
                  "line_total": None, "supplier_id": None, "source": "body", "row": 9,
                  "rejection": "unknown_sku", "detail": "", "text": "?? x 2"})  # fmt: skip
    with UnitOfWork(engine) as uow:
        message = InboundMessage(sha256="1" * 64, message_id="m", source="file", raw=b"x",
                                 size=1, received_at=NOW)  # fmt: skip
        uow.inbox.add(message)
        order = Order(number="ORD-L", client_id=client, status="quoted", currency="EUR",
                      total=Decimal(0), inbound_message_id=message.id, created_at=NOW)  # fmt: skip
        uow.orders.add(order)
        uow.orders.add_lines(order.id, lines)
        uow.commit()
    with UnitOfWork(engine) as uow:
        stored = uow.orders.by_number("ORD-L")
        assert stored is not None
        read = [{key: getattr(line, key) for key in lines[0]} for line in stored.lines]
        assert [line.position for line in stored.lines] == list(range(1, len(lines) + 1))
    assert read == lines


def test_a_new_order_is_numbered_by_its_insert_from_the_id_it_takes(engine: Engine) -> None:
    """`Orders.add_numbered` appends the order's id, six digits at least, to the number it is
    given, in the INSERT itself: one after another, and past 999999 with all its digits."""
    client = add_partner(lambda: UnitOfWork(engine), name="C", role="client",
                         addresses=["c@c.example"], language="en", group="", currency="EUR",
                         now=NOW)  # fmt: skip

    def numbered(uow: UnitOfWork, n: int) -> Order:
        message = InboundMessage(sha256=f"{n:064d}", message_id=f"m{n}", source="file",
                                 raw=b"x", size=1, received_at=NOW)  # fmt: skip
        uow.inbox.add(message)
        order = Order(number="ORD-2026-", client_id=client, status="quoted", currency="EUR",
                      total=Decimal(n), inbound_message_id=message.id, created_at=NOW)  # fmt: skip
        uow.orders.add_numbered(order)
        return order

    with UnitOfWork(engine) as uow:
        first, second = numbered(uow, 1), numbered(uow, 2)
        assert (first.number, second.number) == (f"ORD-2026-{first.id:06d}",
                                                  f"ORD-2026-{second.id:06d}")  # fmt: skip
        assert second.id == first.id + 1
        uow.commit()
    with UnitOfWork(engine) as uow:
        if engine.dialect.name == "postgresql":
            uow.session.execute(
                text("SELECT setval(pg_get_serial_sequence('orders', 'id'), 999999)")
            )
        else:
            uow.session.execute(
                text("UPDATE orders SET id = 999999 WHERE id = :id"), {"id": second.id}
            )
        big = numbered(uow, 3)
        uow.commit()
    assert (big.id, big.number) == (1000000, "ORD-2026-1000000")
    with UnitOfWork(engine) as uow:
        stored = uow.orders.by_number("ORD-2026-1000000")
        assert stored is not None
        assert stored.total == Decimal(3)


def test_a_reading_unit_of_work_writes_nothing(app: App) -> None:
    """On PostgreSQL a reading unit's statements commit by themselves, so it refuses to flush a
    change (before a query, or asked) and to commit, and the change is not kept."""
    add_partner(app.uow, name="Reader", role="client", addresses=["r@x.example"], language="en",
                group="", currency="EUR", now=NOW)  # fmt: skip
    with app.reading() as uow:
        partner = uow.partners.by_address("r@x.example")
        assert partner is not None
        partner.name = "Renamed"
        with pytest.raises(RuntimeError, match="changes nothing"):
            uow.partners.by_address("r@x.example")  # the autoflush before the query
        with pytest.raises(RuntimeError, match="nothing to commit"):
            uow.commit()
    with app.reading() as uow:
        kept = uow.partners.by_address("r@x.example")
        assert kept is not None
        assert kept.name == "Reader"
