"""A small OAuth2 authorisation server on loopback: a token endpoint (client credentials and
refresh token grants) and RFC 7662 introspection, which Dovecot's oauth2 passdb and the test
SMTP server ask whether a token is good."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

CLIENT_ID = "mailbot-test"
CLIENT_SECRET = "client-Secr3t"
REFRESH_TOKEN = "refresh-0"
USERNAME = "orders"


@dataclass
class Issued:
    token: str
    grant: str
    expires: float  # time.monotonic()
    revoked: bool = False


@dataclass
class AuthServer:
    """What the server issued, and switches a test turns: token lifetime, refusal, revocation."""

    port: int = 0
    lifetime: float = 3600.0
    refusing: str = ""  # an error code to answer every token request with
    issued: list[Issued] = field(default_factory=list)
    introspected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def tokens(self) -> list[str]:
        with self.lock:
            return [issued.token for issued in self.issued]

    def revoke_all(self) -> None:
        with self.lock:
            for issued in self.issued:
                issued.revoked = True

    def active(self, token: str) -> bool:
        with self.lock:
            self.introspected += 1
            return any(
                issued.token == token and not issued.revoked and time.monotonic() < issued.expires
                for issued in self.issued
            )

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """The answer to a token request."""
        if self.refusing:
            return 400, {"error": self.refusing, "error_description": "refused by the test"}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        grant = form.get("grant_type", "")
        if grant == "refresh_token" and form.get("refresh_token") != REFRESH_TOKEN:
            return 400, {"error": "invalid_grant", "error_description": "bad refresh token"}
        if grant not in ("client_credentials", "refresh_token"):
            return 400, {"error": "unsupported_grant_type"}
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.issued.append(Issued(token, grant, time.monotonic() + self.lifetime))
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}


def _handler(server: AuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path == "/token":
                status, body = server.grant(form)
            elif self.path == "/introspect":
                status, body = 200, {"active": server.active(form.get("token", ""))}
                if body["active"]:
                    body["username"] = USERNAME
            else:
                status, body = 404, {"error": "not_found"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    """A running authorisation server on a free loopback port."""
    server = AuthServer()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = int(http.server_address[1])
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield server
    http.shutdown()
    http.server_close()
    thread.join()
