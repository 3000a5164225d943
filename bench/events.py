"""Events benchmark: the publisher against a bare aio-pika publisher, both with confirms.

    .venv/bin/python bench/events.py [--events N] [--batch N] [--database URL] [--broker URL]

On the broker at --broker (default amqp://guest:guest@127.0.0.1:5672/), with an exchange and
queue of the run's own (deleted after), and a scratch database (a temporary SQLite file, or
--database, which must be migrated and is given N more events):

1. Throughput: N events (default 20000, over 50 aggregates) are committed first; the
   publisher (`mailbot.events.publisher`, as `mailbot run` starts it) is started and timed
   until none is pending: events per second, claimed, published with confirms and marked.
2. The floor, in the same run: a bare aio-pika publisher sends N messages of the same size
   to a topic exchange, persistent, on a channel with publisher confirms, pipelined in
   batches of the same size. The ratio is the publisher's rate over the floor's (goal: at
   least 0.5).
3. Lag: with the publisher running, batches of 20 events are committed every 20 ms (the
   committer wakes the publisher, as the processor does); the lag of each event is from its
   commit to its mark as published (after the broker's confirm): median and p99.

The check: the queue bound to the exchange must hold every event once, in its aggregate's
sequence, and the floor's queue every message; every event must be marked published.
Otherwise: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
from sqlalchemy import Engine

from mailbot.clock import SystemClock
from mailbot.config import RabbitmqConfig
from mailbot.domain.events import EventType
from mailbot.events.outbox import Outbox
from mailbot.events.publisher import Publisher
from mailbot.heartbeats import Unwatched
from mailbot.storage.database import make_engine, upgrade
from mailbot.storage.events import envelope
from mailbot.storage.models import Event
from mailbot.storage.unit_of_work import UnitOfWork

GOAL = 0.5
AGGREGATES = 50
LAG_BATCH, LAG_BATCHES, LAG_PAUSE = 20, 100, 0.02


class RunFailedError(Exception):
    """The run did not do its work; no figure counts."""


def record(uow: UnitOfWork, first: int, count: int) -> None:
    now = datetime.now(UTC)
    for n in range(first, first + count):
        uow.events.record(EventType.MESSAGE_RETRIED, n % AGGREGATES, {"message": n}, now)


async def bare_rate(broker: str, exchange_name: str, count: int, batch: int, size: int) -> float:
    """Messages per second of a bare aio-pika publisher with confirms; its queue must hold
    them all."""
    body = b"x" * size
    async with await aio_pika.connect(broker) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            exchange_name, aio_pika.ExchangeType.TOPIC, auto_delete=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "#")
        started = time.perf_counter()
        for first in range(0, count, batch):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key="message.retried",
                    )
                    for _ in range(first, min(count, first + batch))
                )
            )
        elapsed = time.perf_counter() - started
        declared = await channel.declare_queue(queue.name, passive=True)
        if declared.declaration_result.message_count != count:
            raise RunFailedError(
                f"the floor's queue holds {declared.declaration_result.message_count}"
            )
    return count / elapsed


async def bind(broker: str, exchange: str, queue: str) -> None:
    async with await aio_pika.connect(broker) as connection:
        channel = await connection.channel()
        declared = await channel.declare_exchange(
            exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        bound = await channel.declare_queue(queue, durable=True)
        await bound.bind(declared, "#")


async def take_all(
    broker: str, exchange: str, queue: str, expected: int
) -> list[dict[str, object]]:
    """Every message in the run's queue, in order; the queue and exchange deleted after."""
    bodies: list[dict[str, object]] = []
    async with await aio_pika.connect(broker) as connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=2000)
        declared = await channel.declare_queue(queue, durable=True)
        async with declared.iterator(no_ack=True) as messages:
            async for message in messages:
                bodies.append(json.loads(message.body))
                if len(bodies) == expected:
                    break
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)
    return bodies


