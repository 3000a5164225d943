"""DNS TXT lookups, the one network read of sender authentication (DKIM public keys).

Tests replace the resolver with fixed records (tests/fakes.py).
"""

from __future__ import annotations

from typing import Protocol

import dns.exception
import dns.resolver

from mailbot.errors import MailbotError


class DnsLookupError(MailbotError):
    """A lookup failed for a reason that may pass (timeout, no server): try the message later."""


class TxtResolver(Protocol):
    def txt(self, name: str) -> bytes | None:
        """The TXT record at the domain `name` (its strings joined), or None if there is none."""
        ...


class DnsTxtResolver:
    """The system's DNS through dnspython (what dkimpy itself uses).

    No such name or no TXT record is an answer (None); a timeout or failing servers are not, and
    raise DnsLookupError, where dkimpy's own lookup would report the key missing.
    """

    def __init__(
        self, timeout_seconds: float = 5.0, resolver: dns.resolver.Resolver | None = None
    ) -> None:
        """`resolver`: dnspython's, set up from /etc/resolv.conf unless given."""
        self._timeout = timeout_seconds
        self._resolver = resolver

    def txt(self, name: str) -> bytes | None:
        # A trailing dot: the name is absolute, never tried under a search domain.
        absolute = name.rstrip(".") + "."
        try:
            resolver = self._resolver or dns.resolver.get_default_resolver()
            answer = resolver.resolve(absolute, "TXT", lifetime=self._timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.DNSException as error:
            raise DnsLookupError(f"DNS lookup of {name} failed: {error}") from None
        for record in answer:
            return b"".join(record.strings)
        return None
