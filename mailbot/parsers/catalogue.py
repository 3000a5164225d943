"""The SKUs on offer, indexed the way clerks mistype them, so the reader can find them in free text.

A clerk writes `SAF6343` for `SAF 6343`, `0563059900` for `05.630.59.90.0`, `SAF-8880` for
`SAF 8880`, `КNОRR К012345` with Cyrillic look-alike letters, or `K012345` without the brand the
price list puts in front. Each catalogue SKU is indexed under its *key*: upper case, look-alike
letters read as Latin, and nothing but letters and digits. A written SKU is matched by its exact
form first (case aside), then by its key; a key that several catalogue SKUs share is reported
with all of them, so that the caller asks rather than guesses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# Cyrillic (and Greek) capitals that look like Latin ones, as a Russian keyboard types them.
_LOOKALIKES = str.maketrans(
    "АВЕЁКМНОРСТУХІЈЅΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
    "ABEEKMHOPCTYXIJSABEHIKMNOPTYXZ",
)
# Token spans tried when searching free text: "ZF 0501 215 163" is four tokens.
MAX_SPAN_TOKENS = 5
# A key this short (or all digits and shorter than `_MIN_DIGITS`) is only matched as a whole
# cell, never found inside a sentence, where it would be a quantity, a year or a house number.
_MIN_SPAN_KEY = 4
_MIN_DIGITS = 5


# What `str.isalnum` is not: `\w` is exactly `isalnum()` and the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=2**16)
def sku_key(text: str) -> str:
    """What a SKU is matched by when its exact form is not found: letters and digits only,
    upper case, look-alike Cyrillic and Greek letters read as Latin ones. Cached: the reader
    asks for the same words of a sheet's cells and a mail's lines again and again."""
    upper = unicodedata.normalize("NFKC", text).upper().translate(_LOOKALIKES)
    return _NOT_ALNUM.sub("", upper)


def exact_key(text: str) -> str:
    """The key of the exact form: case and surrounding spaces aside (as prices are stored)."""
    return text.strip().upper()


@dataclass(frozen=True, slots=True)
class Found:
    """Catalogue SKUs a written text can mean: one (a match), several (ask which), none."""

    written: str
    skus: tuple[str, ...]

    @property
    def unique(self) -> str | None:
        """The one SKU meant, or None when there are none or several."""
        return self.skus[0] if len(self.skus) == 1 else None


class Catalogue:
    """The SKUs on offer, with their exact and normalised keys, and the brands each is sold
    under (the price list's brand, and a SKU's own leading word: "KNORR" of "KNORR K012345")."""

    def __init__(self, items: Iterable[str | tuple[str, str]]) -> None:
        """`items` are SKUs, or (SKU, brand) pairs as the price lists give them."""
        self._exact: dict[str, str] = {}
        self._keys: dict[str, set[str]] = defaultdict(set)
        self._stripped: dict[str, set[str]] = defaultdict(set)
        self._brands: dict[str, set[str]] = defaultdict(set)
        for item in items:
            sku, brand = (item, "") if isinstance(item, str) else item
            self._exact.setdefault(exact_key(sku), sku)
            for word in (brand, sku.split(" ", 1)[0] if " " in sku.strip() else ""):
                if sku_key(word).isalpha():
                    self._brands[sku_key(word)].add(sku)
            key = sku_key(sku)
            if key:
                self._keys[key].add(sku)
            remainder = _without_brand(sku)
            if remainder is not None:
                self._stripped[sku_key(remainder)].add(sku)

    def __len__(self) -> int:
        return len(self._exact)

    def find(self, written: str) -> Found:
        """The catalogue SKUs `written` can mean: its exact form (with any SKU it also is with
        its brand word left off), else its key, else its key without the brand word."""
        key = sku_key(written)
        exact = self._exact.get(exact_key(written))
        if exact is not None:
            # "29030" is Febi's 29030, unless it is also WVA 29030 without its brand word.
            others = self._stripped.get(key, set()) - {exact}
            return Found(written, (exact, *sorted(others)))
        skus = self._keys.get(key) or self._stripped.get(key) or ()
        return Found(written, tuple(sorted(skus)))

    def find_in(
        self, tokens: Sequence[str], *, short: bool = False
    ) -> list[tuple[int, int, Found]]:
        """Catalogue SKUs written in a line of `tokens` (split at white space), as non-overlapping
        (start, end, found) token spans, longest first from the left.

        A span must be long enough to be a SKU rather than a number of something (with `short`,
        two characters with a letter and a digit will do: "C 4"); a span whose key several SKUs
        share is returned too, to be asked about.
        """
        spans: list[tuple[int, int, Found]] = []
        bare = [token.strip(_EDGE) for token in tokens]  # `joined`'s words, stripped once
        start = 0
        while start < len(tokens):
            match = self._longest_at(bare, start, short)
            if match is None:
                start += 1
                continue
            spans.append(self._with_brand(tokens, *match, spans[-1][1] if spans else 0))
            start = match[1]
        return spans

    def _with_brand(
        self, tokens: Sequence[str], start: int, end: int, found: Found, floor: int
    ) -> tuple[int, int, Found]:
        """The span with the brand word written before it ("Febi 29030", "Haldex 950364001")
        taken in, when that brand is one of its SKUs': the brand then settles which of several
        SKUs is meant."""
        if start <= floor:
            return start, end, found
        branded = self._brands.get(sku_key(tokens[start - 1]), set()) & set(found.skus)
        if not branded:
            return start, end, found
        chosen = tuple(sorted(branded))
        return start - 1, end, Found(joined(tokens[start - 1 : end]), chosen)

    def _longest_at(
        self, bare: Sequence[str], start: int, short: bool
    ) -> tuple[int, int, Found] | None:
        """The longest span from `start` of `bare` (tokens without their edge punctuation)
        that names a SKU. Most spans name none: a span whose keys no index holds is passed
        over before `find` builds its answer (the reader tries a line's every span)."""
        for end in range(min(len(bare), start + MAX_SPAN_TOKENS), start, -1):
            written = " ".join(bare[start:end])
            key = sku_key(written)
            if not (_searchable(key) or (short and _short_sku(key))):
                continue
            if key in self._keys or key in self._stripped or exact_key(written) in self._exact:
                return start, end, self.find(written)
        return None


# Punctuation around a SKU in a sentence ("BPW-0310-0100," or "(SAF 2234)") is not part of it.
_EDGE = " ,;:!?()[]{}«»\"'“”„"


def joined(tokens: Sequence[str]) -> str:
    """Tokens of a sentence as one written SKU, without the punctuation around each."""
    return " ".join(token.strip(_EDGE) for token in tokens)


def _short_sku(key: str) -> bool:
    return len(key) >= 2 and not key.isdigit() and not key.isalpha()


def _searchable(key: str) -> bool:
    if len(key) < _MIN_SPAN_KEY:
        return False
    return not key.isdigit() or len(key) >= _MIN_DIGITS


def _without_brand(sku: str) -> str | None:
    """`K012345` for `KNORR K012345`, `2234` for `SAF 2234`: the rest of a SKU after a leading
    word of letters only, when that rest holds a digit. A short rest is matched only as a whole
    cell or a whole order line, never inside a sentence (see `_searchable`)."""
    head, _, rest = sku.strip().partition(" ")
    if not rest or not head.isalpha():
        return None
    key = sku_key(rest)
    return rest if len(key) >= 3 and any(char.isdigit() for char in key) else None
