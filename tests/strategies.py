"""Hypothesis strategies shared by the parser and pricing tests."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from mailbot.domain.deadlines import Calendar
from mailbot.domain.markup import MarkupRule
from mailbot.domain.money import Money
from mailbot.domain.vouchers import Basket, BasketLine, Candidate, ClientHistory, VoucherTerms

# SKUs as partners write them: BPW-0310, SAF-2234, MAN-81.43701, KNORR-K012.
skus = st.from_regex(r"[A-Z]{2,6}(-[A-Z]?[0-9]{2,5}){1,2}(\.[0-9]{2,5})?", fullmatch=True)

# Quantities as written in mail: whole numbers mostly, some negative or fractional.
quantities = st.one_of(
    st.integers(min_value=1, max_value=10**6).map(Decimal),
    st.integers(min_value=-999, max_value=-1).map(Decimal),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**4), places=3),
)

# How one order line may be written in a body; {sku} and {quantity} are filled in.
LINE_SHAPES = (
    "{sku} x {quantity}",
    "{sku} X{quantity}",
    "{quantity} x {sku}",
    "{quantity}x {sku}",
    "{sku} × {quantity}",
    "{sku} * {quantity}",
    "{sku}; {quantity}",
    "{sku}, {quantity}",
    "{sku} | {quantity}",
    "{sku} — {quantity} pcs",
    "{sku} - {quantity} шт",
    "{sku}: {quantity} buc",
    "{sku}\t{quantity}",
    "- {sku} x {quantity}",
    "* {sku} x {quantity}",
    "1. {sku} x {quantity}",
    "{sku} x {quantity} (urgent)",
)
line_shapes = st.sampled_from(LINE_SHAPES)

# Lines of a body that must never be read as order lines.
PROSE = (
    "Hello,",
    "please send:",
    "Thanks,",
    "Sam",
    "Voucher: WELCOME10",
    "Order 12345",
    "20.11.2026 10:31",
    "10:31",
    "Tel: +40 721 123 456",
    "Phone: 0721123456",
    "https://fleetparts.example/orders?id=12345",
    "buying@fleetparts.example",
    "20.11.2026 10:31, orders@distributor.example пишет:",
    "> BPW-0310 x 2",
    "Str. Memorandumului 28, Cluj-Napoca 400114",
    "Q3 2026",
    "С уважением,",
    "Mulțumesc,",
    "",
)
prose = st.sampled_from(PROSE)


def plain(value: Decimal) -> str:
    """`value` written out without exponent: Decimal("1E+3") is "1000"."""
    return format(value, "f")


def _grouped(value: Decimal, group: str, point: str) -> str:
    sign = "-" if value < 0 else ""
    whole, _, fraction = plain(abs(value)).partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = group.join([whole, *groups])
    return sign + text + (point + fraction if fraction else "")


@st.composite
def written_decimals(draw: st.DrawFn) -> tuple[Decimal, str]:
    """A Decimal and one of the ways parse_decimal accepts it to be written."""
    value = draw(
        st.decimals(
            min_value=Decimal(-(10**9)),
            max_value=Decimal(10**9),
            places=draw(st.integers(min_value=0, max_value=4)),
        )
    )
    notations = [
        plain(value),
        plain(value).replace(".", ","),
        _grouped(value, " ", ","),
        _grouped(value, "\u00a0", ","),
        _grouped(value, " ", "."),
        _grouped(value, "'", "."),
        f"{value:E}",
    ]
    if "." in plain(value) or abs(value) >= 10**6:
        # "1,234" alone reads as 1.234; grouped "," or "." is only unambiguous with a
        # fraction or with two groups or more.
        notations += [_grouped(value, ",", "."), _grouped(value, ".", ",")]
    return value, draw(st.sampled_from(notations))


# Supplier unit prices as price lists give them: up to four decimals, in currencies with two
# minor digits and with none.
supplier_prices = st.builds(
    Money,
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**6), places=4),
    st.sampled_from(["EUR", "RON", "JPY"]),
)

# Markup rules as configuration allows them: percent at least -100, fixed and margin not negative.
markup_rules = st.builds(
    MarkupRule,
    percent=st.decimals(min_value=-100, max_value=500, places=2),
    fixed=st.decimals(min_value=0, max_value=1000, places=2),
    min_margin=st.none() | st.decimals(min_value=0, max_value=1000, places=3),
)

# Psychological endings: none, or a fraction such as 0.90, 0.99, 0.00 or 0.5.
endings = st.none() | st.decimals(min_value=0, max_value=Decimal("0.99"), places=2)


# Voucher baskets: a few EUR lines of two brands, a client with some history.
_basket_lines = st.lists(
    st.tuples(
        st.sampled_from(["BPW-0310", "SAF-2234", "DAF-1643"]),
        st.sampled_from(["BPW", "SAF"]),
        st.integers(min_value=1, max_value=20),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
    ),
    min_size=1,
    max_size=5,
)
baskets = st.builds(
    lambda lines, orders: Basket(
        tuple(
            BasketLine(n, sku, brand, "parts", qty, Money(price, "EUR"))
            for n, (sku, brand, qty, price) in enumerate(lines, start=1)
        ),
        "EUR",
        Decimal(21),
        "fleet",
        ClientHistory(orders, Money(Decimal(500), "EUR"), Money(Decimal(605), "EUR")),
        date(2026, 11, 20),
    ),
    _basket_lines,
    st.integers(min_value=0, max_value=5),
)

_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2000), places=2).map(str)
_benefits = st.one_of(
    st.builds(lambda v: {"kind": "percent", "value": str(v)}, st.integers(1, 100)),
    st.builds(
        lambda v, cap: {"kind": "percent", "value": str(v), "max_discount": cap, "currency": "EUR"},
        st.integers(1, 100),
        _amounts,
    ),
    st.builds(lambda v: {"kind": "fixed", "value": v, "currency": "EUR"}, _amounts),
    st.just({"kind": "free_shipping"}),
)
_restrictions = st.lists(
    st.one_of(
        st.builds(
            lambda b, i: {"rule": "brands", "brands": [b], "invert": i},
            st.sampled_from(["BPW", "SAF"]),
            st.booleans(),
        ),
        st.builds(lambda m: {"rule": "order_total", "min": m, "currency": "EUR"}, _amounts),
        st.builds(lambda n: {"rule": "past_orders", "min": n}, st.integers(0, 4)),
    ),
    max_size=2,
)
voucher_terms = st.builds(
    lambda benefit, exclusive, rules: VoucherTerms.from_dict(
        {"benefit": benefit, "exclusive": exclusive, "restrictions": rules}
    ),
    _benefits,
    st.booleans(),
    _restrictions,
)
# Up to five distinct codes, some with what is left of a budget.
candidates = st.lists(
    st.builds(
        Candidate,
        st.just(""),
        voucher_terms,
        st.none() | _amounts.map(lambda a: Money(Decimal(a), "EUR")),
    ),
    max_size=5,
).map(lambda found: [Candidate(f"CODE{n}", c.terms, c.budget_left) for n, c in enumerate(found)])

# Authentication-Results parts: result keywords, domain names, and what may stand between
# tokens (nothing, spaces, comments, folding).
auth_keywords = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9-]{0,8}){1,3}", fullmatch=True)
header_gaps = st.sampled_from(["", " ", " (a comment; with = signs) ", "\r\n\t(folded)\r\n "])
# Voucher code prefixes and normalised serial codes (Crockford base32, check character last).
voucher_prefixes = st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZ", min_size=3, max_size=3)
voucher_bodies = st.builds(
    lambda prefix, rest: prefix + rest,
    voucher_prefixes,
    st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=8, max_size=8),
)
# Moments around two years of daylight saving changes, and opening hours clear of the
# 03:00-04:00 changeover in Europe/Bucharest (opening hours inside it would not exist).
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.just(UTC),
)


@st.composite
def business_calendars(draw: st.DrawFn) -> Calendar:
    """Opening hours somewhere between 05:00 and 23:00 on at least one weekday, in Bucharest."""
    opens = draw(st.integers(min_value=5 * 4, max_value=21 * 4))
    closes = draw(st.integers(min_value=opens + 1, max_value=23 * 4))
    days = draw(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
    return Calendar(
        ZoneInfo("Europe/Bucharest"),
        opens=time(opens // 4, opens % 4 * 15),
        closes=time(closes // 4, closes % 4 * 15),
        days=days,
    )


window_hours = st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda h: round(h, 2))


# Catalogue SKUs in the shapes real brands use: "SAF 2234", "BPW-0310-0100", "03.112.36.07.0",
# "KNORR K012345", "8200 123 456", "4228374118".
_BRANDS = st.sampled_from(["SAF", "BPW", "KNORR", "WVA", "MAN", "ZF", "WK", "FEBI"])
_DIGITS = st.text(alphabet="0123456789", min_size=2, max_size=5)
catalogue_skus = st.one_of(
    st.builds(
        lambda b, d: f"{b} {d}", _BRANDS, st.text(alphabet="0123456789", min_size=4, max_size=6)
    ),
    st.builds(
        lambda b, p: f"{b}-{'-'.join(p)}", _BRANDS, st.lists(_DIGITS, min_size=2, max_size=3)
    ),
    st.builds(".".join, st.lists(_DIGITS, min_size=3, max_size=5)),
    st.builds(
        lambda b, d: f"{b} K{d}", _BRANDS, st.text(alphabet="0123456789", min_size=5, max_size=6)
    ),
    st.builds(
        " ".join,
        st.lists(st.text(alphabet="0123456789", min_size=3, max_size=4), min_size=3, max_size=3),
    ),
    st.text(alphabet="0123456789", min_size=8, max_size=10),
)
_CYRILLIC = str.maketrans("ABEKMHOPCTX", "АВЕКМНОРСТХ")


@st.composite
def notations(draw: st.DrawFn, sku: str) -> str:
    """`sku` as a clerk may write it: separators dropped or changed, lower case, Cyrillic
    look-alike letters, or the brand word left off."""
    choice = draw(
        st.sampled_from(["as is", "glued", "dashed", "spaced", "lower", "cyrillic", "no brand"])
    )
    parts = [part for part in re.split(r"[\s.\-/]+", sku) if part]
    if choice == "glued":
        return "".join(parts)
    if choice == "dashed":
        return "-".join(parts)
    if choice == "spaced":
        return " ".join(parts)
    if choice == "lower":
        return sku.lower()
    if choice == "cyrillic":
        return sku.translate(_CYRILLIC)
    brand, _, rest = sku.partition(" ")
    if choice == "no brand" and rest and brand.isalpha():
        return rest  # as the price list writes it after its brand word
    return sku


_LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CYRILLIC_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


@st.composite
def one_slip(draw: st.DrawFn, word: str) -> str:
    """`word` with one slip of a typing hand: a letter missing, added, changed, or two
    neighbours swapped; new letters come from the word's own alphabet."""
    alphabet = (
        _CYRILLIC_LETTERS if any(letter in _CYRILLIC_LETTERS for letter in word) else _LATIN_LETTERS
    )
    kind = draw(st.sampled_from(["missing", "added", "changed", "swapped"]))
    at = draw(st.integers(min_value=0, max_value=len(word) - 1))
    letter = draw(st.sampled_from(alphabet))
    if kind == "missing":
        return word[:at] + word[at + 1 :]
    if kind == "added":
        return word[:at] + letter + word[at:]
    if kind == "changed":
        return word[:at] + letter + word[at + 1 :]
    at = min(at, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
