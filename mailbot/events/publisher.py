"""The publisher inside `mailbot run`: sends the outbox's events to RabbitMQ.

It runs on a thread of its own with its own event loop (aio-pika is asyncio), and does its
database work on one more thread, so that neither the broker nor the database blocks the
other parts. Events go to a durable topic exchange with the type as routing key, persistent,
in batches whose publishes are pipelined on one channel with publisher confirms; an event is
marked published only once the broker confirmed it, and a batch stops at its first failure,
so one aggregate's events leave in their sequence. The broker down or gone: the events wait
in the database, the publisher tries again with a growing pause (a log line when the broker
goes and when it is back), and nothing else in mailbot waits for it.

At-least-once: after a crash between the confirm and the mark, the event is sent again with
the same `message_id`, which consumers de-duplicate by.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection
from aiormq.exceptions import AMQPError
from pamqp.commands import Basic

from mailbot.config import RabbitmqConfig
from mailbot.domain.events import Envelope
from mailbot.events.outbox import Outbox
from mailbot.heartbeats import Pulse

log = logging.getLogger("mailbot.events")
T = TypeVar("T")

# What a lost or refused connection raises while connecting or publishing.
BROKER_ERRORS = (AMQPError, ConnectionError, OSError, TimeoutError, RuntimeError)


def message(envelope: Envelope) -> aio_pika.Message:
    """The AMQP message of an event: the envelope as JSON, and its ids as properties."""
    body = json.dumps(envelope.to_json(), ensure_ascii=False, separators=(",", ":"))
    return aio_pika.Message(
        body.encode(),
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=envelope.message_id,
        type=envelope.type,
        timestamp=envelope.occurred_at,
        app_id="mailbot",
        headers={
            "aggregate_type": envelope.aggregate_type,
            "aggregate_id": envelope.aggregate_id,
            "sequence": envelope.sequence,
            "version": envelope.version,
        },
    )


class Publisher:
    """Publishes pending events until stopped; `start` and `stop` from any thread."""

    def __init__(self, outbox: Outbox, config: RabbitmqConfig, pulse: Pulse) -> None:
        self._outbox = outbox
        self._config = config
        self._pulse = pulse
        self._database = ThreadPoolExecutor(1, thread_name_prefix="mailbot-events-db")
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = threading.Event()
        self._wake: asyncio.Event | None = None
        self._down_since: float | None = None
        self._pause = 1.0  # before the next attempt after a failure; doubles up to the max
        self._started = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.run()), name="mailbot-publisher", daemon=False
        )
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        """Finish the batch in hand (its confirms, or their timeout), then close."""
        self._stopping.set()
        self.wake()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._database.shutdown()

    def wake(self) -> None:
        """Look at the outbox now: new events were committed."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(wake.set)

    async def run(self) -> None:
        """Connect (again and again while the broker cannot be reached) and publish."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._started.set()
        while not self._stopping.is_set():
            try:
                connection = await aio_pika.connect_robust(
                    self._config.url,
                    timeout=self._config.confirm_timeout_seconds,
                    reconnect_interval=1,
                    client_properties={"connection_name": "mailbot publisher"},
                )
                try:
                    await self._publish_until_stopped(connection)
                finally:
                    with contextlib.suppress(*BROKER_ERRORS):
                        await connection.close()
            except BROKER_ERRORS as error:
                # A failed publish starts again on a new connection rather than wait for the
                # robust one to restore its channel: what is known to work, after a pause.
                self._went(error)
                await self._rest(self._pause)
                self._pause = min(self._pause * 2, self._config.reconnect_max_seconds)

    async def _publish_until_stopped(self, connection: AbstractRobustConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            self._config.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        log.info("publishing events to RabbitMQ at %s", self._config.where())
        while not self._stopping.is_set():
            try:
                sent = await self._publish_batch(exchange)
            except BROKER_ERRORS:
                raise
            except Exception:
                # The database: the events stay pending, and are tried again.
                log.exception("publishing events failed; trying again")
                self._pulse.beat("the last pass failed")
                await self._rest(self._pause)
                self._pause = min(self._pause * 2, self._config.reconnect_max_seconds)
                continue
            self._back()
            if sent:
                self._pulse.worked(self._config.where())
            else:
                self._pulse.beat(self._config.where())
            if sent < self._config.batch_size:
                await self._rest(self._config.poll_seconds)

    async def _publish_batch(self, exchange: AbstractExchange) -> int:
        """Publish the oldest pending events; how many the broker confirmed. Raises the first
        failure once the events confirmed before it are marked."""
        claimed = await self._db(self._outbox.claim, self._config.batch_size)
        if claimed is None:
            return 0  # another instance publishes
        confirmed: list[str] = []
        try:
            results = await asyncio.gather(
                *(self._send(exchange, envelope) for envelope in claimed.envelopes),
                return_exceptions=True,
            )
            failure = None
            for envelope, result in zip(claimed.envelopes, results, strict=True):
                if isinstance(result, BaseException):
                    failure = result
                    break
                confirmed.append(envelope.message_id)
        finally:
            await self._db(self._outbox.settle, claimed, confirmed)
        if failure is not None:
            raise failure
        return len(confirmed)

    async def _send(self, exchange: AbstractExchange, envelope: Envelope) -> None:
        confirmation = await exchange.publish(
            message(envelope),
            routing_key=envelope.type,
            timeout=self._config.confirm_timeout_seconds,
        )
        if not isinstance(confirmation, Basic.Ack):
            raise ConnectionError(f"the broker did not confirm event {envelope.message_id}")

    async def _db(self, call: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._database, call, *args)

    async def _rest(self, seconds: float) -> None:
        """Wait `seconds`, or less when woken or stopped."""
        assert self._wake is not None
        if self._stopping.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _went(self, error: BaseException) -> None:
        where = self._config.where()
        detail = f"RabbitMQ cannot be reached ({type(error).__name__}: {error}); events wait"
        self._pulse.beat(detail)
        if self._down_since is None:
            assert self._loop is not None
            self._down_since = self._loop.time()
            log.warning(
                "events cannot reach RabbitMQ at %s (%s: %s): they wait in the database; "
                "trying again, at most every %g s",
                where,
                type(error).__name__,
                error,
                self._config.reconnect_max_seconds,
            )
        else:
            log.debug(
                "RabbitMQ at %s still cannot be reached; next try in %g s", where, self._pause
            )

    def _back(self) -> None:
        self._pause = 1.0
        if self._down_since is not None:
            assert self._loop is not None
            gone = self._loop.time() - self._down_since
            log.info("RabbitMQ at %s is back after %.0f s: publishing", self._config.where(), gone)
            self._down_since = None
