"""The statements of the voucher look-up and reservation path, built once: building one costs
more client time than PostgreSQL takes to run it. Values come as bound parameters. They select
plain columns of the tables, executed on the session's connection: no ORM entity to load."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from mailbot.domain.orders import PAST_ORDER_STATUSES
from mailbot.domain.vouchers.redemptions import HOLDING
from mailbot.storage.base import Base
from mailbot.storage.models import Order, VoucherCampaign, VoucherCode, VoucherRedemption


def _table(entity: type[Base]) -> Table:
    return cast(Table, entity.__table__)


def one_of(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """`column IN (...)` of constants as bound parameters: the same SQL at every execution. A
    plain list would be rendered anew at each one (SQLAlchemy's "post-compile")."""
    return column.in_([literal(value, String) for value in values])


def held_count(*where: ColumnElement[bool]) -> ScalarSelect[int]:
    """How many reservations and redemptions fit `where`."""
    redemption = _table(VoucherRedemption)
    query = select(func.count(redemption.c.id)).where(one_of(redemption.c.status, HOLDING))
    return query.where(*where).scalar_subquery()


@cache
def codes_for_statement(*, with_history: bool, postgresql: bool) -> Select[Any]:
    """The stored codes among `:codes` with what judging them for `:client_id` needs (see
    `Vouchers.codes_for`), as plain columns; `with_history`: each row also carries the net
    totals of the client's earlier orders in `:currency`, joined by commas (the text of exact
    decimals on both databases), so that the look-up and the history are one round trip.

    On PostgreSQL the codes are one array parameter (`= ANY`), so the statement's text is the
    same whatever their number, and psycopg prepares it after a few executions: planning it
    took more of the server's time than running it. SQLite gets one parameter per code."""
    code, campaign = _table(VoucherCode), _table(VoucherCampaign)
    redemption = _table(VoucherRedemption)
    by_client = select(func.count(redemption.c.id)).where(
        one_of(redemption.c.status, HOLDING),
        redemption.c.campaign_id == campaign.c.id,
        redemption.c.client_id == bindparam("client_id"),
    )
    by_code = select(func.count(redemption.c.id)).where(
        one_of(redemption.c.status, HOLDING), redemption.c.code_id == code.c.id
    )
    columns: list[ColumnElement[Any]] = [
        code.c.code,
        code.c.display,
        code.c.client_id,
        campaign.c.name,
        campaign.c.kind,
        # PostgreSQL: as text, which `Vouchers.codes_for` parses once per campaign and text.
        campaign.c.terms.cast(Text) if postgresql else campaign.c.terms,
        campaign.c.active,
        campaign.c.max_redemptions,
        campaign.c.used,
        campaign.c.per_client_limit,
        campaign.c.budget,
        campaign.c.budget_currency,
        campaign.c.discount_used,
        by_client.correlate(campaign).scalar_subquery(),
        # Only a serial code is single-use: a promotional one's count would grow with each use.
        case((campaign.c.kind == "serial", by_code.correlate(code).scalar_subquery()), else_=0),
    ]
    if with_history:
        orders = _table(Order)
        # SQLAlchemy's aggregate_strings would render its separator anew at each execution.
        joined = func.string_agg if postgresql else func.group_concat
        totals = select(joined(orders.c.total.cast(String), literal(",", String))).where(
            orders.c.client_id == bindparam("client_id"),
            one_of(orders.c.status, PAST_ORDER_STATUSES),
            orders.c.currency == bindparam("currency"),
        )
        columns.append(totals.scalar_subquery())
    if postgresql:
        among = code.c.code == any_(bindparam("codes", type_=ARRAY(String)))
    else:
        among = code.c.code.in_(bindparam("codes", expanding=True))
    return (
        select(*columns).join_from(code, campaign, code.c.campaign_id == campaign.c.id).where(among)
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


# The guarded UPDATE that counts a use on SQLite (see `Vouchers.take_use`), where the budget is
# checked after it (decimals are text there); PostgreSQL's is in `mailbot_reserve_vouchers`.
TAKE_USE: Counters = (
    update(VoucherCampaign)
    .where(
        VoucherCampaign.id == bindparam("campaign_id"),
        VoucherCampaign.active,
        or_(
            VoucherCampaign.max_redemptions.is_(None),
            VoucherCampaign.used < VoucherCampaign.max_redemptions,
        ),
    )
    .values(used=VoucherCampaign.used + 1)
    .returning(
        VoucherCampaign.per_client_limit,
        VoucherCampaign.budget,
        VoucherCampaign.budget_currency,
        VoucherCampaign.discount_used,
    )
    .execution_options(synchronize_session=False)
)


NewId = ReturningInsert[int]


@cache
def insert_within(
    columns: tuple[str, ...], per_client: bool, single_use: bool, by: str = "client_id"
) -> NewId:
    """INSERT ... SELECT of a redemption's `columns` (bound by name) unless the customer (its
    column `by`: client_id or customer_ref) holds `:per_client` in the campaign (when
    `per_client`) or the code is held (`single_use`)."""
    table = _table(VoucherRedemption)
    row = select(*(bindparam(c, type_=table.c[c].type).label(c) for c in columns))
    if per_client:
        client = table.c[by] == bindparam(by)
        held = held_count(VoucherRedemption.campaign_id == bindparam("campaign_id"), client)
        row = row.where(held < bindparam("per_client"))
    if single_use:
        row = row.where(held_count(VoucherRedemption.code_id == bindparam("code_id")) == 0)
    # The Core table: with parameters, an ORM insert() would be taken for a bulk INSERT.
    return insert(table).from_select(columns, row).returning(table.c.id)


_CHANNEL_KEYS = ("customer_ref", "order_ref", "by")


@cache
def reserve_and_record_sql(channel: tuple[str, ...]) -> str:
    """PostgreSQL: every code of an order reserved in one call of the function of migration
    0019 (its rows say, per code, the reservation, new or the message's earlier one, or the
    name of a `Refusal`) and, in the same statement, the event of each reservation it made
    (a data-modifying CTE over the function's rows), in the function's order: one round trip
    where the event's INSERT was one more at the commit. Each event's payload is built as
    `services.vouchers.reservations` builds it, keys in the same order: the code, the
    reservation, the client, the order, the campaign, the discount (its amount as the text
    `:amount_texts` gives for the code, and its currency), then the `channel` keys present
    (each a parameter `:ch_<key>`). `:event_ids` are the events' message ids, one per code."""
    if any(key not in _CHANNEL_KEYS for key in channel):
        raise ValueError(f"unknown channel keys {channel}")
    told = "".join(f", '{key}', %(ch_{key})s::text" for key in channel)
    return f"""WITH r AS MATERIALIZED (
    SELECT * FROM mailbot_reserve_vouchers(
        %(codes)s::text[], %(amounts)s::numeric[], %(currencies)s::text[],
        %(client_id)s::integer, %(customer_ref)s::text, %(order_id)s::integer,
        %(order_ref)s::text, %(api_key_id)s::integer, %(inbound_id)s::integer,
        %(reserved_at)s::timestamptz, %(hold_until)s::timestamptz
    ) WITH ORDINALITY AS f(code, redemption_id, status, hold_until, refusal, campaign_id, fresh, n)
), recorded AS (
    INSERT INTO events (message_id, type, version, aggregate_type, aggregate_id, payload,
                        occurred_at)
    SELECT m.event_id, %(event_type)s::text, %(event_version)s::integer,
           %(aggregate_type)s::text, r.campaign_id::text,
           json_build_object('code', r.code, 'redemption', r.redemption_id,
                             'client', %(client_id)s::integer, 'order_id', %(order_id)s::integer,
                             'campaign', r.campaign_id,
                             'discount', json_build_object('amount', m.amount,
                                                           'currency', m.currency){told}),
           %(reserved_at)s::timestamptz
    FROM r JOIN unnest(%(codes)s::text[], %(event_ids)s::text[], %(amount_texts)s::text[],
                       %(currencies)s::text[]) AS m(code, event_id, amount, currency)
        ON m.code = r.code
    WHERE r.fresh AND r.redemption_id IS NOT NULL AND r.campaign_id IS NOT NULL
    ORDER BY r.n
)
SELECT r.code, r.redemption_id, r.status, r.hold_until, r.refusal, r.campaign_id, r.fresh
FROM r ORDER BY r.n"""
