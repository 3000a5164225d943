"""An order's life by mail on SQLite and PostgreSQL: AGREE, order files, supplier answers."""

from __future__ import annotations

from typing import Any

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.services.views import order_matrix
from tests.lifecycle import CLIENT, agree_and_send, answer, last_to
from tests.mail import headers, parts


def detail(app: App, number: str) -> dict[str, Any]:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order_matrix(uow, order)


def test_agree_sends_order_files_and_confirmed_then_shipped_closes_the_loop(app: App) -> None:
    """AGREE → sent with an order file; CONFIRMED → confirmed; SHIPPED → shipped, client told."""
    seed_demo(app)
    number = agree_and_send(app)
    order_file = last_to(app, SUPPLIER, "order_file")
    names = [p.get_filename() for p in headers(order_file.raw).walk() if p.get_filename()]
    assert names == [f"{number}.xlsx", f"{number}.csv"]
    assert detail(app, number)["status"] == "sent"
    told = last_to(app, CLIENT, "order_answer")
    assert headers(told.raw)["Subject"] == f"Order {number} agreed"
    outcome = answer(app, "order_file", SUPPLIER, "Confirmăm")
    assert outcome.summary.endswith("order confirmed"), outcome
    assert detail(app, number)["status"] == "confirmed"
    outcome = answer(app, "order_file", SUPPLIER, "EXPEDIAT 25.11.2026 DPD")
    assert outcome.summary.endswith("order shipped"), outcome
    shipped = last_to(app, CLIENT, "order_answer")
    text = parts(shipped.raw)["plain"]
    assert "25 November 2026 by DPD" in text
    steps = [step["status"] for step in detail(app, number)["transitions"]]
    assert steps == ["quoted", "agreed", "sent", "confirmed", "shipped"]
