"""Voucher campaigns, their codes and their redemptions: queries by intent, on the session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from mailbot.domain.money import Money
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.storage.driver_sql import DriverStatement, run
from mailbot.storage.models import (
    Partner,
    PartnerAddress,
    VoucherCampaign,
    VoucherCode,
    VoucherRedemption,
)
from mailbot.storage.voucher_statements import (
    CLAIMABLE,
    TAKE_USE,
    codes_for_statement,
    held_count,
    insert_within,
    reserve_and_record_sql,
)

# The look-up's statements as psycopg runs them (see `driver_sql`), with and without history.
_PG = PGDialect_psycopg()  # type: ignore[no-untyped-call]
_CODES_FOR = {
    with_history: DriverStatement.compiled(
        codes_for_statement(with_history=with_history, postgresql=True),
        _PG,
        ("codes", "client_id", "currency"),
    )
    for with_history in (False, True)
}


# The terms documents the look-up read lately, by campaign and text: one parse per campaign
# and version of its terms, not one per look-up; and the same document each time, so that
# `services.vouchers.order_codes` parses it into `VoucherTerms` once (a look-up's documents
# are shared: read them, never change them).
_TERMS_KEPT = 256
_terms_read: dict[tuple[str, str], dict[str, Any]] = {}


def _terms(campaign: str, text: str) -> dict[str, Any]:
    document = _terms_read.get((campaign, text))
    if document is None:
        if len(_terms_read) >= _TERMS_KEPT:
            _terms_read.clear()
        document = _terms_read[campaign, text] = json.loads(text)
    return document


@dataclass(frozen=True, slots=True)
class KnownCode:
    """A stored code with what judging it for one client needs: its campaign's terms, limits
    and counters, how many reservations and redemptions the client holds in the campaign, and
    how many the code has (a serial code's; 0 for a promotional one)."""

    code: str
    display: str
    owner_id: int | None  # the client a serial code was issued to
    campaign: str
    kind: str
    terms: dict[str, Any]
    active: bool
    max_redemptions: int | None
    used: int
    per_client_limit: int | None
    budget: Decimal | None
    budget_currency: str | None
    discount_used: Decimal
    held_by_client: int
    code_held: int


class LookedUp(NamedTuple):
    """The stored codes found, by code, and the net totals of the client's earlier orders when
    they were asked for and a code was found (None otherwise)."""

    codes: dict[str, KnownCode]
    past_totals: tuple[Decimal, ...] | None


class ServerReservation(NamedTuple):
    """What the server's reservation did with one code: the reservation (new, or the inbound
    message's earlier one) with its status, or the name of a refusal; the code's campaign, and
    whether this call made the reservation."""

    code: str
    redemption_id: int | None
    status: str
    hold_until: datetime | None
    refusal: str | None
    campaign_id: int | None
    fresh: bool


@dataclass(frozen=True, slots=True)
class ReservedEvent:
    """The event `reserve_on_server` records of each reservation it makes, in its statement:
    the event's type, version and aggregate type, and what it tells of the channel (the
    payload's `customer_ref`, `order_ref`, `by`, those known)."""

    type: str
    version: int
    aggregate_type: str
    channel: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a reservation is for and who makes it: the customer, a partner (`client_id`) or a
    retail channel's reference of it (`customer_ref`); the API key making it (None: mail) and
    the channel's order reference."""

    client_id: int | None
    customer_ref: str | None = None
    api_key_id: int | None = None
    order_ref: str | None = None


class Earlier(NamedTuple):
    """A redemption an inbound message already made of a code."""

    id: int
    status: str
    hold_until: datetime


@dataclass(frozen=True, slots=True)
class Claimable:
    """A stored code as reserving needs it, and what one inbound message already did with it."""

    code_id: int
    owner_id: int | None  # the client a serial code was issued to
    campaign_id: int
    kind: str
    active: bool
    terms: dict[str, Any]
    earlier: Earlier | None


@dataclass(frozen=True, slots=True)
class Taken:
    """One use counted by `take_use`: the campaign's per-client limit, and its `discount_used`
    before this use charged the budget (None: the campaign has no budget)."""

    per_client_limit: int | None
    discount_used_before: Decimal | None


class Vouchers:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._prefixes: tuple[object, set[str]] | None = None  # `known_prefixes`' transaction

    def add_campaign(self, campaign: VoucherCampaign) -> None:
        self.session.add(campaign)
        self.session.flush()
        self._prefixes = None

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
        transaction = self.session.get_transaction()
        if transaction is None or self._prefixes is None or self._prefixes[0] is not transaction:
            prefixes = self.prefixes()
            self._prefixes = (self.session.get_transaction(), prefixes)  # the one it began
        return self._prefixes[1]

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

    def codes_for(
        self, codes: Iterable[str], client_id: int, *, history_in: str | None = None
    ) -> LookedUp:
        """The stored codes among `codes` with their campaigns, how many reservations and
        redemptions the client holds in each campaign, and how many each serial code has; with
        `history_in` (a currency) also the net totals of the client's earlier orders in it, in
        the same statement. Read without a lock."""
        params = {"codes": sorted(set(codes)), "client_id": client_id, "currency": history_in}
        connection = self._flushed()
        rows: Iterable[Sequence[Any]]
        if self._on_postgresql:  # the DB-API cursor: a third of SQLAlchemy's client time
            rows = run(connection, _CODES_FOR[history_in is not None], params)
        else:
            rows = connection.execute(codes_for_statement(with_history=history_in is not None,
                                                          postgresql=False), params)  # fmt: skip
        found, totals = {}, None
        for row in rows:
            if isinstance(row[5], str):  # PostgreSQL's terms, as text
                row = (*row[:5], _terms(row[3], row[5]), *row[6:])
            found[row[0]] = KnownCode(*row[:15])
            if history_in is not None:
                totals = tuple(Decimal(total) for total in (row[15] or "").split(",") if total)
        return LookedUp(found, totals)

    def claimable(self, codes: Iterable[str], inbound_id: int | None) -> dict[str, Claimable]:
        """The stored codes among `codes` with what reserving needs of their campaigns, and what
        the inbound message already did with each (its redemption, if any), by code: plain rows,
        no ORM entities, for the hot path."""
        found = {}
        params = {"codes": sorted(set(codes)), "inbound_id": inbound_id}
        for row in self.session.execute(CLAIMABLE, params):
            earlier_use = None if row[7] is None else Earlier(row[7], row[8], row[9])
            found[row[0]] = Claimable(row[1], row[2], row[3], row[4], row[5], row[6], earlier_use)
        return found

    def _flushed(self) -> Connection:
        """The session's connection, its pending changes sent first, as the ORM's queries do
        (the plain statements of the hot path run on the connection, without the ORM)."""
        if self.session.autoflush:
            self.session.flush()
        return self.session.connection()

    @property
    def _on_postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    @property
    def reserves_on_server(self) -> bool:
        """Whether reserving is one call of the server's function (PostgreSQL), not the steps
        of `take_use` and `add_redemption_within` (SQLite, under its database lock)."""
        return self._on_postgresql

    def reserve_on_server(
        self,
        codes_with_discounts: Sequence[tuple[str, Money]],
        *,
        holder: Holder,
        order_id: int | None,
        inbound_id: int | None,
        now: datetime,
        hold_until: datetime,
        event: ReservedEvent,
    ) -> list[ServerReservation]:
        """Reserve each code with its discount in one call of `mailbot_reserve_vouchers`
        (migration 0019), which does what `services.vouchers.redemptions.reserve` describes
        under each campaign's row lock, and record `event` of each reservation the call
        makes, all in one statement run on the DB-API cursor (`driver_sql`); one row per
        code, in campaign order, each with its hold in UTC."""
        params: dict[str, object] = {
            "codes": [code for code, _ in codes_with_discounts],
            "amounts": [discount.amount for _, discount in codes_with_discounts],
            "currencies": [discount.currency for _, discount in codes_with_discounts],
            "client_id": holder.client_id,
            "customer_ref": holder.customer_ref,
            "order_id": order_id,
            "order_ref": holder.order_ref,
            "api_key_id": holder.api_key_id,
            "inbound_id": inbound_id,
            "reserved_at": now,
            "hold_until": hold_until,
            "event_ids": [str(uuid.uuid4()) for _ in codes_with_discounts],
            "amount_texts": [str(discount.amount) for _, discount in codes_with_discounts],
            "event_type": event.type,
            "event_version": event.version,
            "aggregate_type": event.aggregate_type,
        }
        params |= {f"ch_{key}": value for key, value in event.channel.items()}
        sql = reserve_and_record_sql(tuple(event.channel))
        rows = run(self._flushed(), DriverStatement(sql, {}), params)
        return [
            ServerReservation(r[0], r[1], r[2], None if r[3] is None else r[3].astimezone(UTC),
                              r[4], r[5], r[6])
            for r in rows
        ]  # fmt: skip

    def take_use(self, campaign_id: int, discount: Money) -> Taken | None:
        """Count one more use of an active campaign and charge `discount` to its budget, unless
        the total limit is reached or the budget (in its currency) cannot take the discount;
        None then. SQLite only (PostgreSQL reserves with `reserve_on_server`): the guarded
        UPDATE counts the use; SQLite keeps decimals as text, so the budget is checked and
        charged after it (BEGIN IMMEDIATE already holds the whole database)."""
        taken = self.session.execute(TAKE_USE, {"campaign_id": campaign_id}).one_or_none()
        if taken is None:
            return None
        per_client, budget, currency, discount_used = taken
        if budget is None or currency is None:
            return Taken(per_client, None)
        room_left = max(budget - discount_used, Decimal(0))
        if discount.currency != currency or discount.amount > room_left:
            self.give_back_use(campaign_id, discount_used)
            return None
        self._set_discount_used(campaign_id, discount_used + discount.amount)
        return Taken(per_client, discount_used)

    def give_back_use(self, campaign_id: int, discount_used: Decimal | None) -> None:
        """Undo `take_use` in the same transaction, setting `discount_used` back to what it was
        (None: no budget, left alone): a later check refused the reservation."""
        values: dict[str, object] = {"used": VoucherCampaign.used - 1}
        if discount_used is not None:
            values["discount_used"] = discount_used
        query = (
            update(VoucherCampaign)
            .where(VoucherCampaign.id == campaign_id)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(query)

    def _set_discount_used(self, campaign_id: int, amount: Decimal) -> None:
        query = (
            update(VoucherCampaign)
            .where(VoucherCampaign.id == campaign_id)
            .values(discount_used=amount)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(query)

    def holding(self, campaign_id: int, holder: Holder, code_id: int) -> tuple[int, int]:
        """How many reservations and redemptions the customer holds in the campaign, and how
        many the code has."""
        by_client = held_count(
            VoucherRedemption.campaign_id == campaign_id,
            VoucherRedemption.client_id == holder.client_id
            if holder.client_id is not None
            else VoucherRedemption.customer_ref == holder.customer_ref,
        )
        row = self.session.execute(
            select(by_client, held_count(VoucherRedemption.code_id == code_id))
        )
        held = row.one()
        return held[0], held[1]

    def add_redemption_within(self, values: dict[str, object], *, per_client: int | None,
                              single_use: bool) -> int | None:  # fmt: skip
        """Insert a redemption unless the customer (its `client_id`, or without one its
        `customer_ref`) already holds `per_client` in the campaign, or (`single_use`) the code
        is held: one INSERT ... SELECT ... WHERE, so the counts are read in the same statement.
        With the campaign locked first (`take_use`), the statement sees every reservation
        committed before. The new id, or None when a count said no."""
        by = "client_id" if values.get("client_id") is not None else "customer_ref"
        query = insert_within(tuple(sorted(values)), per_client is not None, single_use, by)
        params = values | {"per_client": per_client}
        return self.session.execute(query, params).scalar_one_or_none()

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
