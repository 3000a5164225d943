"""An order's line budget: shared by its body and files, reading stops at the first line past it."""

from __future__ import annotations

import pytest

from mailbot.parsers.order_files import FileLimits, read_order_file
from mailbot.parsers.order_lines import LineBudget, TooManyLinesError
from mailbot.parsers.order_text import order_lines_from_text


def test_reading_a_body_stops_at_the_first_line_past_the_budget() -> None:
    """A body of 200,000 order lines against a budget of 10 stops at the 11th line."""
    budget = LineBudget(10)
    body = "\n".join(f"ABC-{n} x 1" for n in range(200_000))
    with pytest.raises(TooManyLinesError) as raised:
        order_lines_from_text(body, budget=budget)
    assert raised.value.limit == 10
    assert budget.used == 11


def test_the_budget_is_shared_by_a_file_and_the_body() -> None:
    """Three lines of a CSV and two of the body fill a budget of five; one more line passes it."""
    budget = LineBudget(5)
    csv = b"sku;qty\nA-1;1\nA-2;2\nA-3;3\n"
    read = read_order_file("order.csv", "text/csv", csv, FileLimits(), budget=budget)
    assert [line.sku for line in read.lines] == ["A-1", "A-2", "A-3"]
    assert len(order_lines_from_text("B-1 x 1\nB-2 x 2", budget=budget).lines) == 2
    with pytest.raises(TooManyLinesError):
        order_lines_from_text("B-3 x 3", budget=budget)


def test_refused_lines_count_as_lines() -> None:
    """A row refused for its quantity spends the budget like a line taken."""
    budget = LineBudget(2)
    csv = b"sku;qty\nA-1;many\nA-2;few\nA-3;1\n"
    with pytest.raises(TooManyLinesError):
        read_order_file("order.csv", "text/csv", csv, FileLimits(), budget=budget)
    assert budget.used == 3


def test_without_a_budget_nothing_is_counted() -> None:
    """Readers called without a budget (supplier answers) read every line as before."""
    body = "\n".join(f"ABC-{n} x 1" for n in range(3000))
    assert len(order_lines_from_text(body).lines) == 3000
