"""Which encoding text of unknown charset is in: UTF-8 (with or without BOM), UTF-16 with BOM,
Windows-1251, KOI8-R, Windows-1252 or Latin-1. Used for CSV files and for mail without a
usable charset.

charset-normalizer was tried and mixes up the two Cyrillic code pages on short text (a CSV
header and three rows), the most common case here, so Russian text is told apart by letter
frequencies instead.
"""

from __future__ import annotations

import codecs
import math

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20
_SAMPLE = 64 * 1024
_CYRILLIC = ("windows-1251", "koi8-r")

# Relative frequency (per mille) of letters in Russian text: the right one of two Cyrillic
# code pages turns bytes into common letters, the wrong one into a shuffled alphabet.
_RUSSIAN = {
    **{"о": 110, "е": 85, "а": 80, "и": 74, "н": 67, "т": 63, "с": 55, "р": 47, "в": 45},
    **{"л": 44, "к": 35, "м": 32, "д": 30, "п": 28, "у": 26, "я": 20, "ы": 19, "ь": 17},
    **{"г": 17, "з": 17, "б": 16, "ч": 14, "й": 12, "х": 10, "ж": 9, "ш": 7, "ю": 6},
    **{"ц": 5, "щ": 4, "э": 3, "ф": 3, "ъ": 1, "ё": 1},
}


def detect_encoding(payload: bytes) -> str:
    """The codec to read `payload` with; never fails (Latin-1 decodes anything)."""
    for bom, name in _BOMS:
        if payload.startswith(bom):
            return name
    if _is_utf8(payload):
        return "utf-8"
    return guess_single_byte(payload)


def guess_single_byte(data: bytes) -> str:
    """The likely charset of 8-bit text that is not UTF-8: windows-1251 or koi8-r for
    Russian, else windows-1252 (latin-1 where 1252 leaves a byte undefined)."""
    sample = data[:_SAMPLE]
    if _looks_cyrillic(sample):
        return max(_CYRILLIC, key=lambda name: _russian_score(sample.decode(name, "replace")))
    return "windows-1252" if _decodes(data, "windows-1252") else "latin-1"


def _is_utf8(payload: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for start in range(0, len(payload), _CHUNK):
            decoder.decode(payload[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decodes(sample: bytes, name: str) -> bool:
    try:
        sample.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _looks_cyrillic(sample: bytes) -> bool:
    """Whether most bytes above 0xC0 stand in runs of three or more, as Cyrillic words do.

    In Western text such bytes are accented letters, mostly alone inside ASCII words.
    """
    high = in_runs = run = 0
    for byte in (*sample, 0):
        if byte >= 0xC0:
            run += 1
            continue
        high += run
        if run >= 3:
            in_runs += run
        run = 0
    return high > 0 and in_runs * 2 >= high


def _russian_score(text: str) -> float:
    """How much `text` looks like Russian: common letters, and capitals only at word starts."""
    score = 0.0
    previous = " "
    for char in text:
        frequency = _RUSSIAN.get(char.lower())
        if frequency is not None:
            score += math.log(frequency)
            if char.isupper() and previous.islower():
                score -= 5.0
        previous = char
    return score
