"""Which encoding a partner's CSV file is in: UTF-8 (with or without BOM), UTF-16 with BOM,
Windows-1251, KOI8-R, Windows-1252 or Latin-1."""

from __future__ import annotations

import codecs
import math

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20
_SAMPLE = 64 * 1024
_CYRILLIC = ("cp1251", "koi8_r")
_WESTERN = ("cp1252", "latin_1")

# Relative frequency (per mille) of letters in Russian text: the right one of two Cyrillic
# code pages turns bytes into common letters, the wrong one into a shuffled alphabet.
_RUSSIAN = {
    **{"о": 110, "е": 85, "а": 80, "и": 74, "н": 67, "т": 63, "с": 55, "р": 47, "в": 45},
    **{"л": 44, "к": 35, "м": 32, "д": 30, "п": 28, "у": 26, "я": 20, "ы": 19, "ь": 17},
    **{"г": 17, "з": 17, "б": 16, "ч": 14, "й": 12, "х": 10, "ж": 9, "ш": 7, "ю": 6},
    **{"ц": 5, "щ": 4, "э": 3, "ф": 3, "ъ": 1, "ё": 1},
}


def detect_encoding(payload: bytes) -> str:
    """The Python codec name to read `payload` with; never fails (Latin-1 decodes anything)."""
    for bom, name in _BOMS:
        if payload.startswith(bom):
            return name
    if _is_utf8(payload):
        return "utf-8"
    sample = payload[:_SAMPLE]
    # charset-normalizer mixes up the Cyrillic code pages on short files (a header and
    # three rows), so Cyrillic-looking text is decided by letter frequencies instead.
    if _looks_cyrillic(sample):
        return max(_CYRILLIC, key=lambda name: _russian_score(sample.decode(name, "replace")))
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(_WESTERN)).best()
    if best is not None and best.encoding in _WESTERN:
        return best.encoding
    return "cp1252" if _decodes(sample, "cp1252") else "latin_1"


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
