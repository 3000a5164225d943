"""A supplier's shipment answer through the processor: the day the goods left is today or
earlier (in the supplier's zone) and not before the order file; a later day is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from tests.fakes import FixedClock
from tests.lifecycle import CLIENT, agree_and_send, answer, last_to
from tests.mail import headers, parts
from tests.pipeline import outbox

TODAY = "22 noiembrie 2026"  # two days after the order file, as Romanian mail writes it
SENT_ON = "20 noiembrie 2026, când v-am trimis această comandă"


def order_status(app: App, number: str) -> str:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order.status


def confirmed_order(app: App, later: timedelta) -> str:
    """The demo order, sent to the supplier on 20 November 2026 (Bucharest) and confirmed,
    with the clock then moved on by `later`; its number."""
    seed_demo(app)
    number = agree_and_send(app)
    assert "order confirmed" in answer(app, "order_file", SUPPLIER, "Confirmăm").summary
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(later)
    return number


def the_example(app: App) -> str:
    """The shipping example of the order file, as the supplier copies it."""
    text = parts(last_to(app, SUPPLIER, "order_file").raw)["plain"]
    (line,) = [line for line in text.splitlines() if line.strip(" -").startswith("EXPEDIAT")]
    return line.strip(" -").split(" — ")[0]


@pytest.mark.parametrize(
    ("later", "body", "told"),
    [
        (timedelta(days=2), "EXPEDIAT 21.11.2026 DPD", "21 November 2026 by DPD"),  # yesterday
        (timedelta(days=2), "EXPEDIAT 22.11.2026 DPD", "22 November 2026 by DPD"),  # today
        (timedelta(days=0), "SHIPPED 2026-11-20 DHL", "20 November 2026 by DHL"),  # same day
        # 22:30 UTC on the 21st is already the 22nd in Bucharest, where the day is judged.
        (timedelta(days=1, hours=15), "EXPEDIAT 22.11.2026 DPD", "22 November 2026 by DPD"),
    ],
)
def test_a_departure_today_or_earlier_ships_the_order(
    app: App, later: timedelta, body: str, told: str
) -> None:
    """Yesterday or today, in the supplier's zone, is accepted: the order is shipped and the
    client told the day the goods left."""
    number = confirmed_order(app, later)
    outcome = answer(app, "order_file", SUPPLIER, body)
    assert outcome.summary.endswith("order shipped"), outcome
    assert order_status(app, number) == "shipped"
    shipped = last_to(app, CLIENT, "order_answer")
    assert headers(shipped.raw)["Subject"] == f"Order {number} shipped"
    assert told in parts(shipped.raw)["plain"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("EXPEDIAT 23.11.2026 DPD", "data expedierii 23.11.2026 este după ziua de azi, " + TODAY),
        ("SHIPPED 2027-01-05 DHL", "data expedierii 2027-01-05 este după ziua de azi, " + TODAY),
        ("EXPEDIAT 19.11.2026 DPD", "19.11.2026 este înainte de " + SENT_ON),
    ],
)
def test_a_day_the_goods_cannot_have_left_on_is_refused(app: App, body: str, reason: str) -> None:
    """Tomorrow, or before the order file, is refused with a sentence saying why, before the
    example of a right answer (dated today); nothing is recorded and the client hears nothing."""
    number = confirmed_order(app, timedelta(days=2))
    before = len(outbox(app))
    outcome = answer(app, "order_file", SUPPLIER, body)
    assert "refused" in outcome.summary, outcome
    assert len(outbox(app)) == before + 1  # only the refusal to the supplier
    text = parts(last_to(app, SUPPLIER, "supplier_answer").raw)["plain"]
    assert reason in text
    assert text.index(reason) < text.index("EXPEDIAT 22.11.2026 DPD")
    assert order_status(app, number) == "confirmed"
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        (part,) = uow.order_records.supplier_orders(order.id)
        assert (part.status, part.ship_date, part.shipped_at) == ("confirmed", None, None)


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=3)])
def test_the_order_files_own_example_sent_back_is_accepted(app: App, later: timedelta) -> None:
    """The order file's example is dated the day it was written and, sent back as it is that
    day or later, ships the order."""
    number = confirmed_order(app, later)
    example = the_example(app)
    assert example == "EXPEDIAT 20.11.2026 DPD"
    outcome = answer(app, "order_file", SUPPLIER, example)
    assert outcome.summary.endswith("order shipped"), outcome
    assert order_status(app, number) == "shipped"
