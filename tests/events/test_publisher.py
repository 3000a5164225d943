"""The publisher against the machine's RabbitMQ, each test on a virtual host of its own."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import aio_pika
import pytest

from mailbot.bootstrap import App
from mailbot.config import RabbitmqConfig
from mailbot.demo import seed_demo
from mailbot.domain.events import EventType
from mailbot.events.outbox import Outbox
from mailbot.events.publisher import Publisher
from mailbot.events.schemas import problems
from mailbot.heartbeats import Unwatched
from mailbot.storage.models import Event
from tests.lifecycle import agree_and_send
from tests.rabbit import Received, rabbitmqctl, virtual_host
from tests.servers import wait_for


@contextmanager
def publishing(app: App, url: str, *, batch_size: int = 200) -> Iterator[Publisher]:
    config = RabbitmqConfig(enabled=True, url=url, batch_size=batch_size, poll_seconds=0.05)
    publisher = Publisher(Outbox(app.uow, app.clock), config, Unwatched())
    publisher.start()
    try:
        yield publisher
    finally:
        publisher.stop()


def pending(app: App) -> int:
    return Outbox(app.uow, app.clock).pending()


def stored(app: App) -> list[Event]:
    with app.uow() as uow:
        return list(uow.events.listed())


def record(app: App, count: int, aggregates: int, start: int = 0) -> None:
    """`count` events spread over `aggregates` aggregates, in one transaction."""
    with app.uow() as uow:
        for n in range(start, start + count):
            uow.events.record(
                EventType.MESSAGE_RETRIED, n % aggregates, {"message": n}, app.clock.now()
            )
        uow.commit()


def in_order_once(received: list[Received]) -> dict[str, list[int]]:
    """Each aggregate's sequence numbers in the order their first copies arrived."""
    seen: set[str] = set()
    sequences: dict[str, list[int]] = defaultdict(list)
    for message in received:
        if message.message_id in seen:
            continue
        seen.add(message.message_id)
        aggregate = message.body["aggregate"]
        sequences[f"{aggregate['type']}:{aggregate['id']}"].append(aggregate["sequence"])
    return sequences


def test_an_order_story_reaches_the_exchange_confirmed_valid_and_in_sequence(app: App) -> None:
    """Every event of an order taken and agreed by mail is published once the broker confirmed
    it: persistent, routing key = type, the envelope valid against its schema, message_id
    as the AMQP property too, and each aggregate's events numbered 1, 2, 3... in order."""
    seed_demo(app)
    number = agree_and_send(app)
    with virtual_host() as host:
        host.bind_queue()
        with publishing(app, host.url):
            wait_for(lambda: pending(app) == 0, what="every event published")
        received = host.drain()
    events = stored(app)
    assert [m.message_id for m in received] == [e.message_id for e in events]
    assert all(event.published_at is not None for event in events)
    for message in received:
        assert problems(message.body) == []
        assert message.routing_key == message.body["type"]
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    order = [m.body for m in received if m.body["aggregate"]["id"] == number]
    assert [body["type"] for body in order] == ["order.quoted", "order.agreed", "order.sent"]
    assert all(sequence == list(range(1, len(sequence) + 1))
               for sequence in in_order_once(received).values())  # fmt: skip
    ledger = [m.body for m in received if m.body["type"] == "ledger.entry_booked"]
    assert ledger[0]["payload"]["amount"] == {"amount": "480.60", "currency": "EUR"}


