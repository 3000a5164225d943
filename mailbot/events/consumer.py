"""The consumer inside `mailbot run`: applies what the ERP sends (services/erp/inbound.py).

Like the publisher, it runs on a thread of its own with its own event loop, and does its
database work on one more thread. It declares the ERP's durable topic exchange, mailbot's
durable queue bound to it (`rabbitmq.bindings`) and the dead-letter queue. A message is
acknowledged only once its transaction committed (or it was a copy of one applied before); a
message that cannot be applied goes to the dead-letter queue first, its reason in the header
`x-mailbot-reason`, confirmed by the broker; a database failure leaves it unacknowledged
(requeued) for another try after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from mailbot.config import RabbitmqConfig
from mailbot.events.publisher import BROKER_ERRORS
from mailbot.heartbeats import Pulse
from mailbot.services.erp.inbound import Handled, Verdict

log = logging.getLogger("mailbot.events")

REASON_HEADER = "x-mailbot-reason"
RETRY_PAUSE = 1.0  # seconds before a message whose transaction failed is given back
BEAT_SECONDS = 10.0  # how often an idle consumer says it is alive


class Consumer:
    """Consumes the ERP's queue until stopped; `start` and `stop` from any thread."""

    def __init__(
        self,
        apply: Callable[[bytes], Handled],
        dead_lettered: Callable[[Handled], None],
        config: RabbitmqConfig,
        pulse: Pulse,
    ) -> None:
        self._apply = apply
        self._dead_lettered = dead_lettered
        self._config = config
        self._pulse = pulse
        self._database = ThreadPoolExecutor(1, thread_name_prefix="mailbot-erp-db")
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._down = False
        # Set once the queue is declared, bound and consumed: what is sent from then on is
        # taken even by a queue that did not exist before.
        self.consuming = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.run()), name="mailbot-consumer", daemon=False
        )
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        """Stop taking messages; the ones in hand are finished (and acknowledged) first."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._database.shutdown()

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        pause = 1.0
        while not self._stop.is_set():
            try:
                connection = await aio_pika.connect_robust(
                    self._config.url,
                    timeout=self._config.confirm_timeout_seconds,
                    reconnect_interval=1,
                    client_properties={"connection_name": "mailbot consumer"},
                )
                async with connection:
                    await self._consume(await connection.channel(publisher_confirms=True))
                return
            except BROKER_ERRORS as error:
                self._pulse.beat(f"RabbitMQ cannot be reached ({type(error).__name__})")
                if not self._down:
                    self._down = True
                    log.warning(
                        "the ERP's queue %s at %s cannot be read (%s: %s); trying again",
                        self._config.queue,
                        self._config.where(),
                        type(error).__name__,
                        error,
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)
                pause = min(pause * 2, self._config.reconnect_max_seconds)

    async def _consume(self, channel: AbstractChannel) -> None:
        assert self._stop is not None
        config = self._config
        await channel.set_qos(prefetch_count=config.prefetch)
        exchange = await channel.declare_exchange(
            config.erp_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await channel.declare_queue(config.dead_letter_queue, durable=True)
        queue = await channel.declare_queue(config.queue, durable=True)
        for key in config.bindings:
            await queue.bind(exchange, key)
        tag = await queue.consume(functools.partial(self._handle, channel))
        self._down = False
        self.consuming.set()
        log.info("applying the ERP's messages from queue %s at %s", config.queue, config.where())
        while not self._stop.is_set():
            self._pulse.beat(f"queue {config.queue}")  # alive while no message comes
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), BEAT_SECONDS)
        await queue.cancel(tag)

    async def _handle(self, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        loop = asyncio.get_running_loop()
        handled = await loop.run_in_executor(self._database, self._apply, message.body)
        if handled.verdict is Verdict.RETRY:
            log.warning("ERP message %s not applied, tried again: %s", handled.message_id,
                        handled.reason)  # fmt: skip
            self._pulse.beat("the last message failed; retrying")
            await asyncio.sleep(RETRY_PAUSE)
            await message.nack(requeue=True)
            return
        if handled.verdict is Verdict.DEAD:
            await self._dead_letter(channel, message, handled)
            await loop.run_in_executor(self._database, self._dead_lettered, handled)
        else:
            log.info("ERP message %s %s: %s", handled.message_id, handled.type, handled.verdict)
        await message.ack()
        self._pulse.worked(f"queue {self._config.queue}")

    async def _dead_letter(
        self, channel: AbstractChannel, message: AbstractIncomingMessage, handled: Handled
    ) -> None:
        log.warning(
            "ERP message %s (%s) not applied: %s; to queue %s",
            handled.message_id or message.message_id or "(no id)",
            handled.type or "no type",
            handled.reason,
            self._config.dead_letter_queue,
        )
        headers = dict(message.headers or {})
        headers[REASON_HEADER] = handled.reason[:1000]
        await channel.default_exchange.publish(
            aio_pika.Message(
                message.body,
                headers=headers,
                content_type=message.content_type,
                message_id=message.message_id,
                type=message.type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=self._config.dead_letter_queue,
            timeout=self._config.confirm_timeout_seconds,
        )
