"""Identifier alignment: does a domain that passed a check speak for the From domain?

A simplified form of DMARC's relaxed alignment (RFC 7489, 3.1) without the public suffix list:
two domains are aligned when they are equal or one is a subdomain of the other
(`mail.fleetparts.example` and `fleetparts.example`). Passing for a domain needs a DNS record
there, so a public suffix such as `example` or `co.uk` never passes in practice.
"""

from __future__ import annotations


def domain_of(identity: str) -> str:
    """The domain of an address, `@domain` or bare domain, lower-case, without a final dot."""
    return identity.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """True when `domain` and `from_domain` are equal or one is a subdomain of the other."""
    first, second = domain_of(domain), domain_of(from_domain)
    if not first or not second:
        return False
    return first == second or first.endswith("." + second) or second.endswith("." + first)
