"""The voucher tables: campaigns, their codes, and each use of a code for an order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mailbot.storage.base import Base


class VoucherCampaign(Base):
    """A voucher defined once: its terms (a JSON document the domain reads) and its limits.

    `used` counts reservations and redemptions (not released ones) and `discount_used` their
    discounts in `budget_currency`; both change only under the campaign's row lock, which every
    reservation and release takes first.
    """

    __tablename__ = "voucher_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # promotional | serial
    prefix: Mapped[str | None] = mapped_column(String(3), unique=True)
    terms: Mapped[dict[str, Any]]
    max_redemptions: Mapped[int | None]
    per_client_limit: Mapped[int | None]
    budget: Mapped[Decimal | None]
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)
    used: Mapped[int] = mapped_column(default=0)
    discount_used: Mapped[Decimal] = mapped_column(default=Decimal(0))
    created_at: Mapped[datetime]
    # The supplier that funds it (its campaign, limited to its own brands or SKUs), if one.
    funded_by: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class VoucherCode(Base):
    """A code of a campaign, stored normalised; `client_id` set: only that client may use it."""

    __tablename__ = "voucher_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("voucher_campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    display: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime]


class VoucherRedemption(Base):
    """One use of a code for an order: reserved, then redeemed or released.

    `terms` is a frozen copy of the campaign's terms when it was reserved. Each step by mail
    names the inbound message that caused it; a message reserves a code at most once. A step
    over the HTTP API names the API key that took it instead, and the channel's order
    reference. The customer is a partner (`client_id`) or, for a retail channel, the channel's
    own reference of it (`customer_ref`), under which per-customer limits count.
    """

    __tablename__ = "voucher_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("voucher_codes.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("voucher_campaigns.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    order_ref: Mapped[str | None] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    redeemed_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    released_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    status: Mapped[str] = mapped_column(String(16))  # reserved | redeemed | released
    discount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[dict[str, Any]]
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    redeemed_inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    released_inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    reserved_at: Mapped[datetime]
    hold_until: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        UniqueConstraint("code_id", "inbound_message_id"),
        Index("ix_voucher_redemptions_campaign_client", "campaign_id", "client_id", "status"),
        Index("ix_voucher_redemptions_status_hold", "status", "hold_until"),
        Index(
            "ix_voucher_redemptions_campaign_customer_ref", "campaign_id", "customer_ref", "status"
        ),
    )
