"""Sender authentication: trusted servers' verdicts, alignment, and mailbot's own DKIM check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parsers.authentication import parse_authentication_results
from mailbot.parsers.message import parse_message
from mailbot.security.alignment import aligned
from mailbot.security.dkim import check_dkim
from mailbot.security.resolver import DnsLookupError
from mailbot.services.inbox.sender_auth import SenderAuthentication, judge_results
from tests.fakes import FixedTxtResolver
from tests.mail import mail
from tests.signing import key_name, received, signed, signing_key
from tests.strategies import domains

FLEET = "buying@fleetparts.example"
MX = "mx.distributor.example"


def verdict(header: str, from_domain: str = "fleetparts.example") -> tuple[bool, str]:
    result = judge_results(parse_authentication_results(header), from_domain)
    return result.passed, result.reason


def test_alignment_is_equality_or_a_subdomain_either_way() -> None:
    """Equal domains and parent/child domains align; siblings and look-alikes do not."""
    assert aligned("fleetparts.example", "FleetParts.Example.")
    assert aligned("mail.fleetparts.example", "fleetparts.example")
    assert aligned("@fleetparts.example", "eu.fleetparts.example")
    assert aligned("bounce@mail.fleetparts.example", "fleetparts.example")
    assert not aligned("evilfleetparts.example", "fleetparts.example")
    assert not aligned("fleetparts.example.evil.example", "fleetparts.example")
    assert not aligned("mail.other.example", "eu.other-fleet.example")
    assert not aligned("", "fleetparts.example")


@given(domains, st.booleans())
def test_alignment_is_symmetric(domain: str, child: bool) -> None:
    """A domain aligns with itself and its subdomains, in either order."""
    other = f"x.{domain}" if child else domain
    assert aligned(domain, other)
    assert aligned(other, domain)


def test_each_method_can_pass_when_aligned() -> None:
    """DKIM d= (or i=), SPF MAIL FROM (or HELO) and DMARC From each pass when they align."""
    assert verdict(f"{MX}; dkim=pass header.d=fleetparts.example")[0]
    assert verdict(f"{MX}; dkim=pass header.i=@mail.fleetparts.example")[0]
    assert verdict(f"{MX}; spf=pass smtp.mailfrom=bounce@fleetparts.example")[0]
    assert verdict(f"{MX}; spf=pass smtp.helo=mx1.fleetparts.example")[0]
    assert verdict(f"{MX}; dmarc=pass header.from=fleetparts.example")[0]
    passed, reason = verdict(
        f"{MX}; spf=fail smtp.mailfrom=x.example; dkim=pass header.d=fleetparts.example"
    )
    assert (passed, reason) == (True, f"dkim=pass header.d=fleetparts.example (by {MX})")


def test_failures_and_unaligned_passes_are_named() -> None:
    """A pass for another domain, a fail, or no result at all fails with what was found."""
    passed, reason = verdict(
        f"{MX}; dkim=pass header.d=bulkmailer.example;"
        " spf=softfail smtp.mailfrom=fleetparts.example; dmarc=pass header.from=other.example"
    )
    assert not passed
    assert reason == (
        f"{MX}: dkim=pass header.d=bulkmailer.example (not aligned with fleetparts.example), "
        "spf=softfail smtp.mailfrom=fleetparts.example, "
        "dmarc=pass header.from=other.example (not aligned with fleetparts.example)"
    )
    assert verdict(f"{MX}; none") == (False, f"{MX}: no dkim, spf or dmarc result")
    assert verdict(f"{MX}; dkim=neutral header.d=fleetparts.example")[0] is False


def check(
    raw: bytes, trusted: tuple[str, ...] = (MX,), resolver: FixedTxtResolver | None = None
) -> str | None:
    return SenderAuthentication(trusted, resolver).refusal(raw, parse_message(raw))


def test_a_message_without_trusted_results_is_refused_with_the_reason() -> None:
    """No trusted field, or only untrusted ones (even saying pass), is refused, and says so."""
    plain = mail(sender=FLEET, body="BPW-0310 x 1")
    assert check(plain) == "sender not authenticated: no trusted Authentication-Results"
    forged = received(plain, "evil.example; dkim=pass header.d=fleetparts.example")
    assert check(forged) == (
        "sender not authenticated: no trusted Authentication-Results "
        "(1 from untrusted servers ignored)"
    )
    good = received(plain, f"{MX.upper()}; dkim=pass header.d=fleetparts.example")
    assert check(good) is None


def test_the_topmost_trusted_field_decides() -> None:
    """A trusted pass below the topmost trusted field does not count; above it, it does."""
    plain = mail(sender=FLEET, body="BPW-0310 x 1")
    failing = f"{MX}; dkim=fail header.d=fleetparts.example"
    passing = f"{MX}; dkim=pass header.d=fleetparts.example"
    assert check(received(plain, failing, passing)) == (
        f"sender not authenticated: {MX}: dkim=fail header.d=fleetparts.example"
    )
    assert check(received(plain, passing, failing)) is None


def resolver() -> FixedTxtResolver:
    return FixedTxtResolver({key_name("fleetparts.example"): signing_key().record})


def test_own_dkim_check_passes_a_signed_message() -> None:
    """A message signed by the From domain verifies with the published key."""
    raw = signed(mail(sender=FLEET, body="BPW-0310 x 1"), "fleetparts.example")
    dns = resolver()
    result = check_dkim(raw, "fleetparts.example", dns)
    assert (result.passed, result.detail) == (
        True,
        "dkim=pass d=fleetparts.example (verified by mailbot)",
    )
    assert dns.asked == ["mail._domainkey.fleetparts.example"]
    assert check(raw, (), dns) is None


def test_own_dkim_check_fails_a_tampered_body() -> None:
    """A body changed after signing fails with the body hash mismatch."""
    raw = signed(mail(sender=FLEET, body="BPW-0310 x 1"), "fleetparts.example")
    tampered = raw.replace(b"BPW-0310 x 1", b"BPW-0310 x 9")
    result = check_dkim(tampered, "fleetparts.example", resolver())
    assert not result.passed
    assert result.detail.startswith("dkim=fail d=fleetparts.example (body hash mismatch")


def test_own_dkim_check_fails_a_signature_of_another_domain() -> None:
    """A valid signature by a domain not aligned with From is not even looked up."""
    raw = signed(mail(sender=FLEET, body="BPW-0310 x 1"), "bulkmailer.example")
    dns = FixedTxtResolver({key_name("bulkmailer.example"): signing_key().record})
    result = check_dkim(raw, "fleetparts.example", dns)
    assert (result.passed, result.detail) == (
        False,
        "dkim=fail (d=bulkmailer.example not aligned with fleetparts.example)",
    )
    assert dns.asked == []


def test_own_dkim_check_fails_without_a_key_or_a_signature() -> None:
    """No published key, or no signature at all, fails and says which."""
    raw = signed(mail(sender=FLEET, body="BPW-0310 x 1"), "fleetparts.example")
    result = check_dkim(raw, "fleetparts.example", FixedTxtResolver())
    assert (result.passed, result.detail) == (
        False,
        "dkim=fail d=fleetparts.example (no key at mail._domainkey.fleetparts.example)",
    )
    unsigned = check_dkim(mail(sender=FLEET, body="x"), "fleetparts.example", resolver())
    assert (unsigned.passed, unsigned.detail) == (False, "dkim=none (no DKIM-Signature)")


def test_a_signature_made_with_another_key_fails() -> None:
    """A signature by a key other than the one published for its selector does not verify."""
    raw = signed(mail(sender=FLEET, body="x"), "fleetparts.example", key="impostor")
    result = check_dkim(raw, "fleetparts.example", resolver())
    assert (result.passed, result.detail) == (
        False,
        "dkim=fail d=fleetparts.example (signature does not verify)",
    )


def test_a_dns_failure_is_raised_to_be_retried() -> None:
    """A key lookup that times out raises, so the processor tries the message again later."""
    raw = signed(mail(sender=FLEET, body="x"), "fleetparts.example")
    dns = FixedTxtResolver(failing={"mail._domainkey.fleetparts.example"})
    with pytest.raises(DnsLookupError, match=r"mail\._domainkey\.fleetparts\.example"):
        check(raw, (), dns)


def test_both_kinds_of_evidence_are_reported() -> None:
    """With trusted servers and own DKIM, a failure names what each found; either may pass."""
    raw = mail(sender=FLEET, body="x")
    assert check(raw, (MX,), resolver()) == (
        "sender not authenticated: no trusted Authentication-Results; dkim=none (no DKIM-Signature)"
    )
    assert check(signed(raw, "fleetparts.example"), (MX,), resolver()) is None
