"""A seeded catalogue of truck and trailer parts whose SKUs have the shapes real brands use.

SKUs are unique even with their separators taken away (`separator_free`), except for a few
deliberate pairs such as `SAF 4412` and `SAF-44.12`: a clerk who writes `SAF4412` means one of
the two, and only a person can say which.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

CATALOGUE_SIZE = 300
COLLIDING_PAIRS = 4


@dataclass(frozen=True)
class CatalogueItem:
    """One price-list row: the SKU exactly as the supplier writes it, a name, a brand, a price."""

    sku: str
    name: str
    brand: str
    price: Decimal


def separator_free(text: str) -> str:
    """`text` upper-cased with everything but letters and digits taken out."""
    return re.sub(r"[\W_]+", "", text).upper()


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


# Per brand: how its SKUs look, and which parts it makes (English names, as in a price list).
Shape = Callable[[random.Random], str]
_BRANDS: tuple[tuple[str, Shape, tuple[str, ...]], ...] = (
    (
        "BPW",
        lambda r: f"BPW-{_digits(r, 4)}-{_digits(r, 4)}",
        ("Brake drum", "Wheel hub bearing", "Brake shoe kit", "Camshaft bush"),
    ),
    (
        "BPW",
        lambda r: ".".join(
            (_digits(r, 2), _digits(r, 3), _digits(r, 2), _digits(r, 2), _digits(r, 1))
        ),
        ("Brake cylinder", "Axle nut", "Slack adjuster", "Hub cap"),
    ),
    (
        "SAF",
        lambda r: f"SAF {r.randint(1000, 9999)}",
        ("Air spring", "Spring eye bush", "Brake lining set", "Wheel bearing kit"),
    ),
    (
        "SAF",
        lambda r: f"SAF{r.randint(1000, 9999)}",
        ("Shock absorber", "Torque rod", "Brake disc"),
    ),
    (
        "KNORR",
        lambda r: f"KNORR K0{_digits(r, 5)}",
        ("Brake caliper repair kit", "Air dryer cartridge", "Relay valve", "Brake pad set"),
    ),
    (
        "RENAULT",
        lambda r: f"{r.choice(('5010', '7420', '8200'))} {_digits(r, 3)} {_digits(r, 3)}",
        ("Oil cooler gasket", "Water pump", "Thermostat", "Fan belt tensioner"),
    ),
    (
        "MANN",
        lambda r: f"{r.choice(('WK', 'W', 'C', 'HU'))} {r.randint(100, 999)}/{r.randint(1, 30)}",
        ("Fuel filter", "Oil filter", "Air filter", "Cabin filter"),
    ),
    (
        "TEXTAR",
        lambda r: f"WVA {r.randint(29000, 29299)}",
        ("Brake pad set", "Wear indicator"),
    ),
    (
        "WABCO",
        lambda r: f"4{_digits(r, 9)}",
        ("Quick release valve", "Pressure limiting valve", "ABS sensor", "Load sensing valve"),
    ),
    (
        "VOLVO",
        lambda r: f"2{_digits(r, 7)}",
        ("Cabin shock absorber", "Mirror glass", "Headlamp", "Coolant hose"),
    ),
    (
        "MAN",
        lambda r: f"MAN 81.{_digits(r, 5)}-{_digits(r, 4)}",
        ("Stabiliser bush", "Tie rod end", "Leaf spring bolt", "Exhaust clamp"),
    ),
    (
        "ZF",
        lambda r: f"ZF {_digits(r, 4)} {_digits(r, 3)} {_digits(r, 3)}",
        ("Gearbox seal", "Shift cylinder", "Clutch release bearing"),
    ),
    (
        "SACHS",
        lambda r: f"SACHS {_digits(r, 4)} {_digits(r, 3)} {_digits(r, 3)}",
        ("Clutch disc", "Clutch kit", "Cabin damper"),
    ),
    (
        "FEBI",
        lambda r: f"FEBI {r.randint(10000, 49999)}",
        ("Tie rod", "Wheel stud", "V-ribbed belt", "Engine mounting"),
    ),
)


def _price(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(350, 95_000)) / 100


def catalogue(seed: int = 1) -> tuple[CatalogueItem, ...]:
    """About 300 items: every brand shape, then `COLLIDING_PAIRS` SAF pairs that differ only by
    separators (`SAF 4412` and `SAF-44.12`) at the end."""
    rng = random.Random(f"catalogue-{seed}")
    items: list[CatalogueItem] = []
    keys: set[str] = set()
    while len(items) < CATALOGUE_SIZE - 2 * COLLIDING_PAIRS:
        brand, shape, names = _BRANDS[len(items) % len(_BRANDS)]
        sku = shape(rng)
        if separator_free(sku) in keys:
            continue
        keys.add(separator_free(sku))
        items.append(CatalogueItem(sku, rng.choice(names), brand, _price(rng)))
    while len(items) < CATALOGUE_SIZE:
        number = str(rng.randint(1000, 9999))
        if separator_free(f"SAF{number}") in keys:
            continue
        keys.add(separator_free(f"SAF{number}"))
        items.append(CatalogueItem(f"SAF {number}", "Air spring", "SAF", _price(rng)))
        dotted = f"SAF-{number[:2]}.{number[2:]}"
        items.append(CatalogueItem(dotted, "Air spring piston", "SAF", _price(rng)))
    return tuple(items)


def colliding(items: tuple[CatalogueItem, ...]) -> tuple[tuple[CatalogueItem, CatalogueItem], ...]:
    """The pairs of items whose SKUs are the same once separators are taken away."""
    by_key: dict[str, list[CatalogueItem]] = {}
    for item in items:
        by_key.setdefault(separator_free(item.sku), []).append(item)
    return tuple((group[0], group[1]) for group in by_key.values() if len(group) == 2)
