"""uvicorn inside `mailbot run`, on a socket bound before it starts, so that an address that
cannot be used stops mailbot at start with a line naming the key."""

from __future__ import annotations

import errno
import socket
import threading
import time

import uvicorn

from mailbot.bootstrap import App
from mailbot.http.app import create_app
from mailbot.startup import StartupError, reason

# How long uvicorn may take to start serving on the bound socket.
STARTING_SECONDS = 10.0


class HttpServer:
    def __init__(self, app: App) -> None:
        http = app.config.http
        self._host, self._port = http.host, http.port
        self._server = uvicorn.Server(
            uvicorn.Config(
                create_app(app),
                log_config=None,
                access_log=False,
                lifespan="off",
                server_header=False,
                proxy_headers=False,
            )
        )
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one chosen, when the configuration says 0)."""
        assert self._socket is not None
        port: int = self._socket.getsockname()[1]
        return port

    def start(self) -> None:
        """Bind and serve; returns once requests are answered. StartupError naming
        http.host or http.port when the address cannot be used."""
        try:
            bound = listening_socket(self._host, self._port)
        except OSError as error:
            about_host = isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL
            key = "http.host" if about_host else "http.port"
            raise StartupError(
                f"cannot listen on {self._host}:{self._port} ({key}): {reason(error)}"
            ) from None
        self._socket = bound
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [bound]}, name="mailbot-http"
        )
        self._thread.start()
        deadline = time.monotonic() + STARTING_SECONDS
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            self._thread.join(0.01)
        if not self._server.started:
            raise StartupError(f"the HTTP API on {self._host}:{self.port} did not start")

    def stop(self) -> None:
        """Finish the requests in hand and stop."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        if self._socket is not None:
            self._socket.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` for uvicorn to serve on.

    Made with the protocol named (IPPROTO_TCP), as asyncio's own sockets are: asyncio sets
    TCP_NODELAY only on connections it can tell are TCP, and without it every answer on a
    kept-alive connection waited about 40 ms (uvicorn writes the head and the body apart;
    Nagle's algorithm held the body until the client's delayed ACK came)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind((host, port))
    except OSError:
        bound.close()
        raise
    return bound
