"""One IMAP connection with a folder selected, in the few operations the poller needs.

A thin layer over imapclient that speaks in UIDs, chooses MOVE or its COPY + \\Deleted +
EXPUNGE fallback from the server's capabilities, and waits in IDLE in short steps so that
another thread can stop it.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import LoginError

from mailbot.config import ConfigError, ImapConfig
from mailbot.oauth import AccessTokens

log = logging.getLogger("mailbot.ingress.imap")

CONNECT_TIMEOUT = 15.0
# A dead peer that sends no FIN or RST shows up as a command taking this long.
READ_TIMEOUT = 60.0
# How long one IDLE check blocks: the longest a stop request waits while the poller idles.
IDLE_STEP = 0.5


class ConnectionLostError(Exception):
    """The server closed the connection or said BYE."""


class ImapConnection:
    """A logged-in connection with `folder` selected (see `open`)."""

    def __init__(self, client: IMAPClient, folder: str, uidvalidity: int) -> None:
        self._client = client
        self.folder = folder
        self.uidvalidity = uidvalidity
        capabilities = {bytes(c).upper() for c in client.capabilities()}
        self.can_idle = b"IDLE" in capabilities
        self.can_move = b"MOVE" in capabilities
        self._can_uid_expunge = b"UIDPLUS" in capabilities

    @classmethod
    def open(
        cls,
        config: ImapConfig,
        ssl_context: ssl.SSLContext | None,
        tokens: AccessTokens | None = None,
    ) -> ImapConnection:
        """Connect as `config` says (tls, starttls or none), log in and select `config.folder`.

        `ssl_context` (see `client_tls_context`) is needed for tls and starttls only. With
        `tokens` the login is OAuth2 (see `log_in`). Raises TokenError when no token can be
        had, LoginError when the server refuses the login.
        """
        timeout = SocketTimeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
        context = ssl_context or client_tls_context(config)
        client = IMAPClient(
            config.host,
            config.port,
            ssl=config.security == "tls",
            ssl_context=context if config.security == "tls" else None,
            timeout=timeout,
        )
        try:
            if config.security == "starttls":
                client.starttls(context)
            log_in(client, config, tokens)
            selected = client.select_folder(config.folder)
            connection = cls(client, config.folder, int(selected[b"UIDVALIDITY"]))
        except BaseException:
            _shutdown(client)
            raise
        return connection

    def folder_names(self) -> list[str]:
        """Every folder of the account, as the server lists them."""
        return [str(name) for _, _, name in self._client.list_folders()]

    def message_count(self) -> int:
        """How many messages the selected folder holds."""
        status = self._client.folder_status(self.folder, [b"MESSAGES"])
        return int(status[b"MESSAGES"])

    def reselect(self) -> None:
        """Select the folder again, taking its UIDVALIDITY afresh."""
        selected = self._client.select_folder(self.folder)
        self.uidvalidity = int(selected[b"UIDVALIDITY"])

    def ensure_folder(self, name: str) -> None:
        """Create the folder `name` unless it exists."""
        if not self._client.folder_exists(name):
            self._client.create_folder(name)
            log.info("created folder %s", name)

    def uids_after(self, uid: int) -> list[int]:
        """The UIDs above `uid` in the folder, ascending."""
        self._forget_announcements()
        found = self._client.search(["UID", f"{uid + 1}:*"])
        # "n:*" always matches the newest message, even when its UID is below n (RFC 3501).
        return sorted(u for u in found if u > uid)

    def uids_up_to(self, uid: int) -> list[int]:
        """The UIDs from 1 to `uid` still in the folder, ascending."""
        if uid < 1:
            return []
        return sorted(u for u in self._client.search(["UID", f"1:{uid}"]) if u <= uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """The size in bytes of each message; UIDs expunged meanwhile are left out."""
        if not uids:
            return {}
        found = self._client.fetch(uids, [b"RFC822.SIZE"])
        return {uid: int(data[b"RFC822.SIZE"]) for uid, data in found.items()}

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The raw bytes of each message, without setting \\Seen; expunged UIDs are left out."""
        if not uids:
            return {}
        found = self._client.fetch(uids, [b"BODY.PEEK[]"])
        return {uid: bytes(data[b"BODY[]"]) for uid, data in found.items() if b"BODY[]" in data}

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move messages to `folder`: MOVE, else COPY, flag \\Deleted and expunge."""
        if not uids:
            return
        if self.can_move:
            self._client.move(uids, folder)
            return
        self._client.copy(uids, folder)
        self._client.delete_messages(uids)
        if self._can_uid_expunge:
            self._client.uid_expunge(uids)
        else:
            # Without UIDPLUS, EXPUNGE also removes other messages someone flagged \Deleted.
            self._client.expunge()

    def new_mail_announced(self) -> bool:
        """Whether the server announced new messages (EXISTS) since the last `uids_after`."""
        # imaplib keeps untagged responses that arrive with any command; an EXISTS that came
        # with a MOVE or FETCH reply would otherwise be lost, and IDLE does not repeat it.
        return bool(self._client._imap.untagged_responses.get("EXISTS"))

    def idle(
        self,
        stop: threading.Event,
        seconds: float,
        alive: Callable[[], object] | None = None,
    ) -> None:
        """Wait in IDLE until new mail is announced, `seconds` pass or `stop` is set; `alive`
        is called every step of the wait.

        Raises ConnectionLostError when the server says BYE, or NO or BAD (as Dovecot does when
        the folder is deleted): a new connection selects the folder afresh.
        """
        self._client.idle()
        deadline = time.monotonic() + seconds
        responses: list[tuple[object, ...]] = []
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            if alive is not None:
                alive()
            responses = [tuple(response) for response in self._client.idle_check(IDLE_STEP)]
            if any(_is(response, b"BYE") for response in responses):
                raise ConnectionLostError(f"the server said {_text(responses)}")
            if any(not _is(response, b"OK") for response in responses):
                break  # EXISTS, or anything else worth a look (EXPUNGE, NO, ...)
            if not responses and time.monotonic() - started < IDLE_STEP / 2:
                # Woken without a whole response: the connection closed (imapclient swallows
                # the EOF) or a line is half sent. Leaving IDLE tells which.
                break
        _, more = self._client.idle_done()
        responses += [tuple(response) for response in more]
        if any(_is(response, b"NO") or _is(response, b"BAD") for response in responses):
            raise ConnectionLostError(f"the server said {_text(responses)}")

    def close(self) -> None:
        """Log out, or just close the socket when the server does not answer."""
        try:
            self._client.socket().settimeout(5)
            self._client.logout()
        except Exception:
            _shutdown(self._client)

    def _forget_announcements(self) -> None:
        untagged = self._client._imap.untagged_responses
        for kind in ("EXISTS", "RECENT", "EXPUNGE", "FETCH"):
            # Left alone, imaplib would collect these for the whole life of the connection.
            untagged.pop(kind, None)


def log_in(client: IMAPClient, config: ImapConfig, tokens: AccessTokens | None) -> None:
    """Log in with the password, or with an OAuth2 token: XOAUTH2 (what Microsoft 365 and
    Google take) unless the server offers OAUTHBEARER only. A refused token is renewed once
    and tried again: it may have been revoked, or expired earlier than it said."""
    if tokens is None:
        client.login(config.username, config.password)
        return
    token = tokens.get()
    try:
        _token_login(client, config.username, token)
    except LoginError as error:
        log.info("%s refused the access token (%s); asking for a new one", config.host, error)
        _token_login(client, config.username, tokens.renew(token))


def _token_login(client: IMAPClient, username: str, token: str) -> None:
    offered = {bytes(c).upper() for c in client.capabilities()}
    if b"AUTH=OAUTHBEARER" in offered and b"AUTH=XOAUTH2" not in offered:
        client.oauthbearer_login(username, token)
    else:
        client.oauth2_login(username, token)


def client_tls_context(config: ImapConfig) -> ssl.SSLContext:
    """A context that checks the server's certificate and name against `config.ca_file`, or
    against the system's trusted certificates when it is empty.

    Raises ConfigError naming imap.ca_file when that file is not a readable CA bundle.
    """
    if not config.ca_file:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=config.ca_file)
    except OSError as error:
        reason = error.strerror if error.strerror else str(error)
        raise ConfigError(f"imap.ca_file: cannot use {config.ca_file}: {reason}") from None


def _is(response: Iterable[object], kind: bytes) -> bool:
    """Whether an untagged response is of `kind`: `(b"BYE", text)` or `(3, b"EXISTS")`."""
    return kind in tuple(response)[:2]


def _text(responses: Iterable[Iterable[object]]) -> str:
    parts = []
    for response in responses:
        parts.append(
            " ".join(
                p.decode(errors="replace") if isinstance(p, bytes) else str(p) for p in response
            )
        )
    return "; ".join(parts)


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:
        log.debug("closing the socket failed", exc_info=True)
