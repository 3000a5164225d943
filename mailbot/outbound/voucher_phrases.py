"""What the replies say about voucher codes, per language: each rule's failure, each kind of
change that would qualify, and why a code was applied or left out.

Like `phrases.py`, these live in code so that a test can check that every rule, problem,
change and reason has words in every language. Placeholders: {what} (the rule in words),
{actual}, {required}, {gap}; {amount}, {basis}, {scope}, {target} in changes; {values} in
scopes; {code}, {others}, {amount}, {positions} in outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mailbot.domain.vouchers import Action, Problem, Rule, SkipReason


@dataclass(frozen=True, slots=True)
class VoucherWords:
    """One language's words for voucher outcomes."""

    rules: Mapping[Rule, str]
    problems: Mapping[Problem, str]
    actions: Mapping[Action, str]
    scopes: Mapping[Rule, tuple[str, str]]  # a line rule as a scope: plain, inverted
    skips: Mapping[SkipReason, str]
    basis: Mapping[str, str]
    applied: str  # on several lines
    applied_one: str  # on one line
    free_shipping: str
    refused: str
    to_qualify: str
    separator: str  # between the values of a list: "BPW, SAF"


_EN = VoucherWords(
    rules={
        Rule.PAST_ORDERS: "number of earlier orders",
        Rule.PAST_REVENUE: "revenue of earlier orders",
        Rule.NEW_CLIENT: "new clients only",
        Rule.ORDER_TOTAL: "order total",
        Rule.PRODUCTS: "products",
        Rule.PRODUCT_QUANTITY: "quantity of {subject}",
        Rule.BRANDS: "brands",
        Rule.CATEGORIES: "categories",
        Rule.CLIENT_GROUPS: "client group",
        Rule.DATE_WINDOW: "validity",
        Rule.CURRENCY: "the discount",
    },
    problems={
        Problem.BELOW_MIN: "{what} is {actual}; at least {required} is needed ({gap} short)",
        Problem.ABOVE_MAX: "{what} is {actual}; at most {required} is allowed ({gap} over)",
        Problem.NOT_BELOW: "{what} is {actual}; it must be below {required}",
        Problem.NOT_ABOVE: "{what} is {actual}; it must be above {required}",
        Problem.IN_RANGE: "{what} is {actual}; it must be outside {required}",
        Problem.MISSING: "{what}: only for {required} (the order has {actual})",
        Problem.EXCLUDED: "{what}: not for {required} (the order has {actual})",
        Problem.NOT_NEW: "for new clients only; you have {actual} earlier orders",
        Problem.NEW: "for returning clients only; this is your first order",
        Problem.BEFORE_START: "valid from {required}; the order was received on {actual}",
        Problem.AFTER_END: "valid until {required}; the order was received on {actual}",
        Problem.IN_WINDOW: "not valid in the period {required}; the order was received on {actual}",
        Problem.OTHER_CURRENCY: "{what} is in {required}, the order in {actual}",
    },
    actions={
        Action.ADD_AMOUNT: "add {amount} {basis}{scope}",
        Action.REMOVE_AMOUNT: "remove {amount} {basis}{scope}",
        Action.ADD_QUANTITY: "{amount} more of {target}",
        Action.REMOVE_QUANTITY: "{amount} fewer of {target}",
        Action.ADD_ITEM: "add a product{scope}",
    },
    scopes={
        Rule.PRODUCTS: (" from {values}", " other than {values}"),
        Rule.BRANDS: (" of brand {values}", " not of brand {values}"),
        Rule.CATEGORIES: (" in category {values}", " outside category {values}"),
    },
    skips={
        SkipReason.EXCLUSIVE_BETTER: "not applied: {others} gives more and cannot be combined",
        SkipReason.EXCLUSIVE_WORSE: (
            "not applied: it cannot be combined with other codes, and {others} give more"
        ),
        SkipReason.NO_EXTRA: "not applied: {others} already give as much without it",
        SkipReason.NOTHING_TO_DISCOUNT: "not applied: nothing is left to discount",
        SkipReason.DUPLICATE: "given more than once; counted once",
        SkipReason.TOO_MANY: "not applied: at most {others} codes are used for one order",
    },
    basis={"net": "net", "gross": "gross"},
    applied="{amount} off on lines {positions}",
    applied_one="{amount} off on line {positions}",
    free_shipping="free shipping",
    refused="not applied",
    to_qualify="to qualify: {change}",
    separator=", ",
)

