"""Reserving voucher codes, the writes that count against a campaign's limits: on PostgreSQL one
call of the server's function that also records the events, on SQLite the guarded UPDATE that
counts a use, the checks under its lock and the INSERT of the reservation. Who a reservation is
for (`Holder`) and what each step answers are here too."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select, update

from mailbot.domain.money import Money
from mailbot.storage.driver_sql import DriverStatement, PlainStatements, run
from mailbot.storage.models import VoucherCampaign, VoucherRedemption
from mailbot.storage.voucher_statements import (
    CLAIMABLE,
    TAKE_USE,
    held_count,
    insert_within,
    reserve_and_record_sql,
)


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
    retail channel's reference of it (`customer_ref`); the API key making it (None: mail), by
    id and by the name its events give it, and the channel's order reference."""

    client_id: int | None
    customer_ref: str | None = None
    api_key_id: int | None = None
    order_ref: str | None = None
    api_key_name: str | None = None


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


class VoucherReservations(PlainStatements):
    """The reserving part of `Vouchers`."""

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
        (migration 0019), which does what `services.vouchers.reservations.reserve` describes
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
