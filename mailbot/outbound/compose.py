"""Composing a rendered reply into RFC 5322 bytes ready for any SMTP relay."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime

from mailbot.outbound.render import RenderedMail

# A msg-id as RFC 5322 allows it, without the angle brackets: printable ASCII, no spaces.
_MSG_ID = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
_BRACKETED = re.compile(r"<([^<>]*)>")

# Long threads would make References grow without end; RFC 5322 (3.6.4) lets a reply trim it.
# The first id (the thread's root) and the latest ones are what threading needs.
_MAX_REFERENCES = 20


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A mail ready to send: its Message-ID in angle brackets, the recipient, the bytes."""

    message_id: str
    to: str
    raw: bytes


class _MessageIdList(str):
    """A References or In-Reply-To value that folds between ids and never encodes them.

    The email package treats these headers as unstructured text and turns a long id into
    RFC 2047 encoded words, which breaks threading. EmailPolicy uses an object's own `fold`
    when it has a `name` (a documented hook of `header_store_parse`).
    """

    name: str

    def __new__(cls, name: str, ids: Sequence[str]) -> _MessageIdList:
        value = super().__new__(cls, " ".join(ids))
        value.name = name
        return value

    def fold(self, *, policy: EmailPolicy) -> str:
        """The header line(s), folded before an id when a line would pass the policy's limit."""
        limit = policy.max_line_length or 998
        lines = [f"{self.name}:"]
        for msg_id in self.split():
            if len(lines[-1]) + 1 + len(msg_id) > limit and lines[-1] != f"{self.name}:":
                lines.append("")
            lines[-1] += f" {msg_id}"
        return policy.linesep.join(lines) + policy.linesep


def compose(
    rendered: RenderedMail,
    *,
    sender: str,
    to: str,
    domain: str,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    message_id: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: datetime,
) -> ComposedMail:
    """A multipart/alternative reply (text and HTML) threaded under `in_reply_to`.

    `message_id` keeps the id of a mail composed before (a retry); without it a new
    `<random@domain>` is made. `attachments` are (file name, content type, bytes).
    The bytes are 7-bit clean: bodies are quoted-printable, attachments base64.
    """
    if now.tzinfo is None:
        raise ValueError("compose needs an aware `now`")
    if message_id is None:
        message_id = f"<{uuid.uuid4().hex}@{domain}>"
    else:
        given = _ids(message_id)
        if len(given) != 1:
            raise ValueError(f"not a Message-ID: {message_id!r}")
        message_id = given[0]

    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    parent = next(iter(_ids(in_reply_to)), None)
    if parent:
        message["In-Reply-To"] = _MessageIdList("In-Reply-To", [parent])
    thread = _thread(references, parent)
    if thread:
        message["References"] = _MessageIdList("References", thread)
    # RFC 3834: marks the mail as an automatic reply so that well-behaved responders stay
    # quiet; the Microsoft header does the same for Exchange out-of-office replies.
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"

    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for filename, content_type, payload in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(
            payload,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    for part in message.iter_parts() if message.is_multipart() else ():
        _drop_nested_mime_version(part)
    return ComposedMail(message_id=message_id, to=to, raw=message.as_bytes(policy=SMTP))


def _ids(value: str) -> list[str]:
    """The usable ids in `value` as `<left@right>`: each `<...>` in it, or the bare value.

    Header values from other mailers carry comments and several ids ("<a@x> (note) <b@x>");
    anything that is not a well-formed id is dropped, so it can never reach a header.
    """
    cores = _BRACKETED.findall(value) if "<" in value else [value.strip()]
    return [f"<{core}>" for core in cores if _MSG_ID.fullmatch(core)]


def _thread(references: Iterable[str], parent: str | None) -> list[str]:
    """The References ids: the given ones then the parent, each once, trimmed in the middle."""
    ids: list[str] = []
    for entry in [*references, parent or ""]:
        for msg_id in _ids(entry):
            if msg_id not in ids:
                ids.append(msg_id)
    if len(ids) > _MAX_REFERENCES:
        ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
    return ids


def _drop_nested_mime_version(part: MIMEPart) -> None:
    # EmailMessage adds MIME-Version to the parts it creates; it belongs only at the top.
    del part["MIME-Version"]
    if part.is_multipart():
        for child in part.iter_parts():
            _drop_nested_mime_version(child)
