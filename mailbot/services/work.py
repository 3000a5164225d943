"""What every step of one transaction needs, handed on as one value instead of five parameters.

A `Desk` is wired once (bootstrap): the outbox writer and the settings the order's steps read.
A `Work` is the desk at one moment inside one open unit of work: what the processor builds for
each message, and a manager's or the scheduler's use case for each action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from mailbot.domain.deadlines import DeadlineSettings
from mailbot.services.outbox.replies import Replies
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Desk:
    """The outbox writer, the deadline windows, and the VAT rate that gross voucher rules and
    price lists with VAT included are judged by."""

    replies: Replies
    deadlines: DeadlineSettings
    vat_percent: Decimal

    def at(self, uow: UnitOfWork, now: datetime) -> Work:
        """The desk working inside `uow` (already open) at `now`."""
        return Work(uow, now, self)


@dataclass(frozen=True, slots=True)
class Work:
    """One open unit of work, the moment its steps act at, and the desk's wiring. Steps that
    take a `Work` run inside the caller's transaction and never commit."""

    uow: UnitOfWork
    now: datetime
    desk: Desk

    @property
    def replies(self) -> Replies:
        return self.desk.replies

    @property
    def deadlines(self) -> DeadlineSettings:
        return self.desk.deadlines

    @property
    def vat_percent(self) -> Decimal:
        return self.desk.vat_percent

    def zone_of(self, partner_timezone: str) -> tzinfo:
        """The zone a partner's days are judged in: its own when set, else the desk's."""
        return self.desk.deadlines.zone_of(partner_timezone)
