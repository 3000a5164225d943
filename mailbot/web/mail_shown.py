"""A stored mail on a manager's page and its files as downloads: what the quarantine and outbox
pages share. The mail's HTML is given to the page as text (escaped by the template, and as the
text it reads as), never as markup the browser renders; a file always downloads, whatever type
its sender declared."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import Response

from mailbot.parsers.html_text import html_to_text
from mailbot.parsers.mail_summary import OpenedMail, open_mail
from mailbot.web.cabinet import NotFoundError, Visitor

PAGE_SIZE = 50
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_LENGTH = 150


def managing(who: Visitor) -> None:
    """Mail pages are a manager's; anyone else is answered as if they did not exist."""
    if who.person.role != "manager":
        raise NotFoundError()


def shown(raw: bytes, *, headers_only: bool = False) -> dict[str, Any]:
    """The template context of a mail: headers, text, its HTML as source and as text, files;
    with `headers_only`, its headers alone."""
    mail = open_mail(raw)
    if headers_only:
        mail = OpenedMail(mail.headers, "", "", ())
    return {
        "headers": mail.headers,
        "text": mail.text,
        "html": mail.html,
        "html_text": html_to_text(mail.html) if mail.html else "",
        "files": [_file(mail, n) for n in range(1, len(mail.files) + 1)],
        "problem": mail.problem,
    }


def download(raw: bytes, number: int) -> Response:
    """File `number` (from 1) of a mail as a download: Content-Disposition attachment under a
    safe name, as application/octet-stream (never sniffed), never cached."""
    mail = open_mail(raw)
    if not 1 <= number <= len(mail.files):
        raise NotFoundError()
    name = _name(mail, number)
    plain = _UNSAFE.sub("_", name).strip("._") or f"attachment-{number}"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    payload = mail.files[number - 1].payload
    return Response(payload, media_type="application/octet-stream", headers=headers)


def _file(mail: OpenedMail, number: int) -> dict[str, Any]:
    file = mail.files[number - 1]
    size = len(file.payload)
    return {"number": number, "name": _name(mail, number), "type": file.content_type, "size": size}


def _name(mail: OpenedMail, number: int) -> str:
    """A file's own name (path and control characters gone already), or one made up."""
    return mail.files[number - 1].name[-_NAME_LENGTH:] or f"attachment-{number}"
