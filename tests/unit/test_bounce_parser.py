"""Reading bounces: who failed, with what status, and which mail of ours it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailbot.parsers.bounces import Failure, read_bounce
from tests import bounces
from tests.mail import mail

SENT = "<4f0c2a9be1d84c5a9e5e2b7d1c3f6a80@distributor.example>"
GONE = "nobody@fleetparts.example"


@pytest.mark.parametrize("build", [bounces.rfc3464, bounces.postfix, bounces.qmail])
def test_bounces_name_the_failure_and_the_returned_message_id(
    build: Callable[[str, str], bytes],
) -> None:
    """RFC 3464, Postfix and qmail bounces give the recipient, 5.1.1 and our Message-ID."""
    bounce = read_bounce(build(SENT, GONE))
    assert bounce is not None
    assert bounce.failures == (Failure(GONE, "5.1.1", permanent=True),)
    assert bounce.original_message_id == SENT.strip("<>")


def test_exchange_notice_gives_recipient_and_status_but_no_message_id() -> None:
    """An old Exchange text notice is read for the recipient and its #550 5.1.1 code."""
    bounce = read_bounce(bounces.exchange(GONE))
    assert bounce is not None
    assert bounce.failures == (Failure(GONE, "5.1.1", permanent=True),)
    assert bounce.original_message_id == ""


def test_delay_report_is_a_temporary_failure() -> None:
    """A "delayed" report (4.4.7) is a failure that is neither permanent nor hard."""
    bounce = read_bounce(bounces.rfc3464(SENT, GONE, status="4.4.7"))
    assert bounce is not None
    (failure,) = bounce.failures
    assert (failure.status, failure.permanent, failure.hard) == ("4.4.7", False, False)


def test_permanent_failure_with_a_temporary_code_is_not_hard() -> None:
    """Mail given up on after a 4.x.x condition failed, but the address itself is not bad."""
    assert Failure(GONE, "4.4.7", permanent=True).hard is False
    assert Failure(GONE, "5.2.2", permanent=True).hard is True
    assert Failure(GONE, "", permanent=True).hard is True


def test_ordinary_mail_is_no_bounce() -> None:
    """A client's order or an out-of-office note reports no failure."""
    assert read_bounce(mail(sender="buying@fleetparts.example", body="BPW-0310 x 2")) is None
    away = mail(sender="sam@fleetparts.example", body="I am out of the office until Monday.")
    assert read_bounce(away) is None


def test_broken_bounce_bytes_do_not_raise() -> None:
    """A truncated report is read as far as it goes, never raising."""
    raw = bounces.postfix(SENT, GONE)
    for cut in (len(raw) // 3, len(raw) // 2, len(raw) - 40):
        bounce = read_bounce(raw[:cut])
        assert bounce is None or {f.recipient for f in bounce.failures} == {GONE}
