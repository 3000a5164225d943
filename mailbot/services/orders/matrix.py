"""A manager correcting the order matrix: when an order file went to a supplier, when the
supplier confirmed, when and how it shipped. The old and new values, the reason and who made
the correction are recorded as an `order.matrix_corrected` event; the order's status does not
move (a correction is not a step of the order's life)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Final

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.errors import MailbotError
from mailbot.services.partners.registry import PartnerError, normalise_address
from mailbot.storage.models import SupplierOrder
from mailbot.storage.unit_of_work import UnitOfWork

# The fields of a supplier's part that may be corrected, and what each holds.
FIELDS: Final = {
    "sent_at": "time",
    "confirmed_at": "time",
    "shipped_at": "time",
    "ship_date": "date",
    "ship_method": "text",
}


class MatrixError(MailbotError):
    """A correction that cannot be made: unknown order, supplier or field, a bad value."""


class NoSuchPartError(MatrixError):
    """The order does not exist, or has no part of that supplier."""


def correct_matrix(
    uow: Callable[[], UnitOfWork],
    number: str,
    *,
    supplier: str,
    field: str,
    value: str,
    reason: str,
    now: datetime,
    by: Actor | None,
) -> SupplierOrder:
    """Set `field` of `supplier`'s part of order `number` to `value` (a time in ISO 8601 with
    its offset, a date YYYY-MM-DD, or the shipping method's words), for `reason`."""
    kind = FIELDS.get(field)
    if kind is None:
        raise MatrixError(f"field must be one of {', '.join(FIELDS)}, not {field!r}")
    if not reason.strip():
        raise MatrixError("a correction says why (a reason)")
    new = _value(kind, value)
    try:
        address = normalise_address(supplier)
    except PartnerError as error:
        raise MatrixError(str(error)) from None
    with uow() as unit:
        order = unit.orders.by_number(number.strip().upper())
        partner = unit.partners.by_address(address)
        parts = [] if order is None else unit.order_records.supplier_orders(order.id)
        part = next((p for p in parts if partner is not None and p.supplier_id == partner.id), None)
        if order is None or part is None:
            raise NoSuchPartError(f"order {number} has no part of {supplier}")
        if field == "sent_at" and new is None:
            raise MatrixError("an order file that went has a time it went")
        old = getattr(part, field)
        setattr(part, field, new)
        payload = {
            "order": order.number,
            "supplier": part.supplier_id,
            "field": field,
            "before": _shown(old),
            "after": _shown(new),
            "reason": reason.strip()[:500],
        }
        unit.events.record(EventType.ORDER_MATRIX_CORRECTED, order.number, signed(payload, by), now)
        part.supplier  # noqa: B018 - load before the session closes: callers show it
        unit.commit()
        return part


def _value(kind: str, value: str) -> datetime | date | str | None:
    text = value.strip()
    if kind == "text":
        if len(text) > 100:
            raise MatrixError("a shipping method is at most 100 characters")
        return text
    if not text:
        return None  # not happened (yet)
    try:
        if kind == "date":
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MatrixError(f"not a {kind} in ISO 8601: {value!r}") from None
    if moment.tzinfo is None:
        raise MatrixError(f"a time with its offset, e.g. 2026-12-03T14:00:00+02:00: {value!r}")
    return moment.astimezone(UTC)


def _shown(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)
