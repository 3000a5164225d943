"""How strongly a column header names each field of `header_words.VOCABULARY`.

One algorithm for every language: a header (or its first part before a qualifier, or one of
its "A / B" alternatives) is compared word by word with each vocabulary entry of as many
words. A word matches exactly, by its stem (Snowball: "количества" is "количество",
"articolului" is "articol"), as an abbreviation cut short with a dot ("Кол.", "Cant."), or
as a typo of one slip (a letter missing, added, changed, or two swapped) in a word of five
letters or more. Each way is weaker than the one before, and the weakest word decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from mailbot.parsers.header_words import NUMBER_WORDS, VOCABULARY, Field

# How much of the header matched.
_WHOLE, _FIRST_PART, _ALTERNATIVE = 1.0, 0.95, 0.95
# How each word matched.
_EXACT, _STEM, _ABBREVIATION, _TYPO = 1.0, 0.85, 0.8, 0.7
_WEAK = 0.6  # a `Words.weak` entry

_MIN_TYPO_LETTERS = 5
_MIN_ABBREVIATION_LETTERS = 3
_MIN_STEM_LETTERS = 4  # shorter stems ("цен", "dat") say too little to tell words apart
_NUMBER = "#"
_MAX_HEADER_CHARS = 80

_WORD = re.compile(r"[^\W_]+\.?|[#№]")
# Text after these marks qualifies a header rather than naming it: "Цена, руб.", "Price (EUR)".
_QUALIFIER = re.compile(r"[,(\[{:;]")
_ALTERNATIVES = re.compile(r"[/|\\]")
_NUMBER_WORDS = frozenset(NUMBER_WORDS)
_BREVE = "\u0306"
_STEMMERS = {"en": "english", "ro": "romanian", "ru": "russian"}  # VOCABULARY's languages


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # folded, numbers as "#"
    field: Field
    weight: float


def header_strengths(header: str) -> dict[Field, float]:
    """Each field `header` may name, with how strongly it names it: 1 for a header that is a
    vocabulary entry, less for a part of the header, an inflection, an abbreviation or a
    typo, and less for an entry that names the field only weakly ("Item"). Empty when the
    header names nothing."""
    if len(header) > _MAX_HEADER_CHARS:  # a note or a description, not a header
        return {}
    return dict(_strengths(header))


def header_parts(header: str) -> list[tuple[str, float]]:
    """The header itself, then without its qualifier, then each of its "A / B" alternatives,
    each with the share of the header's strength it carries."""
    parts = [(header, _WHOLE)]
    base = _QUALIFIER.split(header, maxsplit=1)[0]
    if base != header:
        parts.append((base, _FIRST_PART))
    alternatives = _ALTERNATIVES.split(base)
    if len(alternatives) > 1:
        parts.extend((alternative, _ALTERNATIVE) for alternative in alternatives)
    return parts


@lru_cache(maxsize=4096)
def _strengths(header: str) -> tuple[tuple[Field, float], ...]:
    best: dict[Field, float] = {}
    for part, share in header_parts(header):
        tokens = _tokens(part)
        if not tokens or len(tokens) > _LONGEST_ENTRY:
            continue
        matches = [_matches(token) for token in tokens]
        for first in matches[0]:
            for entry in _BY_FIRST_WORD.get((len(matches), first), ()):
                # The weakest word decides how well the entry matches.
                fit = min(
                    match.get(word, 0.0) for match, word in zip(matches, entry.words, strict=True)
                )
                strength = share * entry.weight * fit
                if strength > best.get(entry.field, 0.0):
                    best[entry.field] = strength
    return tuple(best.items())


@lru_cache(maxsize=8192)
def _matches(token: str) -> dict[str, float]:
    """The vocabulary words a header's word may stand for, each with how closely it fits.
    (Cached: callers only read it.)"""
    text = _canonical(token)
    fits: dict[str, float] = {}

    def fit(words: Iterable[str], closeness: float) -> None:
        for word in words:
            fits[word] = max(fits.get(word, 0.0), closeness)

    # A word of the vocabulary is itself, not a typo or inflection of another: "cost" is
    # not "count", and "unit" not "units".
    if text in _VOCABULARY_WORDS:
        return {text: _EXACT}
    near = process.extract_iter(text, _TYPO_WORDS, scorer=OSA.distance, score_cutoff=1)
    fit((word for word, _, _ in near), _TYPO)
    for stem in _stems(text, _languages(text)):
        fit(_BY_STEM.get(stem, ()), _STEM)
    if token.endswith(".") and len(text) >= _MIN_ABBREVIATION_LETTERS:
        fit((word for word in _VOCABULARY_WORDS if word.startswith(text)), _ABBREVIATION)
    return fits


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _canonical(token: str) -> str:
    text = token.rstrip(".")
    return _NUMBER if text in _NUMBER_WORDS else text


def _stems(text: str, languages: Iterable[str]) -> frozenset[str]:
    """The word's stems in `languages`, each as "language:stem"."""
    return frozenset(
        f"{language}:{stem}"
        for language in languages
        # A stemmer keeps state while it works: a new one each time (words are cached).
        if len(stem := snowballstemmer.stemmer(language).stemWord(text)) >= _MIN_STEM_LETTERS
    )


def _fold(text: str) -> str:
    """Lower case without diacritics ("Preț" is "pret"), but with й kept apart from и as
    Russian spells it, and "№" as it is."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("№", _NUMBER))
    kept: list[str] = []
    for char in decomposed:
        if not unicodedata.combining(char):
            kept.append(char)
        elif char == _BREVE and kept and kept[-1] == "и":
            kept[-1] = "й"
    return "".join(kept)


def _languages(text: str) -> tuple[str, ...]:
    """The stemmers for a header's word: those of the vocabulary's languages in its script."""
    if any("\u0400" <= char <= "\u04ff" for char in text):
        return ("russian",)
    if text.isascii() and text.isalpha():
        return ("english", "romanian")
    return ()


def _index() -> tuple[dict[tuple[int, str], list[_Entry]], frozenset[str], dict[str, set[str]]]:
    """The vocabulary's entries by their length and first word, its words, and its words by
    their stems in their own language (so that the Romanian stem of a header word is never
    compared with an English word's). A stem shared by words of different fields ("unit"
    of "unit" and "units") tells nothing and is left out."""
    by_first_word: dict[tuple[int, str], list[_Entry]] = {}
    by_stem: dict[str, set[str]] = {}
    fields: dict[str, set[Field]] = {}
    for field, languages in VOCABULARY.items():
        for language, words in languages.items():
            for names, weight in ((words.names, 1.0), (words.weak, _WEAK)):
                for name in names:
                    entry = _Entry(tuple(_canonical(t) for t in _tokens(name)), field, weight)
                    by_first_word.setdefault((len(entry.words), entry.words[0]), []).append(entry)
                    for word in entry.words:
                        for stem in _stems(word, [_STEMMERS[language]]):
                            by_stem.setdefault(stem, set()).add(word)
                        fields.setdefault(word, set()).add(field)
    known = frozenset(fields)
    telling = {
        stem: words
        for stem, words in by_stem.items()
        if len({frozenset(fields[word]) for word in words}) == 1
    }
    return by_first_word, known, telling


_BY_FIRST_WORD, _VOCABULARY_WORDS, _BY_STEM = _index()
_LONGEST_ENTRY = max(length for length, _ in _BY_FIRST_WORD)
_TYPO_WORDS = sorted(word for word in _VOCABULARY_WORDS if len(word) >= _MIN_TYPO_LETTERS)
