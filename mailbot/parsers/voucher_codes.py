"""Voucher codes as people type them: normalising, the serial format, and matching a mistyped code.

A serial code is a 3-letter campaign prefix, 8 random characters and 1 check character, all
from Crockford's base32 alphabet (no I, L, O or U), printed grouped as `WIN-7K3M-Q9TX-4`.

The check character: read each character as its Crockford value, an element of the field
GF(32) (5-bit polynomials modulo x^5 + x^2 + 1, addition is XOR), and choose the check c so that
    sum over positions k of value(char_k) * a^(n-k) = 0,   a = x, the check at a^0 = 1.
Every single substitution (value v changed by d != 0 at position k) adds d * a^(n-k), which is
not 0 in a field. Every adjacent transposition of different values u, v adds
(u + v) * a^(n-k-1) * (1 + a), not 0 either because a != 1. So both are always detected, as are
transpositions across one character (a^2 != 1: a has order 31). A weighted sum modulo 32 cannot
do both: a weight must be odd to catch every substitution, and the difference of two odd weights
is even, so some transpositions would pass.

How a typed code is normalised (case, separators, look-alikes) is `mailbot.domain.vouchers.codes`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from mailbot.domain.vouchers.codes import loose_form, normalise_code

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LETTERS: Final = "ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX_LENGTH: Final = 3
RANDOM_LENGTH: Final = 8
SERIAL_LENGTH: Final = PREFIX_LENGTH + RANDOM_LENGTH + 1

_VALUE: Final = {char: value for value, char in enumerate(ALPHABET)}
_SERIAL: Final = re.compile(f"[{LETTERS}]{{{PREFIX_LENGTH}}}[{ALPHABET}]{{{RANDOM_LENGTH + 1}}}")
_MODULUS: Final = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times(a: int, b: int) -> int:
    """The product of two elements of GF(32)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _MODULUS
    return product


def _powers_of_a(count: int) -> tuple[int, ...]:
    """a^0, a^1, ... a^(count-1): the weights of the characters from the last one back."""
    powers = [1]
    while len(powers) < count:
        powers.append(_times(powers[-1], 2))
    return tuple(powers)


# A serial code's weights, first character first, and each nonzero element's inverse.
_WEIGHTS: Final = _powers_of_a(SERIAL_LENGTH)[::-1]
_INVERSE: Final = {x: next(y for y in range(1, 32) if _times(x, y) == 1) for x in range(1, 32)}


def _syndrome(text: str) -> int:
    """sum value(char_k) * a^(n-k) over the characters of `text` (Horner's rule)."""
    total = 0
    for char in text:
        total = _times(total, 2) ^ _VALUE[char]
    return total


def is_serial_shape(text: str) -> bool:
    """Whether `text`, once normalised, has the serial format (prefix, 8 characters, check);
    the check character itself may be wrong."""
    return _SERIAL.fullmatch(normalise_code(text)) is not None


def check_character(body: str) -> str:
    """The check character for a normalised `body` (prefix and random characters)."""
    return ALPHABET[_times(_syndrome(body), 2)]


def is_valid_serial(code: str) -> bool:
    """Whether the normalised `code` has the serial format and a right check character."""
    return _SERIAL.fullmatch(code) is not None and _syndrome(code) == 0


def is_prefix(text: str) -> bool:
    """Whether `text` can be a campaign prefix: three letters of the alphabet."""
    return len(text) == PREFIX_LENGTH and all(char in LETTERS for char in text)


