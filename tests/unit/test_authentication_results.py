"""Authentication-Results (RFC 8601) as Gmail, Microsoft and Postfix milters write it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailbot.parsers.authentication import (
    AuthenticationResults,
    MethodResult,
    parse_authentication_results,
    trusted_results,
)
from tests.strategies import auth_keywords, domains, header_gaps

GMAIL = """mx.google.com;
       dkim=pass header.i=@fleetparts.example header.s=20230601 header.b=Ab1/Cd+2;
       arc=pass (i=1 spf=pass spfdomain=fleetparts.example dkim=pass dkdomain=fleetparts.example);
       spf=pass (google.com: domain of buying@fleetparts.example designates 209.85.220.41 as
        permitted sender) smtp.mailfrom=buying@fleetparts.example;
       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=fleetparts.example"""

MICROSOFT = (
    "spf=pass (sender IP is 40.107.22.52) smtp.mailfrom=contoso.com; dkim=pass (signature was "
    "verified) header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;"
    "compauth=pass reason=100"
)

OPENDKIM = (
    "mx.distributor.example;\n\tdkim=pass (2048-bit key; unprotected) header.d=fleetparts.example"
    " header.i=@fleetparts.example header.a=rsa-sha256 header.s=mail header.b=Xy12AbCd"
)
OPENDMARC = "mx.distributor.example; dmarc=fail (p=reject dis=none) header.from=fleetparts.example"
POSTFIX_SPF = (
    "mx.distributor.example; spf=softfail (domain owner discourages use of this host) "
    "smtp.mailfrom=fleetparts.example (client-ip=203.0.113.9; helo=mail.evil.example; "
    "envelope-from=buying@fleetparts.example; receiver=<UNKNOWN>)"
)


def parse(value: str) -> AuthenticationResults:
    parsed = parse_authentication_results(value)
    assert parsed is not None
    return parsed


def of(parsed: AuthenticationResults, method: str) -> tuple[MethodResult, ...]:
    return tuple(result for result in parsed.results if result.method == method)


def test_gmail_results_are_read_with_comments_dropped() -> None:
    """Gmail's folded header gives its id and each result with its properties, comments dropped."""
    parsed = parse(GMAIL)
    assert parsed.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"),
        ("arc", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    (dkim,) = of(parsed, "dkim")
    assert dkim.get("header.i") == "@fleetparts.example"
    assert dkim.get("header.b") == "Ab1/Cd+2"
    assert of(parsed, "spf")[0].get("smtp.mailfrom") == "buying@fleetparts.example"
    assert of(parsed, "dmarc")[0].get("header.from") == "fleetparts.example"
    assert of(parsed, "arc")[0].properties == {}


def test_microsoft_header_without_authserv_id_is_read_but_belongs_to_nobody() -> None:
    """Exchange Online writes no authserv-id: the results are read, the id is empty."""
    parsed = parse(MICROSOFT)
    assert parsed.authserv_id == ""
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
        ("compauth", "pass"),
    ]
    assert of(parsed, "dmarc")[0].properties == {"action": "none", "header.from": "contoso.com"}
    assert of(parsed, "compauth")[0].reason == "100"
    assert trusted_results([MICROSOFT], [""]) is None


def test_postfix_milter_headers_are_read() -> None:
    """opendkim, opendmarc and policyd-spf headers give their results and domains."""
    dkim = of(parse(OPENDKIM), "dkim")[0]
    assert (dkim.result, dkim.get("header.d"), dkim.get("header.s")) == (
        "pass",
        "fleetparts.example",
        "mail",
    )
    assert of(parse(OPENDMARC), "dmarc")[0].result == "fail"
    spf = of(parse(POSTFIX_SPF), "spf")[0]
    assert (spf.result, spf.get("smtp.mailfrom")) == ("softfail", "fleetparts.example")


def test_case_quotes_versions_and_spaces_are_understood() -> None:
    """Upper case, a version, a quoted id and values, and spaces around = . / are all read."""
    parsed = parse(
        '"MX.Distributor.Example" 1 ; DKIM/1 = PASS ( ok ; really ) Header . D = "Fleet\\"Parts'
        '.example" reason="a; (b)"'
    )
    assert parsed.authserv_id == "mx.distributor.example"
    (result,) = parsed.results
    assert (result.method, result.result, result.reason) == ("dkim", "pass", "a; (b)")
    assert result.get("header.d") == 'Fleet"Parts.example'


def test_no_result_and_unreadable_parts() -> None:
    """`id; none` has no results; an unreadable result is skipped and the others kept."""
    assert parse("mx.example 1; none").results == ()
    parsed = parse("mx.example; ???; spf=pass smtp.mailfrom=a.example junk; dkim")
    assert [(r.method, r.result) for r in parsed.results] == [("spf", "pass")]
    assert parsed.results[0].get("smtp.mailfrom") == "a.example"
    assert parse_authentication_results("  (only a comment)  ") is None


def test_nested_comments_with_escaped_parentheses_are_dropped() -> None:
    """A comment holding a comment and an escaped parenthesis leaves nothing behind."""
    parsed = parse("mx.example (a (nested \\) one) comment); spf=fail (x) smtp.mailfrom=b.example")
    assert parsed.authserv_id == "mx.example"
    assert parsed.results[0].describe() == "spf=fail smtp.mailfrom=b.example"


def test_only_the_topmost_field_of_a_trusted_server_counts() -> None:
    """Untrusted fields are passed over, and a trusted one below another trusted one is not used."""
    fields = [
        "evil.example; dkim=pass header.d=fleetparts.example",
        "MX.distributor.example; dkim=fail header.d=fleetparts.example",
        "mx.distributor.example; dkim=pass header.d=fleetparts.example",
    ]
    chosen = trusted_results(fields, ["mx.distributor.example"])
    assert chosen is not None
    assert of(chosen, "dkim")[0].result == "fail"
    assert trusted_results(fields[:1], ["mx.distributor.example"]) is None


@given(
    server=domains,
    results=st.lists(
        st.tuples(st.sampled_from(["dkim", "spf", "dmarc", "arc"]), auth_keywords, domains),
        max_size=5,
    ),
    gap=header_gaps,
    upper=st.booleans(),
)
def test_generated_headers_read_back(
    server: str, results: list[tuple[str, str, str]], gap: str, upper: bool
) -> None:
    """Any header built from the grammar, with comments and any case, reads back to its parts."""
    written = [f"{gap}{m}{gap}={gap}{r} {gap}header.d={d}{gap}" for m, r, d in results]
    header = ";".join([f"{gap}{server}{gap}", *written]) if written else f"{server}; none"
    parsed = parse(header.upper() if upper else header)
    assert parsed.authserv_id == server
    assert [(r.method, r.result, r.get("header.d").lower()) for r in parsed.results] == [
        (method.lower(), result.lower(), domain) for method, result, domain in results
    ]


@given(st.text(max_size=200))
def test_any_text_is_read_without_error(value: str) -> None:
    """Whatever a header holds, the reader returns a value or None and never raises."""
    parsed = parse_authentication_results(value)
    assert parsed is None or isinstance(parsed.authserv_id, str)
