"""Answers that say nothing was done, on SQLite and PostgreSQL: a daily cap per address, the
same answer once a day, the same message answered once a day; quotes and acts never capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.storage.models import OutboundMessage
from tests.fakes import FixedClock
from tests.lifecycle import answer, quote
from tests.mail import mail
from tests.pipeline import FLEET, ingest, outbox

CLIENT = "buying@fleetparts.example"
# START is 09:30 in Bucharest; the desk's next day begins at 22:00 UTC.
NEXT_DAY = datetime(2026, 11, 20, 22, 0, 30, tzinfo=UTC)
CAP = (
    "not sent: buying@fleetparts.example had 5 answers saying nothing was done today "
    "(replies.max_auto_responses_per_day)"
)


def to_client(app: App) -> list[OutboundMessage]:
    return [reply for reply in outbox(app) if reply.recipient == CLIENT]


def test_answers_saying_nothing_was_done_stop_at_the_daily_cap(app: App, clock: FixedClock) -> None:
    """Five answers to unknown orders go out, the sixth to eighth are kept unsent with the
    reason; a quote and an AGREE are still answered, and the next day the count starts again."""
    seed_demo(app)
    outcomes = []
    for n in range(8):
        raw = mail(sender=FLEET, subject=f"STATUS ORD-2026-99990{n}", body="")
        outcomes.append(ingest(app, raw)[1])
        clock.advance(timedelta(minutes=1))
    replies = to_client(app)
    assert [r.status for r in replies] == ["pending"] * 5 + ["suppressed"] * 3
    assert {r.last_error for r in replies[5:]} == {CAP}
    assert outcomes[5].summary == f"STATUS for an unknown order ORD-2026-999905; {CAP}"

    number = quote(app)
    assert answer(app, "quote", FLEET, "AGREE").summary.startswith(f"{number} agreed")
    assert [(r.kind, r.status) for r in to_client(app)[-2:]] == [
        ("quote", "pending"),
        ("order_answer", "pending"),
    ]

    clock.advance(NEXT_DAY - clock.now())
    ingest(app, mail(sender=FLEET, subject="STATUS ORD-2026-999909", body=""))
    assert to_client(app)[-1].status == "pending"


def test_the_same_answer_goes_to_an_address_once_a_day(app: App, clock: FixedClock) -> None:
    """Two different out-of-office texts both get "no order found": the second, the same
    answer but for its time, is not sent."""
    seed_demo(app)
    ingest(app, mail(sender=FLEET, subject="Out of office", body="I am away until Monday."))
    clock.advance(timedelta(minutes=5))
    _, outcome = ingest(app, mail(sender=FLEET, subject="Away", body="Back on Tuesday."))
    first, second = to_client(app)
    assert (first.kind, first.status) == ("no_order", "pending")
    assert (second.kind, second.status) == ("no_order", "suppressed")
    reason = f"not sent: {CLIENT} was given the same answer today (outbox {first.id})"
    assert second.last_error == reason
    assert outcome.summary == f"answered: no order lines found; {reason}"


def test_the_same_message_is_answered_once_a_day(app: App, clock: FixedClock) -> None:
    """The same text from the same address (another Message-ID, a "Re:") gets no second answer
    that day; the next day it is answered again."""
    seed_demo(app)
    first, _ = ingest(app, mail(sender=FLEET, subject="Out of office", body="Away."))
    clock.advance(timedelta(minutes=5))
    ingest(app, mail(sender=FLEET, subject="RE: Out of office", body="away.\n"))
    replies = to_client(app)
    assert [r.status for r in replies] == ["pending", "suppressed"]
    assert replies[1].last_error == (
        f"not sent: the same message from {CLIENT} was answered today (message {first})"
    )
    clock.advance(NEXT_DAY - clock.now())
    ingest(app, mail(sender=FLEET, subject="Out of office", body="Away."))
    assert to_client(app)[-1].status == "pending"


def test_quotes_of_lines_none_could_price_count_as_saying_nothing(
    app: App, clock: FixedClock
) -> None:
    """An auto-responder whose text looks like an order line gets quotes that price nothing:
    they count against the cap like any answer saying nothing was done."""
    seed_demo(app)
    for n in range(7):
        ingest(app, mail(sender=FLEET, subject="Ticket", body=f"Ticket:\nHD-{1001 + n} x 1"))
        clock.advance(timedelta(minutes=1))
    replies = to_client(app)
    assert {r.kind for r in replies} == {"quote"}
    assert [r.status for r in replies] == ["pending"] * 5 + ["suppressed"] * 2
