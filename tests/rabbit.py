"""The machine's RabbitMQ in tests: a virtual host of the test's own, deleted after, and a
queue bound to mailbot's exchange that collects what was published."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aio_pika

BROKER = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = "mailbot.events"
T = TypeVar("T")


def in_a_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on an event loop of its own in another thread: the test's thread may have a
    loop running already (Playwright's, left by a browser test)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


@contextmanager
def virtual_host(*, permitted: bool = True) -> Iterator[VirtualHost]:
    """A fresh virtual host that guest may use (unless `permitted` is False), deleted after."""
    host = VirtualHost(f"mailbot_test_{uuid.uuid4().hex[:10]}")
    rabbitmqctl("add_vhost", host.name)
    try:
        if permitted:
            host.permit()
        yield host
    finally:
        rabbitmqctl("delete_vhost", host.name)


@dataclass(frozen=True)
class VirtualHost:
    name: str

    @property
    def url(self) -> str:
        return f"{BROKER}{self.name}"

    def permit(self, write: str = ".*") -> None:
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", write, ".*")

    def close_connections(self, reason: str = "test drops it") -> int:
        """Close every client connection to this host from the broker's side; how many."""
        pids = [
            line.split("\t")[0]
            for line in rabbitmqctl("list_connections", "pid", "vhost").splitlines()
            if line.endswith("\t" + self.name)
        ]
        for pid in pids:
            rabbitmqctl("close_connection", pid, reason)
        return len(pids)

    def bind_queue(self, queue: str = "erp", key: str = "#") -> None:
        """A durable queue that receives the exchange's events of `key` (the exchange declared
        as the publisher declares it)."""

        async def declare() -> None:
            async with await aio_pika.connect(self.url) as connection:
                channel = await connection.channel()
                exchange = await channel.declare_exchange(
                    EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
                )
                declared = await channel.declare_queue(queue, durable=True)
                await declared.bind(exchange, key)

        in_a_thread(declare())

    def send(self, bodies: list[bytes], exchange: str = "erp.events", key: str = "erp.x") -> None:
        """Publish `bodies` to `exchange` (the ERP's, declared as the consumer declares it),
        each confirmed by the broker."""

        async def publish() -> None:
            async with await aio_pika.connect(self.url) as connection:
                channel = await connection.channel(publisher_confirms=True)
                declared = await channel.declare_exchange(
                    exchange, aio_pika.ExchangeType.TOPIC, durable=True
                )
                for body in bodies:
                    await declared.publish(aio_pika.Message(body), routing_key=key)

        in_a_thread(publish())

    def headers(self, queue: str) -> list[dict[str, Any]]:
        """The headers of every message now in `queue`, in its order, acknowledged."""

        async def take() -> list[dict[str, Any]]:
            found = []
            async with await aio_pika.connect(self.url) as connection:
                channel = await connection.channel()
                declared = await channel.declare_queue(queue, durable=True)
                while (message := await declared.get(fail=False)) is not None:
                    found.append(dict(message.headers))
                    await message.ack()
            return found

        return in_a_thread(take())

    def drain(self, queue: str = "erp") -> list[Received]:
        """Every message now in the queue, in its order, acknowledged."""

        async def take() -> list[Received]:
            found = []
            async with await aio_pika.connect(self.url) as connection:
                channel = await connection.channel()
                declared = await channel.declare_queue(queue, durable=True)
                while (message := await declared.get(fail=False)) is not None:
                    body = json.loads(message.body)
                    key, mode = message.routing_key or "", message.delivery_mode
                    found.append(Received(key, body, mode, message.message_id or ""))
                    await message.ack()
            return found

        return in_a_thread(take())


@dataclass(frozen=True)
class Received:
    routing_key: str
    body: dict[str, Any]
    delivery_mode: aio_pika.DeliveryMode | None
    message_id: str
