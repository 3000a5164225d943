"""What a new version of a supplier's price list changes, and when it must wait for a manager."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from mailbot.domain.money import Money

_TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class PriceChange:
    """One SKU in both versions with another price (or another currency)."""

    sku: str
    name: str
    old: Money
    new: Money

    @property
    def percent(self) -> Decimal | None:
        """The change in percent of the old price, to a tenth; None across currencies."""
        if self.old.currency != self.new.currency or not self.old.amount:
            return None
        change = (self.new.amount - self.old.amount) / self.old.amount * 100
        return change.quantize(_TENTH, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PriceChanges:
    """A new version against the supplier's version before it, counted in the database.

    `beyond_factor` counts prices that grew or shrank by more than the hold policy's factor;
    `largest` holds the biggest changes by absolute percent, `removed_skus` the first SKUs
    (in the old list's order) that the new version no longer has.
    """

    previous_id: int
    previous_source: str
    previous_rows: int
    kept: int
    up: int
    down: int
    currency_changed: int
    beyond_factor: int
    added: int
    largest: tuple[PriceChange, ...] = ()
    removed_skus: tuple[str, ...] = ()

    @property
    def removed(self) -> int:
        return self.previous_rows - self.kept

    @property
    def changed(self) -> int:
        return self.up + self.down + self.currency_changed


class PriceListStatus(StrEnum):
    """Where one imported version of a supplier's list stands."""

    IMPORTING = "importing"  # being read and compared; the supplier's old version still counts
    ACTIVE = "active"  # orders are priced from it; at most one per supplier
    REPLACED = "replaced"  # a newer version was applied
    HELD = "held"  # waiting for a manager
    REJECTED = "rejected"  # a manager refused it


class HoldKind(StrEnum):
    REMOVED_SHARE = "removed_share"
    PRICE_FACTOR = "price_factor"
    # Sent by mail with nothing more than a From header to show it comes from the supplier:
    # no reply to mailbot's mail, no sender authentication (see services/orders/proof.py).
    UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class HoldPolicy:
    """A list removing more than `max_removed_share` (0-1) of the supplier's current items,
    or changing a price by more than `max_price_factor` either way, waits for a manager."""

    max_removed_share: Decimal = Decimal("0.5")
    max_price_factor: Decimal = Decimal(3)


@dataclass(frozen=True, slots=True)
class HoldReason:
    """Why a list is held: `count` of `total` rows broke the rule whose limit is `limit`."""

    kind: HoldKind
    count: int
    total: int
    limit: Decimal

    @property
    def share_percent(self) -> Decimal:
        """`count` in percent of `total`, to a tenth."""
        if not self.total:
            return Decimal(0)
        return (Decimal(self.count) / self.total * 100).quantize(_TENTH, ROUND_HALF_UP)

    @property
    def limit_percent(self) -> Decimal:
        """A share `limit` (0-1) in percent."""
        return (self.limit * 100).normalize()

    def describe(self) -> str:
        """The reason in English, for the command line and the version's record."""
        if self.kind is HoldKind.UNVERIFIED:
            return (
                "sent by mail without proof of its sender (no reply to our mail, not authenticated)"
            )
        if self.kind is HoldKind.REMOVED_SHARE:
            return (
                f"removes {self.count} of {self.total} items ({self.share_percent}%), "
                f"more than the allowed {self.limit_percent:f}%"
            )
        return f"{self.count} price(s) change by more than a factor of {self.limit.normalize():f}"


# A list held because its mail did not prove its sender: no rows or limit to count.
UNVERIFIED = HoldReason(HoldKind.UNVERIFIED, 0, 0, Decimal(0))


def hold_reasons(changes: PriceChanges | None, policy: HoldPolicy) -> tuple[HoldReason, ...]:
    """The reasons to hold a version with these changes; empty when it may be applied."""
    if changes is None:  # a supplier's first list has nothing to compare with
        return ()
    reasons: list[HoldReason] = []
    total = changes.previous_rows
    if total and Decimal(changes.removed) > policy.max_removed_share * total:
        reasons.append(
            HoldReason(HoldKind.REMOVED_SHARE, changes.removed, total, policy.max_removed_share)
        )
    if changes.beyond_factor:
        reasons.append(
            HoldReason(
                HoldKind.PRICE_FACTOR, changes.beyond_factor, changes.kept, policy.max_price_factor
            )
        )
    return tuple(reasons)
