"""Bounces through the processor: matched to mailbot's mail, managers told once per address,
and an address that keeps bouncing no longer mailed until a manager clears it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.services.outbox.bounces import AddressError, clear_address
from mailbot.storage.models import OutboundMessage
from tests import bounces
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET, ingest, outbox

CLIENT = "buying@fleetparts.example"
MANAGER = "manager@distributor.example"


def quote_sent(app: App, quantity: int = 1) -> OutboundMessage:
    """Order from the client and send the quote; the quote as stored."""
    ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {quantity}"))
    app.sender.run_once()
    quotes = [m for m in outbox(app) if m.kind == "quote"]
    return quotes[-1]


def reload(app: App, outbound_id: int) -> OutboundMessage:
    with app.uow() as uow:
        message = uow.outbox.get(outbound_id)
        assert message is not None
        return message


def alerts(app: App) -> list[OutboundMessage]:
    return [m for m in outbox(app) if m.kind == "address_bouncing"]


@pytest.mark.parametrize("build", [bounces.rfc3464, bounces.postfix, bounces.qmail])
def test_a_bounce_marks_the_mail_it_returns_bounced(
    app: App, build: Callable[[str, str], bytes]
) -> None:
    """A bounce returning our Message-ID marks that mail bounced with recipient and status,
    is not answered, and its outcome names the mail."""
    seed_demo(app)
    quote = quote_sent(app)
    _, outcome = ingest(app, build(quote.message_id, CLIENT))
    assert outcome.status == "ignored"
    assert f"outbound {quote.id} {quote.message_id} to {CLIENT} bounced (5.1.1)" in (
        outcome.summary
    )
    bounced = reload(app, quote.id)
    assert (bounced.status, bounced.bounce_recipient, bounced.bounce_status) == (
        "bounced",
        CLIENT,
        "5.1.1",
    )
    assert bounced.bounced_at == app.clock.now()
    assert [m.recipient for m in alerts(app)] == [MANAGER]
    assert [m.kind for m in outbox(app)] == ["quote", "address_bouncing"]  # nothing answered


def test_a_bounce_without_the_message_id_matches_the_latest_mail_to_the_address(
    app: App, clock: FixedClock
) -> None:
    """An Exchange notice without the original Message-ID marks the newest mail to the
    failing address, within bounces.match_days."""
    seed_demo(app)
    older = quote_sent(app, 1)
    clock.advance(timedelta(minutes=5))
    newer = quote_sent(app, 2)
    _, outcome = ingest(app, bounces.exchange(CLIENT))
    assert f"outbound {newer.id} " in outcome.summary
    assert (reload(app, older.id).status, reload(app, newer.id).status) == ("sent", "bounced")
    clock.advance(timedelta(days=8))
    _, late = ingest(app, bounces.exchange(CLIENT).replace(b"09:35:00", b"09:36:00"))
    assert f"bounce for {CLIENT} (5.1.1) matches no mail mailbot sent" in late.summary


def test_a_bounce_about_mail_never_sent_changes_nothing(app: App) -> None:
    """A forged bounce for a Message-ID and address mailbot never mailed counts for nothing."""
    seed_demo(app)
    _, outcome = ingest(app, bounces.rfc3464("<forged@elsewhere.example>", "victim@x.example"))
    assert outcome.summary == (
        "not answered: bounce; bounce for victim@x.example (5.1.1) matches no mail mailbot sent"
    )
    with app.uow() as uow:
        assert uow.bouncing.list() == []
    assert outbox(app) == []


def test_a_delay_report_does_not_mark_the_mail(app: App) -> None:
    """A "delayed" report is noted in the outcome, but the mail stays sent and nothing counts."""
    seed_demo(app)
    quote = quote_sent(app)
    _, outcome = ingest(app, bounces.rfc3464(quote.message_id, CLIENT, status="4.4.7"))
    assert f"delivery of outbound {quote.id} {quote.message_id} to {CLIENT} delayed (4.4.7)" in (
        outcome.summary
    )
    assert reload(app, quote.id).status == "sent"
    assert alerts(app) == []


def test_managers_are_alerted_once_and_the_address_is_suppressed_after_three_hard_bounces(
    app: App, transport: RecordingTransport
) -> None:
    """Three hard bounces: one manager alert, then mail to the address is kept unsent with
    the reason, until a manager clears it."""
    seed_demo(app)
    builders = (bounces.rfc3464, bounces.postfix, bounces.qmail)
    for n, build in enumerate(builders, 1):
        quote = quote_sent(app, n)
        _, outcome = ingest(app, build(quote.message_id, CLIENT))
    assert "is no longer mailed after 3 hard bounces" in outcome.summary
    assert len(alerts(app)) == 1
    with app.uow() as uow:
        record = uow.bouncing.get(CLIENT)
        assert record is not None
        assert (record.bounces, record.hard_bounces, record.last_status) == (3, 3, "5.1.1")
        assert record.suppressed_at is not None

    delivered = len(transport.delivered)
    kept = quote_sent(app, 4)
    assert len(transport.delivered) == delivered
    assert kept.status == "suppressed"
    assert f"mailbot addresses clear {CLIENT}" in kept.last_error

    clear_address(app.uow, CLIENT, now=app.clock.now())
    again = quote_sent(app, 5)
    assert again.status == "sent"
    assert transport.delivered[-1].recipients == (CLIENT,)
    assert reload(app, kept.id).status == "suppressed"  # what was kept stays unsent


def test_the_same_bounce_twice_counts_once(app: App) -> None:
    """A bounce for mail already marked bounced does not count again."""
    seed_demo(app)
    quote = quote_sent(app)
    raw = bounces.postfix(quote.message_id, CLIENT)
    ingest(app, raw)
    _, outcome = ingest(app, raw.replace(b"4F2A1C0042.1763624100", b"4F2A1C0043.1763624101"))
    assert "already marked bounced" in outcome.summary
    with app.uow() as uow:
        record = uow.bouncing.get(CLIENT)
        assert record is not None
        assert record.hard_bounces == 1


def test_clearing_an_address_that_never_bounced_is_refused(app: App) -> None:
    """Clearing an unknown address is an error that names it."""
    with pytest.raises(AddressError, match=r"nobody@x\.example has not bounced"):
        clear_address(app.uow, "nobody@x.example", now=app.clock.now())
