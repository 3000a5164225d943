"""What becomes of a message mailbot received, and of a mail it owes someone."""

from __future__ import annotations

from enum import StrEnum


class InboundStatus(StrEnum):
    STORED = "stored"  # waiting for a processor (again, after a failed attempt)
    PROCESSED = "processed"  # acted on, answered where an answer was due
    IGNORED = "ignored"  # deliberately not answered (an auto-reply, an unknown sender...)
    QUARANTINED = "quarantined"  # failed too often or refused; waits for a person


class OutboundStatus(StrEnum):
    PENDING = "pending"  # waiting for the sender
    SENT = "sent"
    FAILED = "failed"  # the relay refused it
    BOUNCED = "bounced"  # a bounce reported it undeliverable
    HELD = "held"  # past the sender's hourly limit: waits for the digest
    DIGESTED = "digested"  # sent inside a digest
    # Not sent: the address bounced too often, or an answer saying nothing was done went past
    # the daily limits on them (services/outbox/reply_limits.py).
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"  # not sent: a manager cancelled it before the sender did
