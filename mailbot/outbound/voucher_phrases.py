"""What the replies say about voucher codes: a message id for each rule's failure, each kind
of change that would qualify, and why a code was applied or left out.

Like `phrases.py`, the ids live in code so that a test can check that every rule, problem,
change and reason has words; each language's words are in its catalogue. Placeholders:
%(what)s (the rule in words), %(actual)s, %(required)s, %(gap)s; %(amount)s, %(basis)s,
%(scope)s, %(target)s in changes; %(values)s in scopes; %(others)s in skips; %(amount)s and
%(positions)s when a code is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mailbot.domain.vouchers import Action, Problem, Rule, SkipReason
from mailbot.outbound.translations import N_, Nn_, Plural

RULES: Final[Mapping[Rule, str]] = {
    Rule.PAST_ORDERS: N_("number of earlier orders"),
    Rule.PAST_REVENUE: N_("revenue of earlier orders"),
    Rule.NEW_CLIENT: N_("new clients only"),
    Rule.ORDER_TOTAL: N_("order total"),
    Rule.PRODUCTS: N_("products"),
    Rule.PRODUCT_QUANTITY: N_("quantity of %(subject)s"),
    Rule.BRANDS: N_("brands"),
    Rule.CATEGORIES: N_("categories"),
    Rule.CLIENT_GROUPS: N_("client group"),
    Rule.DATE_WINDOW: N_("validity"),
    Rule.CURRENCY: N_("the discount"),
}

# NOT_NEW counts the client's earlier orders, so it has a plural.
PROBLEMS: Final[Mapping[Problem, str | Plural]] = {
    Problem.BELOW_MIN: N_(
        "%(what)s is %(actual)s; at least %(required)s is needed (%(gap)s short)"
    ),
    Problem.ABOVE_MAX: N_("%(what)s is %(actual)s; at most %(required)s is allowed (%(gap)s over)"),
    Problem.NOT_BELOW: N_("%(what)s is %(actual)s; it must be below %(required)s"),
    Problem.NOT_ABOVE: N_("%(what)s is %(actual)s; it must be above %(required)s"),
    Problem.IN_RANGE: N_("%(what)s is %(actual)s; it must be outside %(required)s"),
    Problem.MISSING: N_("%(what)s: only for %(required)s (the order has %(actual)s)"),
    Problem.EXCLUDED: N_("%(what)s: not for %(required)s (the order has %(actual)s)"),
    Problem.NOT_NEW: Nn_(
        "for new clients only; you have %(actual)s earlier order",
        "for new clients only; you have %(actual)s earlier orders",
    ),
    Problem.NEW: N_("for returning clients only; this is your first order"),
    Problem.BEFORE_START: N_("valid from %(required)s; the order was received on %(actual)s"),
    Problem.AFTER_END: N_("valid until %(required)s; the order was received on %(actual)s"),
    Problem.IN_WINDOW: N_(
        "not valid in the period %(required)s; the order was received on %(actual)s"
    ),
    Problem.OTHER_CURRENCY: N_("%(what)s is in %(required)s, the order in %(actual)s"),
}

ACTIONS: Final[Mapping[Action, str]] = {
    Action.ADD_AMOUNT: N_("add %(amount)s %(basis)s%(scope)s"),
    Action.REMOVE_AMOUNT: N_("remove %(amount)s %(basis)s%(scope)s"),
    Action.ADD_QUANTITY: N_("%(amount)s more of %(target)s"),
    Action.REMOVE_QUANTITY: N_("%(amount)s fewer of %(target)s"),
    Action.ADD_ITEM: N_("add a product%(scope)s"),
}

# A line rule as the scope of a change: plain, inverted.
SCOPES: Final[Mapping[Rule, tuple[str, str]]] = {
    Rule.PRODUCTS: (N_(" from %(values)s"), N_(" other than %(values)s")),
    Rule.BRANDS: (N_(" of brand %(values)s"), N_(" not of brand %(values)s")),
    Rule.CATEGORIES: (N_(" in category %(values)s"), N_(" outside category %(values)s")),
}

SKIPS: Final[Mapping[SkipReason, str]] = {
    SkipReason.EXCLUSIVE_BETTER: N_("not applied: %(others)s gives more and cannot be combined"),
    SkipReason.EXCLUSIVE_WORSE: N_(
        "not applied: it cannot be combined with other codes, and %(others)s give more"
    ),
    SkipReason.NO_EXTRA: N_("not applied: %(others)s already give as much without it"),
    SkipReason.NOTHING_TO_DISCOUNT: N_("not applied: nothing is left to discount"),
    SkipReason.DUPLICATE: N_("given more than once; counted once"),
    SkipReason.TOO_MANY: N_("not applied: at most %(others)s codes are used for one order"),
}

BASIS: Final[Mapping[str, str]] = {"net": N_("net"), "gross": N_("gross")}
APPLIED: Final = Nn_(
    "%(amount)s off on line %(positions)s", "%(amount)s off on lines %(positions)s"
)
FREE_SHIPPING: Final = N_("free shipping")
REFUSED: Final = N_("not applied")
TO_QUALIFY: Final = N_("to qualify: %(change)s")
SEPARATOR: Final = ", "  # between the values of a list: "BPW, SAF"
