"""A real Dovecot IMAP server for tests, with its own configuration, user and maildir.

Nothing of the system's Dovecot is used: the server runs in the foreground from a configuration
in a temporary folder, listens on free loopback ports and keeps its sockets, state and log
there too. Dovecot refuses to give mail to uid 0, so the test user gets the uid and gid of the
`dovecot` system user, which owns the maildir.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from tests.servers import free_ports, wait_for

USERNAME = "orders"
PASSWORD = "secret-Pa55"
HOST = "127.0.0.1"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
# A test server: no fsync, so that a test never waits for the disk.
mail_fsync = never
# Loopback only: plain-text LOGIN without TLS is fine here.
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
{ssl}
{capability}
{oauth}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
"""

# The oauth2 passdb (tried first for the OAuth2 mechanisms only): a token is good when the
# authorisation server's introspection says it is active, for the user it names.
OAUTH_PASSDB = """\
# A refused token is answered at once (not after Dovecot's usual 2 s), to keep tests quick.
auth_failure_delay = 0
passdb {{
  driver = oauth2
  mechanisms = {mechanisms}
  args = {root}/dovecot-oauth2.conf.ext
}}
"""

OAUTH_CONFIG = """\
introspection_url = {url}
introspection_mode = post
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


@dataclass
class Dovecot:
    """One Dovecot server; `stop()` and `start()` again keep its ports, users and mail."""

    root: Path
    port: int
    tls_port: int = 0
    certificate: Path | None = None
    capability: str = ""
    introspection_url: str = ""  # OAuth2 logins too, validated there
    oauth_mechanisms: str = "xoauth2 oauthbearer"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def write_config(self) -> Path:
        user = pwd.getpwnam("dovecot")
        home = self.root / "home" / USERNAME
        home.mkdir(parents=True, exist_ok=True)
        for path in (self.root / "home", home):
            os.chown(path, user.pw_uid, user.pw_gid)
        (self.root / "passwd").write_text(
            f"{USERNAME}:{{PLAIN}}{PASSWORD}:{user.pw_uid}:{user.pw_gid}::{home}\n"
        )
        tls = "ssl = no"
        if self.certificate is not None:
            key = self.certificate.with_suffix(".key")
            tls = f"ssl = yes\nssl_cert = <{self.certificate}\nssl_key = <{key}"
        oauth = ""
        if self.introspection_url:
            oauth = OAUTH_PASSDB.format(root=self.root, mechanisms=self.oauth_mechanisms)
            (self.root / "dovecot-oauth2.conf.ext").write_text(
                OAUTH_CONFIG.format(url=self.introspection_url)
            )
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                host=HOST,
                port=self.port,
                tls_port=self.tls_port,
                uid=user.pw_uid,
                gid=user.pw_gid,
                ssl=tls,
                capability=f"imap_capability = {self.capability}" if self.capability else "",
                mechanisms=f" {self.oauth_mechanisms}" if self.introspection_url else "",
                oauth=oauth,
            )
        )
        return config

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        assert self.process is None, "already running"
        with (self.root / "dovecot.out").open("ab") as output:
            # A session of its own, so that stop() can end the master and all its children.
            self.process = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._accepting, timeout=10, what="Dovecot to listen")

    def stop(self, *, graceful: bool = True) -> None:
        """End the server and every connection it has, as a restart (or with `graceful=False`
        a crash) would."""
        process, self.process = self.process, None
        if process is None:
            return
        # SIGTERM lets Dovecot say BYE, but its master can take seconds to end.
        os.killpg(process.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Dovecot's children end a moment after the master; wait until none is left.
        wait_for(lambda: not _group_alive(process.pid), timeout=10, what="Dovecot to end")

    def kick(self) -> None:
        """End every session of the user, as a provider does when it invalidates a session."""
        subprocess.run(
            ["doveadm", "-c", str(self.root / "dovecot.conf"), "kick", USERNAME],
            check=True,
            capture_output=True,
        )

    def client(self) -> IMAPClient:
        """A logged-in client for the test to append and look with."""
        client = IMAPClient(HOST, self.port, ssl=False, timeout=10)
        client.login(USERNAME, PASSWORD)
        return client

    def count(self, client: IMAPClient, folder: str) -> int:
        """Messages in `folder` (0 if it does not exist yet)."""
        if not client.folder_exists(folder):
            return 0
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])

    def log(self) -> str:
        return (self.root / "dovecot.log").read_text(errors="replace")

    def _accepting(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"Dovecot exited at start:\n{self.log()}")
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False


def _group_alive(group: int) -> bool:
    """Whether a process of `group` still runs (zombies do not count: nobody may reap them)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _require_dovecot() -> None:
    if shutil.which("dovecot") is None:
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (.ci/run does it)")
    if os.geteuid() != 0:
        pytest.fail("the Dovecot fixture runs the server as root: run the tests as root")


@pytest.fixture(scope="session")
def certificate() -> Iterator[Path]:
    """A self-signed certificate for 127.0.0.1 (and its key beside it, as .key), made with
    the openssl command; the IMAP and the SMTP listener tests share it."""
    folder = Path(tempfile.mkdtemp(prefix="mailbot-cert-"))
    cert = folder / "server.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    subprocess.run(
        [
            *command.split(),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(cert.with_suffix(".key")), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    yield cert
    shutil.rmtree(folder)


def trusting(certificate: Path) -> ssl.SSLContext:
    """A client TLS context that trusts only `certificate`."""
    return ssl.create_default_context(cafile=str(certificate))


def make_dovecot(
    *,
    certificate: Path | None = None,
    capability: str = "",
    introspection_url: str = "",
    oauth_mechanisms: str = "xoauth2 oauthbearer",
) -> Dovecot:
    """A configured, not yet started server in a fresh folder."""
    _require_dovecot()
    # Not pytest's tmp_path: Dovecot's unprivileged processes must be able to enter the folder.
    root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
    root.chmod(0o755)
    port, tls_port = free_ports(2)
    server = Dovecot(
        root=root,
        port=port,
        tls_port=tls_port if certificate else 0,
        certificate=certificate,
        capability=capability,
        introspection_url=introspection_url,
        oauth_mechanisms=oauth_mechanisms,
    )
    server.write_config()
    return server


@pytest.fixture
def dovecots() -> Iterator[Callable[..., Dovecot]]:
    """Starts servers as `make_dovecot` configures them; stops and removes them after the test."""
    servers: list[Dovecot] = []

    def start(**options: Any) -> Dovecot:
        """A server as `make_dovecot(**options)` configures it, started."""
        server = make_dovecot(**options)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(graceful=False)
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecots: Callable[..., Dovecot]) -> Dovecot:
    """A running Dovecot with one user, `orders`, and an empty mailbox."""
    return dovecots()
