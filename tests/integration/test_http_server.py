"""The HTTP API inside `mailbot run`: real uvicorn over loopback, started and stopped with the
other parts, and an address that cannot be used stopping mailbot at start."""

from __future__ import annotations

import asyncio
import socket

import httpx2
import pytest

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.domain.api_roles import ApiRole
from mailbot.http.server import listening_socket
from mailbot.runner import Runner
from mailbot.services.api_keys import issue_key
from mailbot.startup import StartupError


def with_http(config: Config, port: int) -> Config:
    http = config.http.model_copy(update={"enabled": True, "port": port})
    return config.model_copy(update={"http": http})


def test_mailbot_run_serves_the_api_until_it_stops(config: Config, app: App) -> None:
    mailbot = bootstrap(with_http(config, 0), engine=app.engine, clock=app.clock)
    _, secret = issue_key(mailbot.uow, "till 1", ApiRole.parse("pos"), now=app.clock.now(), by=None)
    runner = Runner(mailbot)
    runner.start()
    try:
        assert runner.http is not None
        base = f"http://127.0.0.1:{runner.http.port}"
        with httpx2.Client(base_url=base, timeout=10) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
            assert me.json() == {"name": "till 1", "role": "pos"}
            assert "server" not in me.headers
            assert client.get("/openapi.json").json()["info"]["title"] == "mailbot"
            assert client.get("/docs").status_code == 404  # no page that loads a CDN
    finally:
        runner.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{base}/healthz", timeout=2)


def test_a_port_in_use_stops_mailbot_at_start_naming_the_key(config: Config, app: App) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runner = Runner(bootstrap(with_http(config, port), engine=app.engine, clock=app.clock))
        with pytest.raises(StartupError, match=rf"127\.0\.0\.1:{port} \(http\.port\)"):
            runner.start()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_connections_on_the_listening_socket_send_without_waiting_for_acks(host: str) -> None:
    """asyncio, which uvicorn serves with, sets TCP_NODELAY on each connection accepted on
    mailbot's socket: without it an answer whose head and body are written apart waited for
    the client's delayed ACK, about 40 ms an answer on a kept-alive connection."""

    async def nodelay_of_an_accepted_connection() -> int:
        loop = asyncio.get_running_loop()
        seen: asyncio.Future[int] = loop.create_future()

        class Note(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted = transport.get_extra_info("socket")
                seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Note, sock=listening_socket(host, 0))
        async with server:
            port = server.sockets[0].getsockname()[1]
            _, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0
