"""Builders for test messages: what partners' mail clients would send."""

from __future__ import annotations

import email
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

DESK = "orders@distributor.example"


def mail(
    *,
    sender: str,
    body: str = "",
    subject: str = "Order",
    to: str = DESK,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    headers: Mapping[str, str] | None = None,
    html: str | None = None,
    charset: str = "utf-8",
) -> bytes:
    """A message from `sender`; attachments are (filename, content type, bytes)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Fri, 20 Nov 2026 09:30:00 +0200"
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or "x")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset=charset)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, payload in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def parts(raw: bytes) -> dict[str, str]:
    """The decoded text/plain and text/html parts of a message, by subtype."""
    message = headers(raw)
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.get_filename():
            found.setdefault(part.get_content_subtype(), part.get_content())
    return found


def headers(raw: bytes) -> EmailMessage:
    """The parsed message, for its headers."""
    parsed = email.message_from_bytes(raw, _class=EmailMessage, policy=SMTP)
    assert isinstance(parsed, EmailMessage)
    return parsed
