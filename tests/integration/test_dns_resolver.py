"""The real DNS resolver against a DNS server on loopback: records, absent names, timeouts."""

from __future__ import annotations

import pytest

from mailbot.security.dkim import check_dkim
from mailbot.security.resolver import DnsLookupError, DnsTxtResolver
from tests.dns_server import dns_server
from tests.mail import mail
from tests.signing import key_name, signed, signing_key

KEY = key_name("fleetparts.example")


def test_a_published_key_is_found_and_verifies_a_signature() -> None:
    """A DKIM key split over several TXT strings comes back joined and verifies a signature."""
    record = signing_key().record
    with dns_server({KEY: record}) as server:
        resolver = DnsTxtResolver(resolver=server.resolver())
        assert resolver.txt(KEY) == record
        raw = signed(mail(sender="buying@fleetparts.example", body="x"), "fleetparts.example")
        assert check_dkim(raw, "fleetparts.example", resolver).passed


def test_an_absent_name_is_no_record() -> None:
    """NXDOMAIN is an answer: there is no key."""
    with dns_server({}) as server:
        assert DnsTxtResolver(resolver=server.resolver()).txt(KEY) is None


def test_a_server_that_does_not_answer_is_a_lookup_error() -> None:
    """No answer within the timeout raises DnsLookupError (try later), not 'no key'."""
    with dns_server({}, silent={KEY}) as server:
        resolver = DnsTxtResolver(timeout_seconds=0.5, resolver=server.resolver())
        with pytest.raises(DnsLookupError, match="failed"):
            resolver.txt(KEY)