def test_events_wait_while_the_broker_refuses_them_and_leave_once_it_takes_them(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A broker that refuses the connection, then the publishes: nothing is marked published,
    one log line says the events wait; once allowed, every event leaves and a line says so."""
    caplog.set_level(logging.INFO, logger="mailbot.events")
    record(app, 30, aggregates=3)
    with virtual_host() as host:
        host.bind_queue()
        rabbitmqctl("clear_permissions", "-p", host.name, "guest")
        with publishing(app, host.url):
            wait_for(lambda: "cannot reach RabbitMQ" in caplog.text, what="the outage logged")
            host.permit(write="^$")  # connects, declares, but may not publish
            record(app, 30, aggregates=3, start=30)
            wait_for(lambda: "publishing events to" in caplog.text, what="connected")
            assert pending(app) == 60
            host.permit()
            wait_for(lambda: pending(app) == 0, what="every event published")
        received = host.drain()
    assert len({m.message_id for m in received}) == 60
    assert all(s == list(range(1, 21)) for s in in_order_once(received).values())
    ours = [r.getMessage() for r in caplog.records if r.name == "mailbot.events"]
    assert len([line for line in ours if "cannot reach RabbitMQ" in line]) == 1
    assert "is back after" in ours[-1]


def test_a_connection_dropped_mid_stream_loses_and_reorders_nothing(app: App) -> None:
    """The broker closes the publisher's connection while events keep coming: afterwards
    every event is in the queue, and each aggregate's first copies are in sequence."""
    with virtual_host() as host:
        host.bind_queue()
        done = threading.Event()

        def produce() -> None:
            start = 0
            while not done.is_set():
                record(app, 50, aggregates=7, start=start)
                start += 50

        producer = threading.Thread(target=produce)
        with publishing(app, host.url, batch_size=50):
            producer.start()
            try:
                wait_for(lambda: len(stored(app)) - pending(app) >= 300, what="publishing")
                assert host.close_connections() >= 1
                wait_for(lambda: len(stored(app)) - pending(app) >= 900, what="publishing again")
            finally:
                done.set()
                producer.join()
            wait_for(lambda: pending(app) == 0, what="every event published", timeout=60)
        received = host.drain()
    events = stored(app)
    assert {m.message_id for m in received} == {e.message_id for e in events}
    sequences = in_order_once(received)
    assert sum(map(len, sequences.values())) == len(events)
    assert all(s == list(range(1, len(s) + 1)) for s in sequences.values())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_publishers_on_one_postgresql_database_send_each_event_once(app: App) -> None:
    """Two instances' publishers on one PostgreSQL database: each event reaches the queue
    exactly once, every aggregate's in sequence (one publishes a batch at a time)."""
    record(app, 2000, aggregates=11)
    with virtual_host() as host:
        host.bind_queue()
        with publishing(app, host.url, batch_size=40), publishing(app, host.url, batch_size=40):
            wait_for(lambda: pending(app) == 0, what="every event published", timeout=60)
        received = host.drain()
    assert len(received) == 2000
    assert len({m.message_id for m in received}) == 2000
    assert all(s == list(range(1, len(s) + 1)) for s in in_order_once(received).values())


def test_an_event_of_a_change_rolled_back_is_never_written(app: App) -> None:
    """A transaction that records an event and does not commit leaves no event behind."""
    with app.uow() as uow:
        uow.events.record(EventType.MESSAGE_RETRIED, 1, {"message": 1}, app.clock.now())
        uow.flush()
    assert stored(app) == []


def test_a_publisher_that_dies_before_marking_leaves_the_same_events_to_publish_again(
    app: App,
) -> None:
    """Killed between the broker's confirm and the mark (its claim never settled), the batch
    is claimed again by the next publisher: the same events, with the same message_ids and
    sequences, so the ERP drops the copies by their message_id (at least once)."""
    record(app, 6, aggregates=2)
    first = Outbox(app.uow, app.clock).claim(10)
    assert first is not None
    sent = [(e.message_id, e.aggregate_id, e.sequence) for e in first.envelopes]
    first._stack.close()  # the process dies here: nothing after the publish runs
    assert pending(app) == 6
    again = Outbox(app.uow, app.clock).claim(10)
    assert again is not None
    assert [(e.message_id, e.aggregate_id, e.sequence) for e in again.envelopes] == sent
    Outbox(app.uow, app.clock).settle(again, [e.message_id for e in again.envelopes])
    assert pending(app) == 0
