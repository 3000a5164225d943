"""The one log line per processed message: what happened to it and the mail written for it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.domain.mail import OutboundStatus
from mailbot.services.inbox.handling import Outcome

log = logging.getLogger("mailbot.processor")


@dataclass(slots=True)
class Seen:
    """What the log line about a message names: its ids, sender and the mail written for it."""

    message_id: str = ""
    source: str = ""
    sender: str = ""
    written: Sequence[tuple[str, str, str]] = ()

    def replies(self) -> str:
        """The mail written, for the log line: ", wrote quote to a@b.example" (a status
        follows unless pending: "(held)"), or "" when none was written."""
        if not self.written:
            return ""
        mails = [
            f"{kind} to {to}" + ("" if status == OutboundStatus.PENDING else f" ({status})")
            for kind, to, status in self.written
        ]
        return ", wrote " + ", ".join(mails)


def log_processed(done: Sequence[tuple[int, Seen, Outcome]]) -> None:
    """Log one line per message whose work is committed, with its fields for JSON logs."""
    for inbound_id, seen, outcome in done:
        log.info(
            "message %s %s from %s: %s%s: %s",
            inbound_id,
            f"<{seen.message_id}>" if seen.message_id else "(no Message-ID)",
            seen.sender or "(no sender)",
            outcome.status,
            seen.replies(),
            outcome.summary,
            extra={
                "inbound": inbound_id,
                "message_id": seen.message_id,
                "sender": seen.sender,
                "source": seen.source,
                "status": str(outcome.status),
                "written": [
                    {"kind": kind, "to": to, "status": status} for kind, to, status in seen.written
                ],
            },
        )
