"""Events: what mailbot tells the ERP, in an envelope of its own (see docs/events.md).

An event names its type (dotted, past tense: `order.agreed`), the aggregate it belongs to
(`order` ORD-2026-000001, `partner` 7, ...) and a JSON payload in which every amount is a
decimal string beside its currency. The envelope adds a unique `message_id`, the schema
`version` of the type, when it happened, and the aggregate's sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

# The envelope's own layout; a type's payload has its version in `VERSIONS`.
ENVELOPE = "mailbot.event/1"


class AggregateKind(StrEnum):
    ORDER = "order"
    PARTNER = "partner"
    PRICE_LIST = "price_list"
    VOUCHER_CAMPAIGN = "voucher_campaign"
    MESSAGE = "message"
    MAIL = "mail"
    ADDRESS = "address"
    DESK = "desk"  # the distributor's desk as a whole: digests, reports
    API_KEY = "api_key"


class EventType(StrEnum):
    ORDER_QUOTED = "order.quoted"
    ORDER_HELD = "order.held"
    ORDER_AGREED = "order.agreed"
    ORDER_RELEASED = "order.released"
    ORDER_SENT = "order.sent"
    ORDER_PARTIAL_ACCEPTED = "order.partial_accepted"
    ORDER_CONFIRMED = "order.confirmed"
    ORDER_SHIPPED = "order.shipped"
    ORDER_CLOSED = "order.closed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_EXPIRED = "order.expired"
    ORDER_SUPPLIER_CONFIRMED = "order.supplier_confirmed"
    ORDER_SUPPLIER_SHIPPED = "order.supplier_shipped"
    ORDER_MATRIX_CORRECTED = "order.matrix_corrected"
    ORDER_ACT_NOT_PROVEN = "order.act_not_proven"
    ORDER_DEADLINE_REMINDED = "order.deadline_reminded"
    ORDER_DEADLINE_ESCALATED = "order.deadline_escalated"
    PRICE_LIST_IMPORTED = "price_list.imported"
    PRICE_LIST_ACTIVATED = "price_list.activated"
    PRICE_LIST_HELD = "price_list.held"
    PRICE_LIST_RELEASED = "price_list.released"
    PRICE_LIST_REJECTED = "price_list.rejected"
    PRICE_LIST_ITEMS_UPDATED = "price_list.items_updated"
    VOUCHER_CAMPAIGN_CREATED = "voucher.campaign_created"
    VOUCHER_CODES_ISSUED = "voucher.codes_issued"
    VOUCHER_CODE_RESERVED = "voucher.code_reserved"
    VOUCHER_CODE_REDEEMED = "voucher.code_redeemed"
    VOUCHER_CODE_RELEASED = "voucher.code_released"
    VOUCHER_COMPENSATION_ISSUED = "voucher.compensation_issued"
    PARTNER_ADDED = "partner.added"
    PARTNER_CHANGED = "partner.changed"
    PARTNER_DEACTIVATED = "partner.deactivated"
    PARTNER_REACTIVATED = "partner.reactivated"
    PARTNER_PRICE_LIST_SENT = "partner.price_list_sent"
    LEDGER_ENTRY_BOOKED = "ledger.entry_booked"
    PAYMENT_BOOKED = "payment.booked"
    MESSAGE_QUARANTINED = "message.quarantined"
    MESSAGE_RETRIED = "message.retried"
    MESSAGE_LET_THROUGH = "message.let_through"
    MAIL_SUPPRESSED = "mail.suppressed"
    MAIL_INTERRUPTED = "mail.interrupted"
    MAIL_UNDELIVERABLE = "mail.undeliverable"
    MAIL_BOUNCED = "mail.bounced"
    MAIL_REQUEUED = "mail.requeued"
    MAIL_CANCELLED = "mail.cancelled"
    MAIL_TOO_LARGE = "mail.too_large"
    MAIL_DIGESTED = "mail.digested"
    ADDRESS_SUPPRESSED = "address.suppressed"
    ADDRESS_CLEARED = "address.cleared"
    DESK_DIGEST_SENT = "desk.digest_sent"
    DESK_STALE_PRICE_LISTS = "desk.stale_price_lists"
    API_KEY_ISSUED = "api_key.issued"
    API_KEY_REVOKED = "api_key.revoked"

    @property
    def aggregate(self) -> AggregateKind:
        """The kind of aggregate an event of this type belongs to."""
        found = AGGREGATES.get(self)
        return AggregateKind(self.value.partition(".")[0]) if found is None else found


AGGREGATES: Final[Mapping[EventType, AggregateKind]] = {
    EventType.VOUCHER_CAMPAIGN_CREATED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.VOUCHER_CODES_ISSUED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.VOUCHER_CODE_RESERVED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.VOUCHER_CODE_REDEEMED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.VOUCHER_CODE_RELEASED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.VOUCHER_COMPENSATION_ISSUED: AggregateKind.VOUCHER_CAMPAIGN,
    EventType.LEDGER_ENTRY_BOOKED: AggregateKind.PARTNER,
    EventType.PAYMENT_BOOKED: AggregateKind.PARTNER,
}


class InboundType(StrEnum):
    """What the ERP sends mailbot, in the same envelope (see services/erp/)."""

    PAYMENT_RECEIVED = "erp.payment_received"
    ORDER_STATUS = "erp.order_status"
    PARTNER_CREATED = "erp.partner_created"
    PARTNER_CHANGED = "erp.partner_changed"
    SUPPLIER_ITEMS = "erp.supplier_items"


# The schema version of each type's payload; a type whose payload changes incompatibly gets
# the next one, and its schema file says which it describes.
VERSIONS: Final[Mapping[EventType, int]] = dict.fromkeys(EventType, 1)


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event as it leaves mailbot."""

    message_id: str
    type: str
    version: int
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    sequence: int
    payload: Mapping[str, object]

    def to_json(self) -> dict[str, object]:
        """The envelope as the JSON object docs/events.md describes."""
        return {
            "envelope": ENVELOPE,
            "message_id": self.message_id,
            "type": self.type,
            "version": self.version,
            "occurred_at": utc_text(self.occurred_at),
            "aggregate": {
                "type": self.aggregate_type,
                "id": self.aggregate_id,
                "sequence": self.sequence,
            },
            "payload": dict(self.payload),
        }


def utc_text(moment: datetime) -> str:
    """`moment` in UTC as ISO 8601 with a `Z`, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """An amount as events carry it: a decimal string beside its ISO 4217 currency."""
    return {"amount": str(amount), "currency": currency}
