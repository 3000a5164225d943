"""`Authentication-Results` header fields (RFC 8601) to plain data.

A receiving server records there what it checked (DKIM, SPF, DMARC...) and with what result.
The reader is lenient the way mail is: comments in parentheses (nested, escaped) are dropped,
values may be quoted strings, names and results are case-insensitive, properties a server adds
outside the RFC (Microsoft's `action=none`) are kept like the others, and a result it cannot
read is skipped rather than spoiling the rest of the header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_KEYWORD = r"[A-Za-z0-9_-]+"
_METHOD = re.compile(rf"\s*(?P<method>{_KEYWORD})\s*(?:/\s*\d+\s*)?=\s*(?P<result>{_KEYWORD})")
_PROPERTY = re.compile(
    rf"\s*(?P<name>{_KEYWORD}(?:\s*\.\s*{_KEYWORD})?)\s*=\s*"
    r'(?P<value>"(?:[^"\\]|\\.)*"|[^\s";]*)'
)
_WORD = re.compile(r"\s*\S+")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_IDENTITIES = frozenset({"header.d", "header.i", "smtp.mailfrom", "smtp.helo", "header.from"})


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One `method=result` with its reason and properties; names and results are lower-case.

    Properties are keyed `ptype.property` in lower case (`header.d`, `smtp.mailfrom`); their
    values are as written, unquoted.
    """

    method: str
    result: str
    reason: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        """The value of property `name` (e.g. "header.d"), or ""."""
        return self.properties.get(name.lower(), "")

    def describe(self) -> str:
        """The result as the header says it, with the properties that name who was checked."""
        shown = [
            f"{name}={value}" for name, value in self.properties.items() if name in _IDENTITIES
        ]
        return " ".join([f"{self.method}={self.result}", *shown])


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    """One `Authentication-Results` field: who checked (authserv-id) and what it found."""

    authserv_id: str
    results: tuple[MethodResult, ...] = ()


def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """Read one header field's value; None when it is empty.

    A field that starts with a result instead of an authserv-id (Exchange Online writes them so)
    gets the authserv-id "", which no configuration trusts.
    """
    segments = _split_semicolons(_strip_comments(value))
    head = _words(segments[0])
    if not head:
        return None
    authserv_id = head[0].lower()
    if "=" in segments[0]:
        authserv_id = ""
    else:
        segments = segments[1:]
    results = tuple(result for result in map(_method_result, segments) if result)
    return AuthenticationResults(authserv_id=authserv_id, results=results)


def trusted_results(values: Iterable[str], trusted: Iterable[str]) -> AuthenticationResults | None:
    """The first (topmost) field of `values` added by a server in `trusted`, or None.

    Headers are listed top first, as in the message: the topmost trusted field is the one the
    trusted server added last; any below it, or from other servers, may have come from anyone.
    """
    ids = {authserv_id.strip().lower() for authserv_id in trusted}
    for value in values:
        parsed = parse_authentication_results(value)
        if parsed is not None and parsed.authserv_id and parsed.authserv_id in ids:
            return parsed
    return None


def _method_result(segment: str) -> MethodResult | None:
    match = _METHOD.match(segment)
    if match is None:
        return None  # "none", or something this reader does not know
    reason = ""
    properties: dict[str, str] = {}
    position = match.end()
    while position < len(segment):
        found = _PROPERTY.match(segment, position)
        if found is None or found.end() == position:
            # Not name=value: skip one word and go on with the rest.
            word = _WORD.match(segment, position)
            if word is None:
                break
            position = word.end()
            continue
        name = re.sub(r"\s+", "", found["name"]).lower()
        value = _unquote(found["value"])
        if name == "reason":
            reason = value
        else:
            properties.setdefault(name, value)
        position = found.end()
    return MethodResult(
        method=match["method"].lower(),
        result=match["result"].lower(),
        reason=reason,
        properties=properties,
    )


def _strip_comments(value: str) -> str:
    """The value with each (comment) replaced by a space; quoted strings kept whole."""
    kept: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                kept.append(char)
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                kept.append(char)
            continue
        if quoted:
            quoted = char != '"'
            kept.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                kept.append(" ")
        elif depth == 0:
            quoted = char == '"'
            kept.append(char)
    return "".join(kept)


def _split_semicolons(value: str) -> list[str]:
    """`value` split at semicolons outside quoted strings."""
    segments = []
    start = 0
    quoted = False
    escaped = False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            segments.append(value[start:index])
            start = index + 1
    segments.append(value[start:])
    return segments


def _words(segment: str) -> list[str]:
    """Whitespace-separated words, quoted strings unquoted."""
    return [
        _unquote(word) for word in re.findall(r'"(?:[^"\\]|\\.)*"?|[^\s"]+', segment, re.DOTALL)
    ]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value.strip('"')
