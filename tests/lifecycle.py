"""Driving an order through its life by mail in tests: quotes, replies to mailbot's mails."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.bootstrap import App
from mailbot.services.inbox.handling import Outcome
from mailbot.storage.models import OutboundMessage
from tests.mail import headers, mail
from tests.pipeline import FLEET, ingest, outbox

CLIENT = "buying@fleetparts.example"
ORDER = "Hello,\n\nBPW-0310 x 2\nSAF-2234 x 5\n\nSam"


def reply_to(
    sent: OutboundMessage,
    sender: str,
    body: str,
    *,
    threaded: bool = True,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """A reply to one of mailbot's mails, in its thread unless `threaded` is False."""
    subject = "Re: " + str(headers(sent.raw)["Subject"])
    extra = {"In-Reply-To": sent.message_id, "References": sent.message_id} if threaded else {}
    quoted = "\n".join("> " + line for line in ["On Friday the desk wrote:", "Reply AGREE"])
    return mail(
        sender=sender, subject=subject, body=f"{body}\n\n{quoted}", headers=extra,
        attachments=attachments,
    )  # fmt: skip


def last_to(app: App, address: str, kind: str | None = None) -> OutboundMessage:
    """The newest mail in the outbox to `address` (of template `kind`, if given)."""
    found = [m for m in outbox(app) if m.recipient == address and kind in (None, m.kind)]
    assert found, f"no {kind or 'mail'} to {address}"
    return found[-1]


def quote(app: App, sender: str = FLEET, body: str = ORDER) -> str:
    """Order by mail; the quoted order's number."""
    _, outcome = ingest(app, mail(sender=sender, body=body))
    assert outcome.summary.startswith("quoted"), outcome
    return outcome.summary.split()[1].rstrip(":")


def answer(
    app: App,
    kind: str,
    sender: str,
    body: str,
    *,
    to: str | None = None,
    threaded: bool = True,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> Outcome:
    """Reply `body` from `sender` to the newest `kind` mail mailbot sent to `to` (the sender)."""
    sent = last_to(app, to or sender.split("<")[-1].rstrip(">"), kind)
    raw = reply_to(sent, sender, body, threaded=threaded, attachments=attachments)
    return ingest(app, raw)[1]


def agree_and_send(app: App) -> str:
    """Quote an order for Fleet Parts and agree to it; its number."""
    number = quote(app)
    outcome = answer(app, "quote", FLEET, "AGREE")
    assert "agreed" in outcome.summary, outcome
    return number
