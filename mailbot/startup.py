"""What `mailbot run` checks as it starts each part, and the one line it says when one cannot.

Each message names the address or the configuration key to fix, e.g.
`cannot listen on 127.0.0.1:2525 (smtp_ingress.port): address already in use`.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from pathlib import Path

from mailbot.config import Config
from mailbot.errors import MailbotError


class StartupError(MailbotError):
    """A part of `mailbot run` cannot start; the message names the address or the key."""


def reason(error: OSError) -> str:
    """An OS error in a few words, as the system says them ("address already in use")."""
    if isinstance(error, socket.gaierror):
        text = error.strerror or str(error)
    elif error.errno and error.errno > 0:
        text = os.strerror(error.errno)
    else:
        text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def listen_error(error: OSError, host: str, port: int) -> StartupError:
    """The listener could not bind `host:port`: which of the two keys to look at, and why."""
    about_host = isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL
    key = "smtp_ingress.host" if about_host else "smtp_ingress.port"
    return StartupError(f"cannot listen on {host}:{port} ({key}): {reason(error)}")


def check_outbox_folder(folder: Path) -> None:
    """Make sure outgoing mail can be written to `folder` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".mailbot-check-"):
            pass
    except OSError as error:
        raise StartupError(
            f"cannot write outgoing mail to {folder}/ (smtp_outgoing.folder): {reason(error)}"
        ) from None


def check_imap(config: Config) -> None:
    """What can be told about the IMAP settings without connecting: a login needs a password.

    (An unreadable `imap.ca_file` is found when the poller is built.)
    """
    imap = config.imap
    if imap.enabled and not imap.password:
        raise StartupError(
            "imap.password is empty: the poller could not log in as "
            f"{imap.username}@{imap.host} (set MAILBOT_IMAP__PASSWORD)"
        )
