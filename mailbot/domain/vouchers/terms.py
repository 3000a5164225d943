"""A voucher's terms: its benefit, whether it is exclusive, and its restrictions in order.

Terms are stored as a JSON object (see README, "Vouchers"); `VoucherTerms.from_dict` reads one
and says exactly which field is wrong, `to_dict` writes it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from mailbot.domain.money import CurrencyError, Money, iso_currency
from mailbot.domain.vouchers.benefits import Benefit, Fixed, FreeShipping, Percent
from mailbot.domain.vouchers.line_rules import LINE_RULE_FIELDS, LineRule
from mailbot.domain.vouchers.outcomes import NO_MESSAGE, Rule
from mailbot.domain.vouchers.restrictions import (
    ClientGroups,
    DateWindow,
    NewClient,
    OrderTotal,
    PastOrders,
    PastRevenue,
    ProductQuantity,
    Restriction,
)
from mailbot.errors import MailbotError

_PLACEHOLDERS = {"actual": "", "required": "", "gap": ""}


class TermsError(MailbotError):
    """A voucher's terms document is not valid; the message names the field."""


@dataclass(frozen=True, slots=True)
class VoucherTerms:
    """What a voucher gives, whether it combines with other codes, and its rules in order."""

    benefit: Benefit
    exclusive: bool = False
    restrictions: tuple[Restriction, ...] = ()

    @property
    def line_rules(self) -> tuple[LineRule, ...]:
        """The rules that choose the lines the discount covers."""
        return tuple(rule for rule in self.restrictions if isinstance(rule, LineRule))

    @classmethod
    def from_dict(cls, document: object) -> VoucherTerms:
        """Terms from their JSON form. Raises TermsError naming the first bad field."""
        fields = _Fields(document, "terms")
        benefit = _benefit(_Fields(fields.take("benefit", required=True), "benefit"))
        exclusive = fields.boolean("exclusive")
        listed = fields.take("restrictions")
        fields.done()
        if listed is None:
            listed = []
        if not isinstance(listed, list):
            raise TermsError("restrictions: expected a list")
        restrictions = tuple(
            _restriction(_Fields(item, f"restrictions[{index}]"))
            for index, item in enumerate(listed)
        )
        return cls(benefit, exclusive, restrictions)

    def to_dict(self) -> dict[str, object]:
        """The JSON form: `from_dict(terms.to_dict()) == terms`."""
        restrictions = []
        for rule in self.restrictions:
            found = rule.to_dict()
            if rule.invert:
                found["invert"] = True
            if rule.message:
                found["message"] = dict(rule.message)
            restrictions.append(found)
        return {
            "benefit": self.benefit.to_dict(),
            "exclusive": self.exclusive,
            "restrictions": restrictions,
        }


