"""DNS TXT lookups, the one network read of sender authentication (DKIM public keys).

Tests replace the resolver with fixed records (tests/fakes.py).
"""

from __future__ import annotations

from typing import Protocol

import dkim
import dkim.dnsplug

from mailbot.errors import MailbotError


class DnsLookupError(MailbotError):
    """A lookup failed for a reason that may pass (timeout, no server): try the message later."""


class TxtResolver(Protocol):
    def txt(self, name: str) -> bytes | None:
        """The TXT record at the domain `name` (its strings joined), or None if there is none."""
        ...


class DnsTxtResolver:
    """The system's DNS through dnspython, as dkimpy itself looks keys up."""

    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self._timeout = timeout_seconds

    def txt(self, name: str) -> bytes | None:
        try:
            # A trailing dot: the name is absolute, never tried under a search domain.
            record = dkim.dnsplug.get_txt(name.rstrip(".").encode() + b".", self._timeout)
        except dkim.DnsTimeoutError as error:
            raise DnsLookupError(f"DNS lookup of {name} failed: {error}") from None
        return record if isinstance(record, bytes) else None
