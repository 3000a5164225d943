"""The order sections: how much of an order is read, how its prices are worked out (markups,
rules, VAT), how suppliers' price lists are read and checked, and the deadlines an order's
steps run against."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from pydantic import Field, ValidationInfo, field_validator

from mailbot.config.section import Section
from mailbot.domain.money import iso_currency


class MarkupRuleConfig(Section):
    """One `[[pricing.rules]]` table: what it matches (empty: anything) and what it adds."""

    group: str = ""
    brand: str = ""
    category: str = ""
    supplier: str = ""
    currency: str = ""
    percent: Decimal = Field(Decimal(0), ge=-100)
    fixed: Decimal = Field(Decimal(0), ge=0)
    min_margin: Decimal | None = Field(None, ge=0)

    @field_validator("currency")
    @classmethod
    def _rule_currency(cls, currency: str) -> str:
        return iso_currency(currency) if currency else currency

    @field_validator("supplier")
    @classmethod
    def _supplier_address(cls, supplier: str) -> str:
        if supplier and "@" not in supplier:
            raise ValueError(f"{supplier!r} is not a supplier's e-mail address")
        return supplier.strip().lower()


class PricingConfig(Section):
    default_markup_percent: Decimal = Field(Decimal(20), ge=-100)
    supplier_markup_percent: dict[str, Decimal] = Field(default_factory=dict)
    currency: str = "EUR"
    vat_percent: Decimal = Field(Decimal(21), ge=0, le=100)
    psychological_ending: Decimal | None = None
    supplier_priority: dict[str, int] = Field(default_factory=dict)
    rules: tuple[MarkupRuleConfig, ...] = ()

    @field_validator("currency")
    @classmethod
    def _currency(cls, currency: str) -> str:
        return iso_currency(currency)

    @field_validator("psychological_ending", mode="before")
    @classmethod
    def _no_ending(cls, ending: object) -> object:
        return None if isinstance(ending, str) and not ending.strip() else ending

    @field_validator("psychological_ending")
    @classmethod
    def _fraction(cls, ending: Decimal | None) -> Decimal | None:
        if ending is not None and not 0 <= ending < 1:
            raise ValueError('must be empty or a fraction at least 0 and under 1, e.g. "0.90"')
        return ending


PRICE_FIELDS = ("sku", "name", "price", "currency", "stock", "brand", "category", "delivery_days")


class SupplierPriceListConfig(Section):
    """One `[price_lists.suppliers."ADDRESS"]` table: how that supplier writes its lists."""

    columns: dict[str, str] = Field(default_factory=dict)
    currency: str = ""
    vat_included: bool = False

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(PRICE_FIELDS))
        if unknown:
            known = ", ".join(PRICE_FIELDS)
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {known}")
        return columns

    @field_validator("currency")
    @classmethod
    def _list_currency(cls, currency: str) -> str:
        return iso_currency(currency) if currency else currency


class PriceListsConfig(Section):
    max_rows: int = Field(200_000, gt=0)
    max_unpacked_bytes: int = Field(200 * 2**20, gt=0)
    max_removed_share: Decimal = Field(Decimal("0.5"), gt=0, le=1)
    max_price_factor: Decimal = Field(Decimal(3), gt=1)
    largest_changes: int = Field(10, ge=0)
    removed_shown: int = Field(20, ge=0)
    stale_days: int = Field(14, gt=0)
    suppliers: dict[str, SupplierPriceListConfig] = Field(default_factory=dict)

    @field_validator("suppliers")
    @classmethod
    def _addresses(
        cls, suppliers: dict[str, SupplierPriceListConfig]
    ) -> dict[str, SupplierPriceListConfig]:
        for address in suppliers:
            if "@" not in address:
                raise ValueError(f"{address!r} is not a supplier's e-mail address")
        return {address.strip().lower(): settings for address, settings in suppliers.items()}


class OrdersConfig(Section):
    max_quantity: int = Field(100_000, gt=0)
    max_rows: int = Field(10_000, gt=0)
    max_attachments: int = Field(20, gt=0)
    max_unpacked_bytes: int = Field(50 * 2**20, gt=0)
    max_pdf_pages: int = Field(50, gt=0)
    max_pdf_seconds: float = Field(20.0, gt=0)
    # Order lines of one message, body and every file together; past it the order is refused
    # with a short reply, and reading stops there.
    max_lines: int = Field(2000, gt=0)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DeadlinesConfig(Section):
    """Deadline windows and stages, in hours that count (business hours when on)."""

    agreement_hours: float = Field(48, gt=0)
    supplier_confirmation_hours: float = Field(24, gt=0)
    reminder_hours_before: float = Field(8, ge=0)
    escalation_hours_after: float = Field(2, ge=0)
    # Checked against the keys before them even when left at their defaults.
    expiry_hours_after: float = Field(8, ge=0, validate_default=True)
    # The shipping promise when a supplier's price list gives no delivery days for the lines.
    shipping_days: int = Field(5, gt=0)
    business_hours: bool = True
    opens: time = time(9)
    closes: time = Field(time(18), validate_default=True)
    days: tuple[str, ...] = WEEKDAYS[:5]
    lease_seconds: int = Field(300, gt=0)

    @field_validator("expiry_hours_after")
    @classmethod
    def _after_escalation(cls, hours: float, info: ValidationInfo) -> float:
        escalation = info.data.get("escalation_hours_after")
        if escalation is not None and hours < escalation:
            raise ValueError("must be at least escalation_hours_after (expiry comes last)")
        return hours

    @field_validator("closes")
    @classmethod
    def _after_opening(cls, closes: time, info: ValidationInfo) -> time:
        opens = info.data.get("opens")
        if opens is not None and closes <= opens:
            raise ValueError("must be later than opens")
        return closes

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        named = tuple(day.strip().lower()[:3] for day in days)
        unknown = [day for day, short in zip(days, named, strict=True) if short not in WEEKDAYS]
        if unknown or not named:
            raise ValueError(f"must be some of {', '.join(WEEKDAYS)}, not {list(days)!r}")
        return named

    @property
    def weekdays(self) -> frozenset[int]:
        """The open days as numbers, Monday 0."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)
