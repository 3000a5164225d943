"""mailbot's own DKIM check (dkimpy): does a signature of the From domain verify?

Public keys are looked up through a `TxtResolver`. A signature whose d= is not aligned with the
From domain is not even looked up: it says nothing about who wrote the From.
"""

from __future__ import annotations

from dataclasses import dataclass

import dkim
from dkim.util import InvalidTagValueList, parse_tag_value

from mailbot.security.alignment import aligned
from mailbot.security.resolver import TxtResolver


@dataclass(frozen=True, slots=True)
class DkimCheck:
    """Whether an aligned signature verified, and what was found, for people."""

    passed: bool
    detail: str


def check_dkim(raw: bytes, from_domain: str, resolver: TxtResolver) -> DkimCheck:
    """Verify the message's DKIM signatures until one aligned with `from_domain` passes.

    Raises DnsLookupError when a key could not be looked up for a reason that may pass.
    """
    try:
        signer = dkim.DKIM(raw, minkey=1024)
    except dkim.DKIMException as error:
        return DkimCheck(False, f"dkim=fail (message unreadable: {error})")
    signatures = [value for name, value in signer.headers if name.lower() == b"dkim-signature"]
    if not signatures:
        return DkimCheck(False, "dkim=none (no DKIM-Signature)")
    failures = []
    for index, value in enumerate(signatures):
        try:
            domain = parse_tag_value(value).get(b"d", b"").decode("ascii", "replace").lower()
        except InvalidTagValueList:
            failures.append("dkim=fail (unreadable DKIM-Signature)")
            continue
        if not aligned(domain, from_domain):
            failures.append(f"dkim=fail (d={domain} not aligned with {from_domain})")
            continue
        lookup = _KeyLookup(resolver)
        try:
            verified = bool(signer.verify(idx=index, dnsfunc=lookup))
        except dkim.DKIMException as error:
            failures.append(f"dkim=fail d={domain} ({error})")
            continue
        if verified:
            return DkimCheck(True, f"dkim=pass d={domain} (verified by mailbot)")
        if lookup.missing:
            failures.append(f"dkim=fail d={domain} (no key at {lookup.missing[0]})")
        else:
            failures.append(f"dkim=fail d={domain} (signature does not verify)")
    return DkimCheck(False, "; ".join(failures))


class _KeyLookup:
    """dkimpy's `dnsfunc` over a TxtResolver, remembering the names that had no record."""

    def __init__(self, resolver: TxtResolver) -> None:
        self._resolver = resolver
        self.missing: list[str] = []

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        """`timeout` is dkimpy's; the resolver keeps its own."""
        key_name = name.decode("ascii", "replace").rstrip(".")
        record = self._resolver.txt(key_name)
        if record is None:
            self.missing.append(key_name)
        return record
