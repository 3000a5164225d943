"""Which mail mailbot must not answer (RFC 3834), and why."""

from __future__ import annotations

import dataclasses

import pytest

from mailbot.parsers.autoreply import RULES, is_bounce, reason_not_to_answer
from mailbot.parsers.message import ParsedMessage, parse_message

OWN = ("orders@distributor.example",)
SENT = frozenset({"quote-ORD-2026-000042@distributor.example"})  # ids of mail mailbot wrote


def client_mail(**changes: object) -> ParsedMessage:
    """A normal order from a client; `headers` in `changes` are added to its own."""
    headers = {
        "from": ("Fleet Parts <buying@fleetparts.example>",),
        "content-type": ('text/plain; charset="utf-8"',),
    }
    extra = changes.pop("headers", {})
    assert isinstance(extra, dict)
    message = ParsedMessage(
        message_id="1795.14701@fleetparts.example",
        from_address="buying@fleetparts.example",
        from_name="Fleet Parts",
        reply_to=(),
        to=("orders@distributor.example",),
        subject="Order",
        date=None,
        in_reply_to="",
        references=(),
        text="BPW-0310 x 2",
        attachments=(),
        headers={**headers, **extra},
    )
    return dataclasses.replace(message, **changes)  # type: ignore[arg-type]


def reason(message: ParsedMessage) -> str | None:
    return reason_not_to_answer(message, own_addresses=OWN, sent_by_us=SENT.__contains__)


def test_normal_mail_may_be_answered() -> None:
    """An ordinary client order has no reason not to be answered."""
    assert reason(client_mail()) is None
    assert not is_bounce(client_mail())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"auto-submitted": ("auto-replied",)}, "auto-submitted"),
        ({"auto-submitted": ("auto-generated (vacation)",)}, "auto-submitted"),
        ({"auto-submitted": ("No",)}, None),
        ({"precedence": ("bulk",)}, "precedence bulk"),
        ({"precedence": ("list",)}, "precedence bulk"),
        ({"precedence": ("junk",)}, "precedence bulk"),
        ({"precedence": ("auto_reply",)}, "precedence bulk"),
        ({"precedence": ("first-class",)}, None),
        ({"list-id": ("Partners <partners.lists.example>",)}, "mailing list"),
        ({"list-unsubscribe": ("<mailto:leave@lists.example>",)}, "mailing list"),
        ({"x-auto-response-suppress": ("All",)}, "auto-response-suppress"),
        ({"x-auto-response-suppress": ("DR, OOF",)}, "auto-response-suppress"),
        ({"x-auto-response-suppress": ("AutoReply",)}, "auto-response-suppress"),
        ({"x-auto-response-suppress": ("DR, RN, NRN",)}, None),
        ({"x-autoreply": ("yes",)}, "autoreply header"),
        ({"x-autorespond": ("Out of office",)}, "autoreply header"),
        ({"return-path": ("<>",)}, "empty return-path"),
        ({"return-path": ("< >",)}, "empty return-path"),
        ({"return-path": ("<buying@fleetparts.example>",)}, None),
    ],
)
def test_header_rules(headers: dict[str, tuple[str, ...]], expected: str | None) -> None:
    """Each RFC 3834 header marks mail not to answer; their harmless values do not."""
    assert reason(client_mail(headers=headers)) == expected


def test_delivery_status_report_is_a_bounce() -> None:
    """A multipart/report of report-type delivery-status is a bounce, whoever sent it."""
    report = 'multipart/report; report-type="delivery-status"; boundary="b"'
    message = client_mail(headers={"content-type": (report,)})
    assert is_bounce(message)
    assert reason(message) == "bounce"


def test_mailer_daemon_sender_is_a_bounce() -> None:
    """Mail from MAILER-DAEMON is a bounce even without a report part."""
    message = client_mail(from_address="mailer-daemon@mx.fleetparts.example")
    assert is_bounce(message)
    assert reason(message) == "bounce"


def test_postmaster_sender_is_not_answered() -> None:
    """Mail from a postmaster address is not answered."""
    message = client_mail(from_address="postmaster@fleetparts.example")
    assert not is_bounce(message)
    assert reason(message) == "mailer-daemon"


def test_read_receipt_report_is_not_answered_but_no_bounce() -> None:
    """Another multipart/report (a read receipt) is not answered, yet is not a bounce."""
    report = "multipart/report; report-type=disposition-notification; boundary=b"
    message = client_mail(headers={"content-type": (report,)})
    assert not is_bounce(message)
    assert reason(message) == "mailer-daemon"


def test_own_address_is_not_answered() -> None:
    """Mail from one of mailbot's own addresses is not answered, whatever the case."""
    message = client_mail(from_address="orders@distributor.example")
    assert reason_not_to_answer(
        message, own_addresses=["Orders@Distributor.EXAMPLE"], sent_by_us=SENT.__contains__
    ) == ("own address")


def test_own_message_id_is_not_answered() -> None:
    """Mail carrying the exact Message-ID of a mail mailbot wrote is its own mail coming back."""
    message = client_mail(message_id="quote-ORD-2026-000042@distributor.example")
    assert reason(message) == "own message-id"


def test_other_message_ids_in_mailbots_domain_are_answered() -> None:
    """A colleague's mail from mailbot's own domain, or a reply naming mailbot's mail in
    In-Reply-To, is not mistaken for mailbot's own mail."""
    colleague = client_mail(message_id="7781.2201@distributor.example")
    reply = client_mail(in_reply_to="quote-ORD-2026-000042@distributor.example")
    assert reason(colleague) is None
    assert reason(reply) is None


def test_no_sender_is_not_answered() -> None:
    """Mail without a sender address cannot be answered."""
    assert reason(client_mail(from_address="")) == "no sender"


def test_rules_are_named_and_ordered_data() -> None:
    """The rules are an ordered tuple of distinct, named tests."""
    names = [rule.reason for rule in RULES]
    assert len(names) == len(set(names))
    assert names[0] == "no sender"


def test_parsed_bounce_and_auto_reply() -> None:
    """Real bounce and out-of-office bytes are recognised after parse_message."""
    bounce = (
        b"From: MAILER-DAEMON@mx.distributor.example\r\nTo: orders@distributor.example\r\n"
        b"Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type="delivery-status";\r\n boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; nobody@x\r\nStatus: 5.1.1\r\n"
        b"--B--\r\n"
    )
    parsed = parse_message(bounce)
    assert is_bounce(parsed)
    assert reason(parsed) == "bounce"
    out_of_office = (
        b"From: Sam <buying@fleetparts.example>\r\nSubject: Automatic reply: Order\r\n"
        b"Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n\r\nAway."
    )
    assert reason(parse_message(out_of_office)) == "auto-submitted"
