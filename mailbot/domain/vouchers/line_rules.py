"""Restrictions that pick the lines a voucher covers: products, brands, categories.

Each narrows a selection of lines; the discount is computed on what is left after all of them,
and the rule fails when nothing is left. Inverted, a rule keeps the lines it does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mailbot.domain.pricing import normalise_sku
from mailbot.domain.vouchers.basket import Basket, BasketLine
from mailbot.domain.vouchers.outcomes import (
    Action,
    Check,
    Problem,
    Rule,
    Scope,
    Suggestion,
    no_message,
)


@dataclass(frozen=True, slots=True)
class Selection:
    """The lines a voucher covers so far, and the line rules that chose them (for "of brand
    BPW" in a suggestion)."""

    lines: tuple[BasketLine, ...]
    scope: tuple[Scope, ...] = ()


@dataclass(frozen=True, slots=True)
class LineRule:
    """Lines whose SKU, brand or category (by `rule`) is one of `values`, compared without
    regard to case and surrounding spaces."""

    rule: Rule
    values: tuple[str, ...]
    invert: bool = False
    message: Mapping[str, str] = field(default_factory=no_message, compare=False)

    @property
    def scope(self) -> Scope:
        return Scope(self.rule, self.values, self.invert)

    def attribute(self, line: BasketLine) -> str:
        if self.rule is Rule.PRODUCTS:
            return line.sku
        if self.rule is Rule.BRANDS:
            return line.brand
        return line.category

    def narrow(self, selection: Selection) -> Selection:
        """The lines of `selection` this rule keeps."""
        named = {_key(value) for value in self.values}  # once, not for every line
        kept = tuple(
            line for line in selection.lines if (_key(self.attribute(line)) in named) != self.invert
        )
        return Selection(kept, selection.scope)

    def check(self, basket: Basket, selection: Selection) -> Check:
        """Passes when some line of `selection` is kept; else says what the lines hold and
        suggests adding a line the whole scope covers."""
        if self.narrow(selection).lines:
            return Check(self.rule)
        present = tuple(dict.fromkeys(self.attribute(line) for line in selection.lines))
        return Check(
            self.rule,
            Problem.EXCLUDED if self.invert else Problem.MISSING,
            actual=present,
            required=self.values,
            suggestion=Suggestion(Action.ADD_ITEM, scope=selection.scope or (self.scope,)),
            message=self.message,
        )

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule.value, LINE_RULE_FIELDS[self.rule]: list(self.values)}


# The key of each line rule's names in the terms document.
LINE_RULE_FIELDS: Mapping[Rule, str] = {
    Rule.PRODUCTS: "skus",
    Rule.BRANDS: "brands",
    Rule.CATEGORIES: "categories",
}


def _key(text: str) -> str:
    return normalise_sku(text).casefold()
