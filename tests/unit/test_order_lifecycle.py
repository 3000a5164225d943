"""The order's states: which moves exist, and that the final ones have none."""

from __future__ import annotations

from mailbot.services.order_lifecycle import CLIENT_CANCELLABLE, FINAL, MOVES, can_move
from mailbot.storage.models import Order


def test_every_move_leads_to_a_known_state() -> None:
    """The move table names no state it does not define, so no order can get stuck in one."""
    for targets in MOVES.values():
        assert targets <= set(MOVES)


def test_closed_cancelled_and_expired_are_final() -> None:
    """Nothing moves an order out of closed, cancelled or expired."""
    assert frozenset({"closed", "cancelled", "expired"}) == FINAL


def test_the_happy_path_is_a_chain_of_moves() -> None:
    """received → quoted → agreed → sent → confirmed → shipped → closed are each allowed."""
    path = ["received", "quoted", "agreed", "sent", "confirmed", "shipped", "closed"]
    order = Order(status=path[0])
    for status in path[1:]:
        assert can_move(order, status), status
        order.status = status


def test_impossible_moves_are_refused() -> None:
    """A quote cannot ship, a shipped order cannot be cancelled, an expired one cannot agree."""
    assert not can_move(Order(status="quoted"), "shipped")
    assert not can_move(Order(status="shipped"), "cancelled")
    assert not can_move(Order(status="expired"), "agreed")
    assert "confirmed" not in CLIENT_CANCELLABLE
