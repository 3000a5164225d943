"""Voucher campaigns, their codes and their redemptions: queries by intent, on the session."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from mailbot.storage.models import (
    Partner,
    PartnerAddress,
    VoucherCampaign,
    VoucherCode,
    VoucherRedemption,
)

HOLDING: Final = ("reserved", "redeemed")  # the statuses that count against the limits


class Vouchers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_campaign(self, campaign: VoucherCampaign) -> None:
        self.session.add(campaign)
        self.session.flush()

    def campaign(self, name: str) -> VoucherCampaign | None:
        query = select(VoucherCampaign).where(VoucherCampaign.name == name)
        return self.session.scalars(query).one_or_none()

    def campaigns(self) -> Sequence[VoucherCampaign]:
        return self.session.scalars(select(VoucherCampaign).order_by(VoucherCampaign.id)).all()

    def prefixes(self) -> set[str]:
        query = select(VoucherCampaign.prefix).where(VoucherCampaign.prefix.is_not(None))
        return {prefix for prefix in self.session.scalars(query) if prefix}

    def lock_campaign(self, campaign_id: int) -> VoucherCampaign:
        """The campaign with its counters as committed now, its row locked until the end of the
        transaction (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        holds the whole database)."""
        query = (
            select(VoucherCampaign)
            .where(VoucherCampaign.id == campaign_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one()

    def add_codes(self, rows: Sequence[dict[str, object]]) -> None:
        """Insert codes (dicts with the same keys) in one executemany."""
        if rows:
            self.session.execute(insert(VoucherCode), list(rows))

    def existing_codes(self, codes: Iterable[str]) -> set[str]:
        query = select(VoucherCode.code).where(VoucherCode.code.in_(list(codes)))
        return set(self.session.scalars(query))

    def codes(self, codes: Iterable[str]) -> dict[str, tuple[VoucherCode, VoucherCampaign]]:
        """The stored codes among `codes`, with their campaigns, by code."""
        query = (
            select(VoucherCode, VoucherCampaign)
            .join(VoucherCampaign, VoucherCode.campaign_id == VoucherCampaign.id)
            .where(VoucherCode.code.in_(sorted(set(codes))))
        )
        return {code.code: (code, campaign) for code, campaign in self.session.execute(query)}

    def fresh_code(self, code_id: int) -> VoucherCode:
        """The code row as committed now (read after its campaign is locked)."""
        query = (
            select(VoucherCode)
            .where(VoucherCode.id == code_id)
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one()

    def codes_of(self, campaign_id: int) -> Iterator[tuple[VoucherCode, str | None, str | None]]:
        """Every code of a campaign in order, with its client's first address and the status of
        its newest redemption (None: never used), streamed for exports."""
        address = (
            select(func.min(PartnerAddress.address))
            .where(PartnerAddress.partner_id == VoucherCode.client_id)
            .scalar_subquery()
        )
        newest = (
            select(VoucherRedemption.status)
            .where(VoucherRedemption.code_id == VoucherCode.id)
            .order_by(VoucherRedemption.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(VoucherCode, address, newest)
            .where(VoucherCode.campaign_id == campaign_id)
            .order_by(VoucherCode.id)
            .execution_options(yield_per=1000)
        )
        for row in self.session.execute(query):
            yield row[0], row[1], row[2]

    def held_by_client(self, campaign_id: int, client_id: int) -> int:
        """How many of the campaign's reservations and redemptions the client holds."""
        query = select(func.count(VoucherRedemption.id)).where(
            VoucherRedemption.campaign_id == campaign_id,
            VoucherRedemption.client_id == client_id,
            VoucherRedemption.status.in_(HOLDING),
        )
        return self.session.scalar(query) or 0

    def redemption_by(self, code_id: int, inbound_id: int) -> VoucherRedemption | None:
        """What the inbound message already did with the code, if anything."""
        query = select(VoucherRedemption).where(
            VoucherRedemption.code_id == code_id,
            VoucherRedemption.inbound_message_id == inbound_id,
        )
        return self.session.scalars(query).one_or_none()

    def add_redemption(self, redemption: VoucherRedemption) -> None:
        self.session.add(redemption)
        self.session.flush()

    def of_order(self, order_id: int) -> Sequence[VoucherRedemption]:
        query = (
            select(VoucherRedemption)
            .where(VoucherRedemption.order_id == order_id)
            .order_by(VoucherRedemption.campaign_id, VoucherRedemption.id)
        )
        return self.session.scalars(query).all()

    def expired(self, now: datetime) -> Sequence[VoucherRedemption]:
        """Reservations whose hold ran out before `now`, by campaign."""
        query = (
            select(VoucherRedemption)
            .where(VoucherRedemption.status == "reserved", VoucherRedemption.hold_until < now)
            .order_by(VoucherRedemption.campaign_id, VoucherRedemption.id)
        )
        return self.session.scalars(query).all()

    def redemptions(self, *, campaign_id: int | None = None, code_id: int | None = None,
                    limit: int = 100) -> Sequence[tuple[VoucherRedemption, str, str]]:  # fmt: skip
        """The newest redemptions of a campaign or a code, with each code's display form and the
        client's name."""
        query = (
            select(VoucherRedemption, VoucherCode.display, Partner.name)
            .join(VoucherCode, VoucherRedemption.code_id == VoucherCode.id)
            .join(Partner, VoucherRedemption.client_id == Partner.id)
            .order_by(VoucherRedemption.id.desc())
            .limit(limit)
        )
        if campaign_id is not None:
            query = query.where(VoucherRedemption.campaign_id == campaign_id)
        if code_id is not None:
            query = query.where(VoucherRedemption.code_id == code_id)
        return [(r, display, name) for r, display, name in self.session.execute(query)]

    def status_counts(self) -> dict[int, dict[str, int]]:
        """For each campaign, how many redemptions are in each status."""
        query = select(
            VoucherRedemption.campaign_id, VoucherRedemption.status, func.count()
        ).group_by(VoucherRedemption.campaign_id, VoucherRedemption.status)
        counts: dict[int, dict[str, int]] = {}
        for campaign_id, status, count in self.session.execute(query):
            counts.setdefault(campaign_id, {})[status] = count
        return counts

    def code_counts(self) -> dict[int, int]:
        """How many codes each campaign has."""
        query = select(VoucherCode.campaign_id, func.count()).group_by(VoucherCode.campaign_id)
        return {row[0]: row[1] for row in self.session.execute(query)}