_RU = VoucherWords(
    rules={
        Rule.PAST_ORDERS: "число прежних заказов",
        Rule.PAST_REVENUE: "сумма прежних заказов",
        Rule.NEW_CLIENT: "только для новых клиентов",
        Rule.ORDER_TOTAL: "сумма заказа",
        Rule.PRODUCTS: "товары",
        Rule.PRODUCT_QUANTITY: "количество {subject}",
        Rule.BRANDS: "бренды",
        Rule.CATEGORIES: "категории",
        Rule.CLIENT_GROUPS: "группа клиента",
        Rule.DATE_WINDOW: "срок действия",
        Rule.CURRENCY: "скидка",
    },
    problems={
        Problem.BELOW_MIN: "{what}: {actual}, нужно не менее {required} (не хватает {gap})",
        Problem.ABOVE_MAX: "{what}: {actual}, допускается не более {required} (лишние {gap})",
        Problem.NOT_BELOW: "{what}: {actual}, должно быть меньше {required}",
        Problem.NOT_ABOVE: "{what}: {actual}, должно быть больше {required}",
        Problem.IN_RANGE: "{what}: {actual}, должно быть вне диапазона {required}",
        Problem.MISSING: "{what}: только для {required} (в заказе: {actual})",
        Problem.EXCLUDED: "{what}: не для {required} (в заказе: {actual})",
        Problem.NOT_NEW: "только для новых клиентов; прежних заказов: {actual}",
        Problem.NEW: "только для постоянных клиентов; это ваш первый заказ",
        Problem.BEFORE_START: "действует с {required}; заказ получен {actual}",
        Problem.AFTER_END: "действовал до {required}; заказ получен {actual}",
        Problem.IN_WINDOW: "не действует в период {required}; заказ получен {actual}",
        Problem.OTHER_CURRENCY: "{what} указана в {required}, а заказ — в {actual}",
    },
    actions={
        Action.ADD_AMOUNT: "добавьте товаров на {amount} {basis}{scope}",
        Action.REMOVE_AMOUNT: "уберите товаров на {amount} {basis}{scope}",
        Action.ADD_QUANTITY: "ещё {amount} шт. {target}",
        Action.REMOVE_QUANTITY: "на {amount} шт. меньше {target}",
        Action.ADD_ITEM: "добавьте товар{scope}",
    },
    scopes={
        Rule.PRODUCTS: (" из списка: {values}", " не из списка: {values}"),
        Rule.BRANDS: (" бренда {values}", " не бренда {values}"),
        Rule.CATEGORIES: (" из категории {values}", " не из категории {values}"),
    },
    skips={
        SkipReason.EXCLUSIVE_BETTER: "не применён: {others} даёт больше и не сочетается с другими",
        SkipReason.EXCLUSIVE_WORSE: (
            "не применён: он не сочетается с другими кодами, а {others} дают больше"
        ),
        SkipReason.NO_EXTRA: "не применён: {others} и без него дают столько же",
        SkipReason.NOTHING_TO_DISCOUNT: "не применён: скидывать больше нечего",
        SkipReason.DUPLICATE: "указан повторно; учтён один раз",
        SkipReason.TOO_MANY: "не применён: к одному заказу применяется не более {others} кодов",
    },
    basis={"net": "без НДС", "gross": "с НДС"},
    applied="скидка {amount} на строки {positions}",
    applied_one="скидка {amount} на строку {positions}",
    free_shipping="бесплатная доставка",
    refused="не применён",
    to_qualify="чтобы код подошёл: {change}",
    separator=", ",
)

