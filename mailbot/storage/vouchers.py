"""Voucher campaigns, their codes and their redemptions: queries by intent, on the session.

`Vouchers` is the repository. Its look-up (`voucher_lookup`) and its reserving
(`voucher_reservations`), the plain statements of the order path, are parts of it in modules
of their own; the campaigns, their codes and listings, and the redemptions as entities are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import case, func, insert, or_, select
from sqlalchemy.orm import Session

from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.storage.models import (
    Partner,
    PartnerAddress,
    VoucherCampaign,
    VoucherCode,
    VoucherRedemption,
)
from mailbot.storage.transaction_memo import forget, read_once
from mailbot.storage.voucher_lookup import SCREENED, VoucherLookUp
from mailbot.storage.voucher_reservations import VoucherReservations

_PREFIXES = "mailbot.voucher_prefixes"  # what `known_prefixes` keeps for the transaction


class Vouchers(VoucherLookUp, VoucherReservations):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_campaign(self, campaign: VoucherCampaign) -> None:
        self.session.add(campaign)
        self.session.flush()
        forget(self.session, _PREFIXES)

    def campaign(self, name: str) -> VoucherCampaign | None:
        query = select(VoucherCampaign).where(VoucherCampaign.name == name)
        return self.session.scalars(query).one_or_none()

    def campaigns(self) -> Sequence[VoucherCampaign]:
        return self.session.scalars(select(VoucherCampaign).order_by(VoucherCampaign.id)).all()

    def prefixes(self) -> set[str]:
        query = select(VoucherCampaign.prefix).where(VoucherCampaign.prefix.is_not(None))
        return {prefix for prefix in self.session.scalars(query) if prefix}

    def known_prefixes(self) -> set[str]:
        """`prefixes` as first read in this transaction (again after it adds a campaign): the
        look-up asks once per message, and the processor's batch of messages is one
        transaction. A campaign another transaction creates meanwhile is missed until the
        next transaction; the look-up still finds its codes (it reads codes, not prefixes): a
        prefix only makes an unknown serial-shaped word "unknown" or "looks mistyped" instead
        of an ordinary word. Read it, never change it."""
        return read_once(self.session, _PREFIXES, self.prefixes)

    def campaign_of(self, campaign_id: int) -> VoucherCampaign:
        return self.session.get_one(VoucherCampaign, campaign_id)

    def campaign_now(self, campaign_id: int) -> VoucherCampaign:
        """The campaign with its counters as committed now, read again, without a lock."""
        return self.session.get_one(VoucherCampaign, campaign_id, populate_existing=True)

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
            # A screen of a batch's words (`screen`) no longer knows every stored code.
            forget(self.session, SCREENED)

    def code(self, code_id: int) -> VoucherCode:
        return self.session.get_one(VoucherCode, code_id)

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

    def usable_codes(self, codes: Iterable[str], client_id: int) -> list[str]:
        """The printed forms of the stored codes among `codes` that `client_id` may use (issued
        to nobody or to them), by code: a "did you mean" never names another client's code."""
        query = (
            select(VoucherCode.display)
            .where(VoucherCode.code.in_(sorted(set(codes))))
            .where(or_(VoucherCode.client_id.is_(None), VoucherCode.client_id == client_id))
            .order_by(VoucherCode.code)
        )
        return list(self.session.scalars(query))

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

    def of_client(
        self, client_id: int
    ) -> Sequence[tuple[VoucherCode, VoucherCampaign, str | None]]:
        """The codes issued to one client, newest first, with their campaigns and the status
        of each code's newest redemption (None: never used)."""
        newest = (
            select(VoucherRedemption.status)
            .where(VoucherRedemption.code_id == VoucherCode.id)
            .order_by(VoucherRedemption.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(VoucherCode, VoucherCampaign, newest)
            .join(VoucherCampaign, VoucherCampaign.id == VoucherCode.campaign_id)
            .where(VoucherCode.client_id == client_id)
            .order_by(VoucherCode.id.desc())
        )
        return [(row[0], row[1], row[2]) for row in self.session.execute(query)]

    def of_order(self, order_id: int) -> Sequence[VoucherRedemption]:
        query = (
            select(VoucherRedemption)
            .where(VoucherRedemption.order_id == order_id)
            .order_by(VoucherRedemption.campaign_id, VoucherRedemption.id)
        )
        return self.session.scalars(query).all()

    def redemption(self, redemption_id: int) -> VoucherRedemption | None:
        return self.session.get(VoucherRedemption, redemption_id)

    def lock_redemption(self, redemption_id: int) -> VoucherRedemption:
        """The redemption as committed now, its row locked until the end of the transaction:
        taken after its campaign's lock where both are needed."""
        query = (
            select(VoucherRedemption)
            .where(VoucherRedemption.id == redemption_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one()

    def expired(self, now: datetime, *, without_order: bool = False) -> Sequence[VoucherRedemption]:
        """Reservations whose hold ran out before `now` (`without_order`: only those of no
        order), by campaign."""
        query = (
            select(VoucherRedemption)
            .where(
                VoucherRedemption.status == RedemptionStatus.RESERVED,
                VoucherRedemption.hold_until < now,
            )
            .order_by(VoucherRedemption.campaign_id, VoucherRedemption.id)
        )
        if without_order:
            query = query.where(VoucherRedemption.order_id.is_(None))
        return self.session.scalars(query).all()

    def redemptions(self, *, campaign_id: int | None = None, code_id: int | None = None,
                    limit: int = 100) -> Sequence[tuple[VoucherRedemption, str, str]]:  # fmt: skip
        """The newest redemptions of a campaign or a code, with each code's display form and the
        client's name (a retail customer's reference when it is no partner)."""
        customer = func.coalesce(Partner.name, VoucherRedemption.customer_ref, "")
        query = (
            select(VoucherRedemption, VoucherCode.display, customer)
            .join(VoucherCode, VoucherRedemption.code_id == VoucherCode.id)
            .outerjoin(Partner, VoucherRedemption.client_id == Partner.id)
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

    def channel_counts(self) -> dict[tuple[int, str, str], int]:
        """How many redemptions each campaign has in each status, by channel: "api" for those
        reserved over the HTTP API, "mail" for the rest."""
        channel = case((VoucherRedemption.api_key_id.is_(None), "mail"), else_="api")
        query = select(
            VoucherRedemption.campaign_id, channel, VoucherRedemption.status, func.count()
        ).group_by(VoucherRedemption.campaign_id, channel, VoucherRedemption.status)
        return {(row[0], row[1], row[2]): row[3] for row in self.session.execute(query)}

    def code_counts(self) -> dict[int, int]:
        """How many codes each campaign has."""
        query = select(VoucherCode.campaign_id, func.count()).group_by(VoucherCode.campaign_id)
        return {row[0]: row[1] for row in self.session.execute(query)}
