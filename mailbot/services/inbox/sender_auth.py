"""Sender authentication: may a message be believed to come from the domain in its From?

Anyone can write a partner's address in From. With `security.require_sender_auth`, a message
passes only when the topmost `Authentication-Results` field of a trusted receiving server shows
DKIM pass aligned with the From domain, SPF pass for an aligned MAIL FROM (HELO when MAIL FROM
is empty), or DMARC pass for the From domain; or, with `security.verify_dkim`, when mailbot
verifies an aligned DKIM signature itself. Alignment: see `security/alignment.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mailbot.parsers.authentication import (
    AuthenticationResults,
    MethodResult,
    parse_authentication_results,
    trusted_results,
)
from mailbot.parsers.message import ParsedMessage
from mailbot.security.alignment import aligned, domain_of
from mailbot.security.dkim import check_dkim
from mailbot.security.resolver import DnsLookupError, TxtResolver

_METHODS = ("dkim", "spf", "dmarc")

# How a refusal begins: a message quarantined for it may be let through by a manager.
NOT_AUTHENTICATED = "sender not authenticated: "


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the sender is authenticated, and the evidence either way, for people."""

    passed: bool
    reason: str


def judge_results(results: AuthenticationResults | None, from_domain: str) -> Verdict:
    """The verdict of one trusted server's results (None: there was no trusted field)."""
    if results is None:
        return Verdict(False, "no trusted Authentication-Results")
    checked = []
    for result in results.results:
        if result.method not in _METHODS:
            continue
        identity = _identity(result)
        if result.result == "pass" and _speaks_for(result, identity, from_domain):
            return Verdict(True, f"{result.describe()} (by {results.authserv_id})")
        described = result.describe()
        if result.result == "pass":
            described += f" (not aligned with {from_domain})"
        checked.append(described)
    found = ", ".join(checked) if checked else "no dkim, spf or dmarc result"
    return Verdict(False, f"{results.authserv_id}: {found}")


def _identity(result: MethodResult) -> str:
    """The domain a result speaks of: DKIM d= (else i=), SPF MAIL FROM (else HELO), DMARC From."""
    if result.method == "dkim":
        return domain_of(result.get("header.d") or result.get("header.i"))
    if result.method == "spf":
        return domain_of(result.get("smtp.mailfrom") or result.get("smtp.helo"))
    return domain_of(result.get("header.from"))


def _speaks_for(result: MethodResult, identity: str, from_domain: str) -> bool:
    if result.method == "dmarc":
        # DMARC is evaluated for the From domain itself; a result naming another is not ours.
        return not identity or identity == domain_of(from_domain)
    return aligned(identity, from_domain)


class SenderAuthentication:
    """The configured check: trusted servers' results, then (optionally) mailbot's own DKIM.

    `required`: mail that fails is quarantined (`security.require_sender_auth`); otherwise the
    check only vouches for acts that commit money or goods (see services/orders/proof.py)."""

    def __init__(
        self,
        trusted_authserv_ids: Collection[str],
        resolver: TxtResolver | None,
        *,
        required: bool = True,
    ) -> None:
        """`resolver` None: mailbot does not verify DKIM itself."""
        self._trusted = frozenset(i.strip().lower() for i in trusted_authserv_ids)
        self._resolver = resolver
        self.required = required

    def passes(self, raw: bytes, message: ParsedMessage) -> bool:
        """Whether the sender of `message` is authenticated; a DKIM key lookup that failed
        counts as not (the message is not retried for it, unlike with `required`)."""
        try:
            return self.refusal(raw, message) is None
        except DnsLookupError:
            return False

    def refusal(self, raw: bytes, message: ParsedMessage) -> str | None:
        """Why the sender of `message` (whose bytes are `raw`) is not believed, or None.

        Raises DnsLookupError when a DKIM key lookup failed for a reason that may pass.
        """
        from_domain = domain_of(message.from_address)
        evidence = []
        if self._trusted:
            fields = message.headers.get("authentication-results", ())
            verdict = judge_results(trusted_results(fields, self._trusted), from_domain)
            if verdict.passed:
                return None
            evidence.append(verdict.reason + _ignored(fields, self._trusted))
        if self._resolver is not None:
            own = check_dkim(raw, from_domain, self._resolver)
            if own.passed:
                return None
            evidence.append(own.detail)
        return NOT_AUTHENTICATED + "; ".join(evidence)


def _ignored(fields: Collection[str], trusted: Collection[str]) -> str:
    others = 0
    for value in fields:
        parsed = parse_authentication_results(value)
        if parsed is not None and parsed.authserv_id not in trusted:
            others += 1
    return f" ({others} from untrusted servers ignored)" if others else ""