_RO = VoucherWords(
    rules={
        Rule.PAST_ORDERS: "numărul comenzilor anterioare",
        Rule.PAST_REVENUE: "valoarea comenzilor anterioare",
        Rule.NEW_CLIENT: "doar pentru clienți noi",
        Rule.ORDER_TOTAL: "totalul comenzii",
        Rule.PRODUCTS: "produse",
        Rule.PRODUCT_QUANTITY: "cantitatea de {subject}",
        Rule.BRANDS: "mărci",
        Rule.CATEGORIES: "categorii",
        Rule.CLIENT_GROUPS: "grupa clientului",
        Rule.DATE_WINDOW: "valabilitate",
        Rule.CURRENCY: "reducerea",
    },
    problems={
        Problem.BELOW_MIN: "{what}: {actual}; este nevoie de cel puțin {required} (lipsesc {gap})",
        Problem.ABOVE_MAX: "{what}: {actual}; sunt permise cel mult {required} (în plus {gap})",
        Problem.NOT_BELOW: "{what}: {actual}; trebuie să fie sub {required}",
        Problem.NOT_ABOVE: "{what}: {actual}; trebuie să fie peste {required}",
        Problem.IN_RANGE: "{what}: {actual}; trebuie să fie în afara intervalului {required}",
        Problem.MISSING: "{what}: doar pentru {required} (comanda are {actual})",
        Problem.EXCLUDED: "{what}: nu pentru {required} (comanda are {actual})",
        Problem.NOT_NEW: "doar pentru clienți noi; aveți {actual} comenzi anterioare",
        Problem.NEW: "doar pentru clienți existenți; aceasta este prima comandă",
        Problem.BEFORE_START: "valabil de la {required}; comanda a fost primită pe {actual}",
        Problem.AFTER_END: "valabil până la {required}; comanda a fost primită pe {actual}",
        Problem.IN_WINDOW: "nu este valabil în perioada {required}; comanda primită pe {actual}",
        Problem.OTHER_CURRENCY: "{what} este în {required}, comanda în {actual}",
    },
    actions={
        Action.ADD_AMOUNT: "adăugați {amount} {basis}{scope}",
        Action.REMOVE_AMOUNT: "eliminați {amount} {basis}{scope}",
        Action.ADD_QUANTITY: "încă {amount} buc. de {target}",
        Action.REMOVE_QUANTITY: "cu {amount} buc. mai puțin de {target}",
        Action.ADD_ITEM: "adăugați un produs{scope}",
    },
    scopes={
        Rule.PRODUCTS: (" dintre {values}", " în afară de {values}"),
        Rule.BRANDS: (" de marca {values}", " care nu este de marca {values}"),
        Rule.CATEGORIES: (" din categoria {values}", " din afara categoriei {values}"),
    },
    skips={
        SkipReason.EXCLUSIVE_BETTER: "neaplicat: {others} oferă mai mult și nu se cumulează",
        SkipReason.EXCLUSIVE_WORSE: (
            "neaplicat: nu se cumulează cu alte coduri, iar {others} oferă mai mult"
        ),
        SkipReason.NO_EXTRA: "neaplicat: {others} oferă la fel de mult și fără el",
        SkipReason.NOTHING_TO_DISCOUNT: "neaplicat: nu mai rămâne nimic de redus",
        SkipReason.DUPLICATE: "dat de mai multe ori; luat în calcul o dată",
        SkipReason.TOO_MANY: "neaplicat: la o comandă se folosesc cel mult {others} coduri",
    },
    basis={"net": "fără TVA", "gross": "cu TVA"},
    applied="reducere de {amount} la rândurile {positions}",
    applied_one="reducere de {amount} la rândul {positions}",
    free_shipping="livrare gratuită",
    refused="neaplicat",
    to_qualify="pentru a se aplica: {change}",
    separator=", ",
)

VOUCHER_WORDS: Final[Mapping[str, VoucherWords]] = {"en": _EN, "ru": _RU, "ro": _RO}
