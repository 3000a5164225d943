"""The pure parts of the reply limits and of an act's proof: which answers say nothing was
done, a message's content hash, the desk's day, and the order references."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mailbot.domain.quotes import Quote
from mailbot.parsers.commands import Command, CommandRequest, read_command, references_in
from mailbot.parsers.message import parse_message
from mailbot.services.orders.proof import order_reference
from mailbot.services.outbox.reply_limits import content_hash, says_nothing_done, start_of_day
from mailbot.storage.models import Order
from tests.mail import mail

FLEET = "Fleet Parts Ltd <buying@fleetparts.example>"


@pytest.mark.parametrize(
    ("kind", "context", "nothing"),
    [
        ("no_order", {}, True),
        ("not_understood", {}, True),
        ("too_many_lines", {}, True),
        ("order_answer", {"outcome": "unknown"}, True),
        ("order_answer", {"outcome": "unverified"}, True),
        ("order_answer", {"outcome": "agreed"}, False),
        ("order_answer", {"outcome": "status"}, False),
        ("supplier_answer", {"outcome": "not_understood"}, True),
        ("supplier_answer", {"outcome": "accepted"}, False),
        ("price_list", {}, False),
        ("balance", {}, False),
        ("pricelist_report", {}, False),
    ],
)
def test_answers_that_say_nothing_was_done(
    kind: str, context: dict[str, object], nothing: bool
) -> None:
    """No order found, not understood, unknown orders and unproven acts say nothing was done;
    an answer to a command carried out does not."""
    assert says_nothing_done(kind, context) is nothing


def test_a_quote_says_nothing_was_done_only_when_no_line_was_priced() -> None:
    """A quote with no priced line (an auto-responder's "HD-1001 x 1") counts as such."""
    assert says_nothing_done("quote", {"quote": Quote("EUR", lines=(), rejected=())})


def test_content_hash_ignores_reply_prefixes_case_and_spacing() -> None:
    """The same text under "Re:" with other spacing and case is the same message; another
    sender, another text or another file is not."""

    def hashed(**kwargs: object) -> str:
        fields: dict[str, object] = {"sender": FLEET, "subject": "Out of office", "body": "Away."}
        fields.update(kwargs)
        return content_hash(parse_message(mail(**fields)))  # type: ignore[arg-type]

    first = hashed()
    assert hashed(subject="RE: out of  office", body="  away.\n") == first
    assert hashed(sender="zakaz@vector-trans.example") != first
    assert hashed(body="Back on Monday.") != first
    assert hashed(attachments=[("a.csv", "text/csv", b"A-1;1")]) != first


def test_the_day_starts_at_local_midnight_across_daylight_saving() -> None:
    """The desk's day starts at midnight in its zone, in winter and in summer time."""
    zone = ZoneInfo("Europe/Bucharest")
    winter = start_of_day(datetime(2026, 11, 20, 21, 59, tzinfo=UTC), zone)
    assert winter == datetime(2026, 11, 19, 22, 0, tzinfo=UTC)
    assert start_of_day(datetime(2026, 11, 20, 22, 0, tzinfo=UTC), zone) == datetime(
        2026, 11, 20, 22, 0, tzinfo=UTC
    )
    assert start_of_day(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), zone) == datetime(
        2026, 6, 30, 21, 0, tzinfo=UTC
    )


def test_an_orders_reference_differs_per_partner_and_order() -> None:
    """A reference is REF- and ten characters, stable for one order and partner, different
    for another partner or another order's secret."""
    order = Order(secret="00" * 16)
    reference = order_reference(order, 7)
    assert re.fullmatch(r"REF-[0-9A-HJKMNP-TV-Z]{10}", reference)
    assert order_reference(order, 7) == reference
    assert order_reference(order, 8) != reference
    assert order_reference(Order(secret="01" * 16), 7) != reference


def test_an_order_without_a_secret_gets_one() -> None:
    """An order quoted before references existed is given its secret when one is needed."""
    order = Order()
    reference = order_reference(order, 1)
    assert len(order.secret or "") == 32
    assert order_reference(order, 1) == reference


def test_references_are_read_in_any_case_with_look_alikes() -> None:
    """A reference typed in lower case, or with O for 0 and I or L for 1, is read."""
    assert references_in("ref-k7m3q9txab please", "Ref: REF-0O1IL23456") == {
        "REF-K7M3Q9TXAB",
        "REF-0011123456",
    }
    assert references_in("REFRIGERATORS x 2", "REF-SHORT") == frozenset()


def test_a_reference_beside_a_command_is_no_part_of_it() -> None:
    """ "AGREE ORD-… REF-…" is still AGREE with its order number."""
    assert read_command("AGREE ORD-2026-000001 REF-K7M3Q9TXAB", "") == CommandRequest(
        Command.AGREE, "ORD-2026-000001"
    )
    assert read_command("Hello", "REF-K7M3Q9TXAB CANCEL\nthanks") == CommandRequest(Command.CANCEL)
