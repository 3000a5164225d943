"""Bytes and header words to text when charsets are missing, unknown or wrong.

Mail from partners' ERP systems and old clients often sends Windows-1251 or KOI8-R text
without a charset, or declares "us-ascii" over 8-bit bytes. Guesses are deterministic:
UTF-8 first, then `text_encoding.guess_single_byte`.
"""

from __future__ import annotations

import binascii
import codecs
import re

from mailbot.parsers.text_encoding import guess_single_byte

UTF8 = "utf-8"

# Declared charsets that say nothing about the bytes: guess instead.
_NO_CHARSET = frozenset({"", "unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined"})

# Text codecs that are no mail charset; punycode also decodes in quadratic time.
_NOT_MAIL_CODECS = frozenset({"punycode", "idna"})

# What senders mean by a declared charset: Windows code pages and extensions are supersets,
# and mail labelled with the older name often uses the extra characters (WHATWG does the same).
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    "tis-620": "cp874",
}
_WESTERN = frozenset({"ascii", "iso8859-1", "cp1252"})
_CYRILLIC = frozenset({"windows-1251", "koi8-r"})
_CYRILLIC_CODECS = frozenset({"cp1251", "koi8-r"})


_ASCII = bytes(range(0x80))


def guess_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown charset; returns the text and the charset used."""
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        pass
    text = data.decode(UTF8, "replace")
    # UTF-8 with a few broken bytes (a cut multi-byte character, one pasted Latin-1 word)
    # is still UTF-8; single-byte text read as UTF-8 is broken at nearly every high byte.
    if text.count("\ufffd") * 10 <= len(data.translate(None, _ASCII)):
        return text, f"{UTF8} (invalid bytes replaced)"
    charset = guess_single_byte(data)
    return data.decode(charset, "replace"), charset


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode `data` in its declared charset, or guess when that is missing or fails.

    Returns the text and, when the declared charset could not be used, a sentence saying
    what was done instead (None when nothing went wrong).
    """
    name = (declared or "").strip().lower()
    codec = _codec(name)
    if codec in _WESTERN and not data.isascii():
        # Clients that label everything Latin-1 or ASCII often send UTF-8; valid multi-byte
        # UTF-8 sequences almost never happen by chance in single-byte text.
        try:
            return data.decode(UTF8), f"charset {name!r} declared over UTF-8 text; read as utf-8"
        except UnicodeDecodeError:
            pass
        # The same clients label Russian Windows-1251 text Latin-1.
        guessed = guess_single_byte(data)
        if guessed in _CYRILLIC:
            return data.decode(guessed, "replace"), f"charset {name!r} declared over {guessed} text"
    if codec in _CYRILLIC_CODECS and not data.isascii():
        # Both code pages decode any byte, so a wrong label gives gibberish, never an error.
        guessed = guess_single_byte(data)
        if guessed in _CYRILLIC and codecs.lookup(guessed).name != codec:
            return data.decode(guessed, "replace"), f"charset {name!r} declared over {guessed} text"
    if codec:
        for candidate in (_SUPERSETS.get(codec, codec), codec):
            try:
                text = data.decode(candidate)
                text.encode(UTF8)  # utf-16 and utf-7 can produce lone surrogates: not text
                return text, None
            except (LookupError, UnicodeError, ValueError):
                pass
    text, used = guess_decode(data)
    if not codec and name in _NO_CHARSET:
        return text, None if used == UTF8 else f"no charset declared; decoded as {used}"
    return text, f"charset {name!r} does not decode the text; decoded as {used}"


def _codec(name: str) -> str | None:
    """Python's name for a declared mail charset, or None when it names no usable codec."""
    if name in _NO_CHARSET:
        return None
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    try:
        b"a".decode(codec)  # "base64" or "rot13" are codecs but no text encodings
    except LookupError:
        return None
    except UnicodeError:
        pass  # a text codec that wants more bytes (utf-16)
    return None if codec in _NOT_MAIL_CODECS else codec


def decode_8bit(raw: str) -> tuple[str, str | None]:
    """Turn a header string from the email package (raw bytes kept as surrogates) into text.

    Returns the text and the guessed charset when the raw bytes were not UTF-8.
    """
    if raw.isascii():
        return raw, None
    try:
        data = raw.encode(UTF8, "surrogateescape")
    except UnicodeEncodeError:
        data = raw.encode(UTF8, "replace")
    text, used = guess_decode(data)
    return text, None if used == UTF8 else used


_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def unfold(value: str) -> str:
    """Join folded header lines (RFC 5322 section 2.2.3) and trim the ends."""
    return _FOLD.sub("", value).replace("\r", "").replace("\n", " ").strip()


def _word_bytes(encoding: str, encoded: str) -> bytes | None:
    """The bytes of one encoded word, or None when it cannot be decoded."""
    try:
        data = encoded.encode("ascii")
        if encoding in "qQ":
            return binascii.a2b_qp(data, header=True)
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; other text is kept as it is.

    Adjacent words in one charset are joined before decoding, since some mailers split
    a multi-byte character across two words; the space between encoded words is dropped.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    run: list[bytes] = []
    run_charset = ""
    after_word = False
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        position = match.end()
        data = _word_bytes(match[2], match[3])
        if data is None:
            out.append(_flush(run, run_charset) + gap + match[0])
            run, after_word = [], False
            continue
        charset = match[1].split("*", 1)[0].lower()  # RFC 2231 adds *language
        adjacent = after_word and not gap.strip()
        if adjacent and charset == run_charset:
            run.append(data)
            continue
        out.append(_flush(run, run_charset))
        if not adjacent:
            out.append(gap)
        run, run_charset, after_word = [data], charset, True
    out.append(_flush(run, run_charset))
    out.append(value[position:])
    return "".join(out)


def _flush(run: list[bytes], charset: str) -> str:
    return decode_text(b"".join(run), charset)[0] if run else ""


def decode_header(raw: str) -> tuple[str, str | None]:
    """A header value as a person reads it: unfolded, 8-bit bytes and encoded words decoded.

    Returns the text and the guessed charset when raw 8-bit bytes were not UTF-8.
    """
    if raw.isascii() and "=?" not in raw and "\n" not in raw and "\x00" not in raw:
        return raw.strip(), None  # the usual header: nothing to decode
    text, guessed = decode_8bit(raw)
    return decode_words(unfold(text)).replace("\x00", ""), guessed
