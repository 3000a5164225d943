"""The statements of the voucher reservation path, built once: building one costs more client
time than PostgreSQL takes to run it. Values come as bound parameters."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Numeric,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from mailbot.domain.vouchers.redemptions import HOLDING
from mailbot.storage.models import VoucherCampaign, VoucherCode, VoucherRedemption


def held_count(*where: ColumnElement[bool]) -> ScalarSelect[int]:
    """How many reservations and redemptions fit `where`."""
    query = select(func.count(VoucherRedemption.id)).where(VoucherRedemption.status.in_(HOLDING))
    return query.where(*where).scalar_subquery()


CODES_FOR = (
    select(
        VoucherCode,
        VoucherCampaign,
        held_count(
            VoucherRedemption.campaign_id == VoucherCampaign.id,
            VoucherRedemption.client_id == bindparam("client_id"),
        ).correlate(VoucherCampaign),
        # Only a serial code is single-use: a promotional one's count would grow with each use.
        case(
            (
                VoucherCampaign.kind == "serial",
                held_count(VoucherRedemption.code_id == VoucherCode.id).correlate(VoucherCode),
            ),
            else_=0,
        ),
    )
    .join(VoucherCampaign, VoucherCode.campaign_id == VoucherCampaign.id)
    .where(VoucherCode.code.in_(bindparam("codes", expanding=True)))
)

CLAIMABLE = (
    select(
        VoucherCode.code,
        VoucherCode.id,
        VoucherCode.client_id,
        VoucherCampaign.id,
        VoucherCampaign.kind,
        VoucherCampaign.active,
        VoucherCampaign.terms,
        VoucherRedemption.id,
        VoucherRedemption.status,
        VoucherRedemption.hold_until,
    )
    .join(VoucherCampaign, VoucherCode.campaign_id == VoucherCampaign.id)
    .outerjoin(
        VoucherRedemption,
        and_(
            VoucherRedemption.code_id == VoucherCode.id,
            VoucherRedemption.inbound_message_id == bindparam("inbound_id"),
        ),
    )
    .where(VoucherCode.code.in_(bindparam("codes", expanding=True)))
)


Counters = ReturningUpdate[int | None, Decimal | None, str | None, Decimal]


def take_use_statement(*, within_budget: bool) -> Counters:
    """The guarded UPDATE that counts a use (see `Vouchers.take_use`)."""
    campaign = VoucherCampaign
    query = update(campaign).where(
        campaign.id == bindparam("campaign_id"),
        campaign.active,
        or_(campaign.max_redemptions.is_(None), campaign.used < campaign.max_redemptions),
    )
    values: dict[str, object] = {"used": campaign.used + 1}
    if within_budget:  # ExactDecimal is text to SQLAlchemy; on PostgreSQL the columns are NUMERIC
        has_budget = and_(campaign.budget.is_not(None), campaign.budget_currency.is_not(None))
        budget = type_coerce(campaign.budget, Numeric())
        used = type_coerce(campaign.discount_used, Numeric())
        amount = bindparam("amount", type_=Numeric())
        room = func.greatest(budget - used, 0)
        fits = and_(campaign.budget_currency == bindparam("currency"), room >= amount)
        query = query.where(or_(~has_budget, fits))
        values["discount_used"] = case((has_budget, used + amount), else_=used)
    return (
        query.values(values)
        .returning(
            campaign.per_client_limit,
            campaign.budget,
            campaign.budget_currency,
            campaign.discount_used,
        )
        .execution_options(synchronize_session=False)
    )


TAKE_USE = take_use_statement(within_budget=False)
TAKE_USE_WITHIN_BUDGET = take_use_statement(within_budget=True)


NewId = ReturningInsert[int]


@cache
def insert_within(columns: tuple[str, ...], per_client: bool, single_use: bool) -> NewId:
    """INSERT ... SELECT of a redemption's `columns` (bound by name) unless the client holds
    `:per_client` in the campaign (when `per_client`) or the code is held (`single_use`)."""
    table = cast(Table, VoucherRedemption.__table__)
    row = select(*(bindparam(c, type_=table.c[c].type).label(c) for c in columns))
    if per_client:
        client = VoucherRedemption.client_id == bindparam("client_id")
        held = held_count(VoucherRedemption.campaign_id == bindparam("campaign_id"), client)
        row = row.where(held < bindparam("per_client"))
    if single_use:
        row = row.where(held_count(VoucherRedemption.code_id == bindparam("code_id")) == 0)
    # The Core table: with parameters, an ORM insert() would be taken for a bulk INSERT.
    return insert(table).from_select(columns, row).returning(table.c.id)