def check(bodies: list[dict[str, object]], expected: int) -> None:
    ids = {str(body["message_id"]) for body in bodies}
    if len(bodies) != expected or len(ids) != expected:
        raise RunFailedError(
            f"the queue holds {len(bodies)} events ({len(ids)} distinct), not {expected}"
        )
    sequences: dict[str, list[int]] = defaultdict(list)
    for body in bodies:
        aggregate = body["aggregate"]
        assert isinstance(aggregate, dict)
        sequences[str(aggregate["id"])].append(int(aggregate["sequence"]))
    for key, found in sequences.items():
        if found != list(range(found[0], found[0] + len(found))):  # from an earlier run's last
            raise RunFailedError(f"aggregate {key}'s events arrived out of sequence")


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with UnitOfWork(engine) as uow:
            already = uow.events.pending_count()
            start = uow.session.query(Event).count()
        if already:
            raise RunFailedError(f"{url} has {already} events pending already")
        tag = uuid.uuid4().hex[:8]
        exchange, queue = f"bench.events.{tag}", f"bench.events.{tag}"
        asyncio.run(bind(args.broker, exchange, queue))
        with UnitOfWork(engine) as uow:
            for first in range(0, args.events, 1000):
                record(uow, start + first, min(1000, args.events - first))
                uow.flush()
            uow.commit()
        config = RabbitmqConfig(
            enabled=True, url=args.broker, exchange=exchange, batch_size=args.batch, poll_seconds=1
        )
        outbox = Outbox(lambda: UnitOfWork(engine), SystemClock())
        publisher = Publisher(outbox, config, Unwatched())
        started = time.perf_counter()
        publisher.start()
        try:
            while outbox.pending():
                time.sleep(0.01)
            rate = args.events / (time.perf_counter() - started)
            committed = lag_phase(engine, publisher, outbox, start + args.events)
        finally:
            publisher.stop()
        total = args.events + LAG_BATCH * LAG_BATCHES
        check(asyncio.run(take_all(args.broker, exchange, queue, total)), total)
        with UnitOfWork(engine) as uow:
            lags = [
                (event.published_at - committed[int(event.payload["message"])]).total_seconds()
                for event in uow.events.listed()
                if int(event.payload["message"]) in committed and event.published_at is not None
            ]
        if len(lags) != LAG_BATCH * LAG_BATCHES:
            raise RunFailedError(f"{len(lags)} of the lag phase's events were published")
        with UnitOfWork(engine) as uow:
            (sample,) = uow.events.listed(limit=1)
        size = len(json.dumps(envelope(sample).to_json()).encode())
        floor = asyncio.run(
            bare_rate(args.broker, f"bench.bare.{tag}", args.events, args.batch, size)
        )
        engine.dispose()
    lags.sort()
    print(f"database          {url.split('://')[0]}")
    print(f"events            {args.events} in batches of {args.batch}, {size} bytes each")
    print(f"mailbot           {rate:10.0f} events/s (claimed, published with confirms, marked)")
    print(f"bare aio-pika     {floor:10.0f} messages/s (confirms, same batches and size)")
    print(f"ratio             {rate / floor:10.2f}   (goal: at least {GOAL})")
    median, p99 = statistics.median(lags) * 1000, lags[int(len(lags) * 0.99) - 1] * 1000
    print(f"commit to confirm median {median:.1f} ms, p99 {p99:.1f} ms ({len(lags)} events, "
          f"{LAG_BATCH} per commit every {LAG_PAUSE * 1000:.0f} ms)")  # fmt: skip


def lag_phase(
    engine: Engine, publisher: Publisher, outbox: Outbox, first: int
) -> dict[int, datetime]:
    """Commit batches of events while the publisher runs; when each was committed."""
    committed: dict[int, datetime] = {}
    for batch in range(LAG_BATCHES):
        start = first + batch * LAG_BATCH
        with UnitOfWork(engine) as uow:
            record(uow, start, LAG_BATCH)
            uow.commit()
        at = datetime.now(UTC)
        committed.update((n, at) for n in range(start, start + LAG_BATCH))
        publisher.wake()
        time.sleep(LAG_PAUSE)
    while outbox.pending():
        time.sleep(0.01)
    return committed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database", default="")
    parser.add_argument("--broker", default="amqp://guest:guest@127.0.0.1:5672/")
    try:
        run(parser.parse_args())
    except RunFailedError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
