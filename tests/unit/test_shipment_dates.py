"""A shipment date is the day the goods left: the rule, and the order file's example of it."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.domain.orders import shipment_date_fault
from mailbot.outbound.render import Renderer
from mailbot.parsers.supplier_answers import SHIPPED_WORDS, read_supplier_answer
from mailbot.services.orders.supplier_orders import Problem
from tests.unit.test_render import LANGUAGES, context

SENT = date(2026, 11, 20)
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("shipped", "fault"),
    [
        (date(2026, 12, 2), None),
        (TODAY, None),
        (SENT, None),
        (date(2026, 12, 4), "date_future"),
        (date(2027, 1, 1), "date_future"),
        (date(2026, 11, 19), "date_before_order"),
    ],
)
def test_a_shipment_date_lies_between_the_order_file_and_today(
    shipped: date, fault: str | None
) -> None:
    """Yesterday, today and the order file's day are accepted; later or earlier days are not."""
    assert shipment_date_fault(shipped, sent_on=SENT, today=TODAY) == fault


def test_an_order_file_sent_today_takes_only_today() -> None:
    """With the order file sent today, today is the one day the goods can have left."""
    assert shipment_date_fault(TODAY, sent_on=TODAY, today=TODAY) is None
    assert shipment_date_fault(SENT, sent_on=TODAY, today=TODAY) == "date_before_order"


def example(text: str) -> str:
    """The shipping example of a mail's text, as a supplier copies it (without the words
    after the dash that explain it)."""
    found = [
        line.strip(" -").split(" — ")[0]
        for line in text.splitlines()
        if line.strip(" -").upper().startswith(SHIPPED_WORDS)
    ]
    assert len(found) == 1, text
    return found[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_order_files_example_is_an_answer_for_the_day_it_was_written(language: str) -> None:
    """The example in the order file carries the day the file was written, in the reader's way
    of writing dates, and reads back as a shipment on that day."""
    renderer = Renderer(None, "Europe/Bucharest")
    mail = renderer.render("order_file", language, context(example_day=TODAY))
    written = example(mail.text)
    shipment = read_supplier_answer(written).shipment
    assert shipment is not None
    assert shipment.date == TODAY
    assert shipment.method in ("DHL", "DPD")
    assert {"en": "2026-12-03", "ru": "03.12.2026", "ro": "03.12.2026"}[language] in mail.html


@pytest.mark.parametrize(
    ("language", "kind", "words"),
    [
        ("en", "date_future", "the shipping date 04.12.2026 is after today, 3 December 2026"),
        ("ro", "date_future", "data expedierii 04.12.2026 este după ziua de azi, 3 decembrie 2026"),
        ("en", "date_before_order", "is before 3 December 2026, when we sent you this order"),
        (
            "ru",
            "date_before_order",
            "раньше 3 декабря 2026\u202fг., когда мы отправили вам этот заказ",
        ),
    ],
)
def test_a_refused_date_says_what_is_wrong_before_the_example(
    language: str, kind: str, words: str
) -> None:
    """A refused shipment date is explained in a sentence naming the day it was judged by,
    and the example of a right answer (dated today) follows it."""
    renderer = Renderer(None, "Europe/Bucharest")
    refusal = Problem(kind, text="04.12.2026", day=TODAY)
    values = context(outcome="refused", refusals=[refusal], example_day=TODAY)
    text = renderer.render("supplier_answer", language, values).text
    assert words in text
    assert text.index(words) < text.index(example(text))
    assert read_supplier_answer(example(text)).shipment.date == TODAY  # type: ignore[union-attr]