class _Fields:
    """One JSON object being read: typed access by key, each error naming `where.key`."""

    def __init__(self, document: object, where: str) -> None:
        if not isinstance(document, Mapping):
            raise TermsError(f"{where}: expected an object")
        self.document: Mapping[str, Any] = document
        self.where = where
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> TermsError:
        return TermsError(f"{self.where}.{key}: {problem}")

    def take(self, key: str, *, required: bool = False) -> Any:
        self.used.add(key)
        value = self.document.get(key)
        if value is None and required:
            raise self.error(key, "missing")
        return value

    def done(self) -> None:
        unknown = sorted(str(key) for key in self.document if key not in self.used)
        if unknown:
            raise TermsError(f"{self.where}: unknown field {unknown[0]!r}")

    def boolean(self, key: str) -> bool:
        value = self.take(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def text(self, key: str, *, choices: tuple[str, ...] = (), default: str = "") -> str:
        value = self.take(key, required=not default)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a non-empty text, got {value!r}")
        if choices and value not in choices:
            raise self.error(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value.strip()

    def names(self, key: str) -> tuple[str, ...]:
        value = self.take(key, required=True)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(item, str) and item.strip() for item in value)
        ):
            raise self.error(key, "expected a non-empty list of names")
        return tuple(item.strip() for item in value)

    def count(self, key: str) -> int | None:
        value = self.take(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(key, f"expected a whole number of at least 0, got {value!r}")
        return int(value)

    def decimal(self, key: str, *, required: bool = False) -> Decimal | None:
        value = self.take(key, required=required)
        if value is None:
            return None
        try:
            number = Decimal(value) if isinstance(value, str | int) else None
        except InvalidOperation:
            number = None
        if isinstance(value, bool) or number is None or not number.is_finite() or number < 0:
            raise self.error(key, f"expected an amount as a decimal text, got {value!r}")
        return number

    def currency(self, key: str = "currency") -> str:
        try:
            return iso_currency(self.text(key))
        except CurrencyError as exc:
            raise self.error(key, str(exc)) from exc

    def day(self, key: str) -> date | None:
        value = self.take(key)
        if value is None:
            return None
        problem = self.error(key, f"expected a date as YYYY-MM-DD, got {value!r}")
        if not isinstance(value, str):
            raise problem
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise problem from exc

    def message(self) -> Mapping[str, str]:
        value = self.take("message")
        if value is None:
            return NO_MESSAGE
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self.error("message", "expected an object of language: text")
        for language, text in value.items():
            try:
                text.format(**_PLACEHOLDERS)
            except (KeyError, IndexError, ValueError) as exc:
                raise self.error(
                    f"message.{language}", "only {actual}, {required} and {gap} may be filled in"
                ) from exc
        return MappingProxyType(dict(value))


def _benefit(fields: _Fields) -> Benefit:
    kind = fields.text("kind", choices=("percent", "fixed", "free_shipping"))
    benefit: Benefit
    if kind == "percent":
        value = fields.decimal("value", required=True)
        if value is None or not 0 < value <= 100:
            raise fields.error("value", "a percentage must be above 0 and at most 100")
        cap = fields.decimal("max_discount")
        if cap is not None:
            benefit = Percent(value, Money(cap, fields.currency()))
        elif fields.take("currency") is not None:
            raise fields.error("currency", "a percentage has a currency only with max_discount")
        else:
            benefit = Percent(value)
    elif kind == "fixed":
        value = fields.decimal("value", required=True)
        if value is None or value <= 0:
            raise fields.error("value", "a fixed amount must be above 0")
        benefit = Fixed(Money(value, fields.currency()))
    else:
        benefit = FreeShipping()
    fields.done()
    return benefit


def _bounds(fields: _Fields, read: Callable[[str], Any]) -> tuple[Any, Any]:
    low, high = read("min"), read("max")
    if low is None and high is None:
        raise fields.error("min", "give a min, a max or both")
    if low is not None and high is not None and _size(low) > _size(high):
        raise fields.error("max", "must not be below min")
    return low, high


def _size(value: Money | int) -> Decimal:
    return value.amount if isinstance(value, Money) else Decimal(value)


def _money_bounds(fields: _Fields) -> tuple[str, str, Money | None, Money | None]:
    basis = fields.text("basis", choices=("net", "gross"), default="net")
    currency = fields.currency()

    def money(key: str) -> Money | None:
        amount = fields.decimal(key)
        return None if amount is None else Money(amount, currency)

    low, high = _bounds(fields, money)
    return basis, currency, low, high


def _restriction(fields: _Fields) -> Restriction:
    name = fields.text("rule", choices=tuple(_READERS))
    rule = Rule(name)
    invert, message = fields.boolean("invert"), fields.message()
    found = _READERS[name](fields, rule, invert, message)
    fields.done()
    return found


Reader = Callable[[_Fields, Rule, bool, Mapping[str, str]], Restriction]


def _line_rule(fields: _Fields, rule: Rule, invert: bool, message: Mapping[str, str]) -> LineRule:
    return LineRule(rule, fields.names(LINE_RULE_FIELDS[rule]), invert, message)


def _past_orders(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> PastOrders:
    low, high = _bounds(fields, fields.count)
    return PastOrders(min=low, max=high, invert=invert, message=message)


def _past_revenue(
    fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]
) -> PastRevenue:
    basis, currency, low, high = _money_bounds(fields)
    return PastRevenue(
        basis=basis, currency=currency, min=low, max=high, invert=invert, message=message
    )


def _order_total(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> OrderTotal:
    basis, currency, low, high = _money_bounds(fields)
    return OrderTotal(
        basis=basis, currency=currency, min=low, max=high, invert=invert, message=message
    )


def _quantity(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> Restriction:
    sku = fields.text("sku")
    low, high = _bounds(fields, fields.count)
    return ProductQuantity(sku=sku, min=low, max=high, invert=invert, message=message)


def _new_client(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> NewClient:
    return NewClient(invert=invert, message=message)


def _groups(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> ClientGroups:
    return ClientGroups(groups=fields.names("groups"), invert=invert, message=message)


def _window(fields: _Fields, _: Rule, invert: bool, message: Mapping[str, str]) -> DateWindow:
    start, end = fields.day("start"), fields.day("end")
    if start is None and end is None:
        raise fields.error("start", "give a start, an end or both")
    if start is not None and end is not None and start > end:
        raise fields.error("end", "must not be before start")
    return DateWindow(start=start, end=end, invert=invert, message=message)


# Rules are registered here, in code; the terms document only names them.
_READERS: dict[str, Reader] = {
    Rule.PAST_ORDERS: _past_orders,
    Rule.PAST_REVENUE: _past_revenue,
    Rule.NEW_CLIENT: _new_client,
    Rule.ORDER_TOTAL: _order_total,
    Rule.PRODUCTS: _line_rule,
    Rule.PRODUCT_QUANTITY: _quantity,
    Rule.BRANDS: _line_rule,
    Rule.CATEGORIES: _line_rule,
    Rule.CLIENT_GROUPS: _groups,
    Rule.DATE_WINDOW: _window,
}