def generate(prefix: str, count: int, rng: random.Random) -> list[str]:
    """`count` different normalised serial codes with `prefix`, drawn from `rng`
    (`secrets.SystemRandom()` in production, a seeded `random.Random` in tests)."""
    if not is_prefix(prefix):
        raise ValueError(f"a prefix is three letters of {LETTERS}, not {prefix!r}")
    codes: dict[str, None] = {}
    while len(codes) < count:
        body = prefix + "".join(rng.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
        codes[body + check_character(body)] = None
    return list(codes)


def display(code: str) -> str:
    """A normalised serial code grouped for people: `WIN-7K3M-Q9TX-4`; other codes as they are."""
    if _SERIAL.fullmatch(code) is None:
        return code
    return f"{code[:3]}-{code[3:7]}-{code[7:11]}-{code[11]}"


class MatchKind(StrEnum):
    EXACT = "exact"  # a known code, typed as it is (case and separators aside)
    CORRECTED = "corrected"  # exactly one known code fits after mapping look-alikes or one slip
    LOOKS_MISTYPED = "looks_mistyped"  # serial-shaped, but no single known code fits
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Match:
    """What a typed code was read as: `code` is the known normalised code, if one fits."""

    typed: str
    kind: MatchKind
    code: str | None = None


def _one_slip_away(code: str) -> Iterator[str]:
    """Every serial code with a right check at one substitution or adjacent transposition from
    the serial-shaped `code`, whose check is wrong: at most one per position, read from the
    syndrome s (the weighted sum, not 0) instead of trying every character. A substitution at
    position k adds d * w_k, so the only value change that makes the sum 0 is
    d = s / w_k; swapping k and k+1 adds (u + v) * (w_k + w_k+1), which must equal s."""
    syndrome = _syndrome(code)
    values = [_VALUE[char] for char in code]
    for k, weight in enumerate(_WEIGHTS):
        char = ALPHABET[values[k] ^ _times(syndrome, _INVERSE[weight])]
        if k >= PREFIX_LENGTH or char in LETTERS:
            yield code[:k] + char + code[k + 1 :]
    for k in range(len(code) - 1):
        u, v = values[k], values[k + 1]
        if u != v and _times(u ^ v, _WEIGHTS[k] ^ _WEIGHTS[k + 1]) == syndrome:
            swapped = code[:k] + code[k + 1] + code[k] + code[k + 2 :]
            if _SERIAL.fullmatch(swapped) is not None:
                yield swapped


def candidates(typed: str) -> tuple[str, ...]:
    """The stored codes `typed` may stand for: its loose form (a promotional code), its
    normalised form, then, when that is serial-shaped with a wrong check, every valid code one
    slip away. A lookup needs to know only these."""
    code = normalise_code(typed)
    found = dict.fromkeys((loose_form(typed), code))
    if _SERIAL.fullmatch(code) is not None and _syndrome(code) != 0:
        found.update(dict.fromkeys(_one_slip_away(code)))
    return tuple(found)


def match(typed: str, known_codes: Container[str], prefixes: Container[str] | None = None) -> Match:
    """Read `typed` against the known stored codes (any container: a set, or the rows a lookup
    found for `candidates(typed)`). Promotional codes are stored in their loose form, serial
    codes normalised. Given the campaigns' `prefixes`, only a code with one of them can look
    mistyped: a serial-shaped SKU like BPW-0310-0100 stays unknown."""
    literal, code = loose_form(typed), normalise_code(typed)
    if literal in known_codes:
        return Match(typed, MatchKind.EXACT, literal)
    if code in known_codes:
        return Match(typed, MatchKind.CORRECTED, code)
    if _SERIAL.fullmatch(code) is None or _syndrome(code) == 0:
        return Match(typed, MatchKind.UNKNOWN)
    fitting = [c for c in _one_slip_away(code) if c in known_codes]
    if len(fitting) == 1:
        return Match(typed, MatchKind.CORRECTED, fitting[0])
    if prefixes is not None and code[:PREFIX_LENGTH] not in prefixes:
        return Match(typed, MatchKind.UNKNOWN)
    return Match(typed, MatchKind.LOOKS_MISTYPED)


_TYPED: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def one_slip_variants(typed: str) -> set[str]:
    """Every code one slip from `typed` (one character changed, missing, added, or two
    neighbours swapped), in loose and normalised form: what a "did you mean" looks among."""
    code = loose_form(typed)
    found = {code[:k] + code[k + 1 :] for k in range(len(code))}
    found |= {code[:k] + char + code[k:] for k in range(len(code) + 1) for char in _TYPED}
    found |= {code[:k] + char + code[k + 1 :] for k in range(len(code)) for char in _TYPED}
    found |= {code[:k] + code[k + 1] + code[k] + code[k + 2 :] for k in range(len(code) - 1)}
    found.discard(code)
    return found | {normalise_code(variant) for variant in found}
