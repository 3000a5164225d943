"""A small OAuth2 authorisation server on loopback: a token endpoint (client credentials and
refresh token grants; the client proved by its secret or by an assertion signed with its
certificate's key) and RFC 7662 introspection, which Dovecot's oauth2 passdb asks whether a
token is good; and an aiosmtpd relay taking XOAUTH2 and OAUTHBEARER logins with its tokens."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from tests.servers import Relay, free_port

CLIENT_ID = "mailbot-test"
CLIENT_SECRET = "client-Secr3t"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_TOKEN = "refresh-0"
USERNAME = "orders"
HOST = "127.0.0.1"


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
    # The app's certificate, when it proves itself with a signed assertion: its public key
    # (PEM) and SHA-1 thumbprint, as Microsoft keeps an uploaded certificate.
    certificate: tuple[bytes, str] | None = None

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
        if not self._client(form):
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

    def _client(self, form: dict[str, str]) -> bool:
        """Whether the request proves the client: its secret, or an assertion signed with its
        certificate's key (RFC 7523) naming the certificate, the client and this endpoint."""
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        if self.certificate is None:
            return False
        public, thumbprint = self.certificate
        try:
            token = jwt.decode(form.get("client_assertion", ""), RSAKey.import_key(public))
            jwt.JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)
        except (JoseError, ValueError):
            return False
        claims = token.claims
        return (
            token.header.get("x5t") == thumbprint
            and claims.get("iss") == claims.get("sub") == CLIENT_ID
            and claims.get("aud") == self.token_url
        )


def make_certificate(path: Path) -> tuple[bytes, str]:
    """Write a new private key and its self-signed certificate to `path` (PEM); the public key
    and the certificate's SHA-1 thumbprint (base64url), as the server keeps them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot-test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    path.write_bytes(key_pem + certificate.public_bytes(serialization.Encoding.PEM))
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    thumbprint = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA1())).rstrip(b"=")
    return public, thumbprint.decode()


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


class OAuthRelay(Relay):
    """A relay that asks for a login and takes a token the authorisation server calls active."""

    def __init__(self, auth: AuthServer) -> None:
        super().__init__()
        self.auth = auth
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each accepted login
        self.refused = 0

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._check(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._check(server, args, "OAUTHBEARER")

    async def _check(self, server: Any, args: list[str], mechanism: str) -> AuthResult:
        blob = b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        parts = blob.decode().split("\x01")
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        user = fields.get("user", "") if mechanism == "XOAUTH2" else parts[0].split(",")[1][2:]
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user == USERNAME and self.auth.active(token):
            self.logins.append((mechanism, user))
            return AuthResult(success=True, auth_data=user)
        self.refused += 1
        # RFC 7628: the error as a challenge; the client answers with an empty line.
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(success=False, handled=False)


@contextmanager
def running(relay: OAuthRelay, **options: Any) -> Iterator[OAuthRelay]:
    """The relay listening on a free port (AUTH required, plain text on loopback)."""
    relay.port = free_port()
    controller = Controller(
        relay, hostname=HOST, port=relay.port, auth_required=True, auth_require_tls=False, **options
    )
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()


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
