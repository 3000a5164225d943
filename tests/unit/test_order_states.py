"""The order matrix as a domain object: every allowed move, every refused one, the ends."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.orders import (
    CLIENT_CANCELLABLE,
    FINAL,
    MOVES,
    OPEN,
    OrderStatus,
    Transition,
    TransitionError,
    can_move,
    move,
)

AT = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
S = OrderStatus
ALLOWED = {
    (S.RECEIVED, S.QUOTED),
    (S.QUOTED, S.AGREED), (S.QUOTED, S.HELD), (S.QUOTED, S.CANCELLED), (S.QUOTED, S.EXPIRED),
    (S.HELD, S.AGREED), (S.HELD, S.CANCELLED), (S.HELD, S.EXPIRED),
    (S.AGREED, S.SENT), (S.AGREED, S.CANCELLED),
    (S.SENT, S.SENT), (S.SENT, S.CONFIRMED), (S.SENT, S.CANCELLED),
    (S.CONFIRMED, S.SHIPPED), (S.CONFIRMED, S.CANCELLED),
    (S.SHIPPED, S.CLOSED),
}  # fmt: skip
REFUSED = sorted(set(product(OrderStatus, OrderStatus)) - ALLOWED)


def test_the_stored_values_are_the_words_the_database_holds() -> None:
    """Each status is stored as the same lower-case word as before the enum existed."""
    assert [status.value for status in OrderStatus] == [
        "received", "quoted", "held", "agreed", "sent", "confirmed", "shipped", "closed",
        "cancelled", "expired",
    ]  # fmt: skip
    assert OrderStatus.QUOTED == "quoted"


def test_the_move_table_covers_every_status() -> None:
    """Every status has an entry, and every move leads to a status the table defines."""
    assert set(MOVES) == set(OrderStatus)
    for targets in MOVES.values():
        assert targets <= set(MOVES)


@pytest.mark.parametrize(("current", "wanted"), sorted(ALLOWED))
def test_every_allowed_move_is_recorded(current: OrderStatus, wanted: OrderStatus) -> None:
    """An allowed move returns its record: order, from, to, when and by whom."""
    step = move("ORD-2025-000001", current, wanted, at=AT, actor_id=7)
    assert step == Transition("ORD-2025-000001", current, wanted, AT, 7)
    assert can_move(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), REFUSED)
def test_every_other_move_is_refused(current: OrderStatus, wanted: OrderStatus) -> None:
    """A move the matrix lacks raises TransitionError naming the order and both statuses."""
    with pytest.raises(TransitionError) as refused:
        move("ORD-2025-000002", current, wanted, at=AT, actor_id=None)
    assert (refused.value.current, refused.value.wanted) == (current, wanted)
    assert str(refused.value) == f"order ORD-2025-000002 is {current}; it cannot become {wanted}"
    assert not can_move(current, wanted)


def test_a_status_read_from_the_database_as_text_is_understood() -> None:
    """The stored word works as the current status, and an unknown word allows no move."""
    assert move("ORD-1", "quoted", S.AGREED, at=AT, actor_id=None).source is S.QUOTED
    assert not can_move("archived", S.CLOSED)


def test_closed_cancelled_and_expired_are_final_and_the_rest_open() -> None:
    """Final statuses have no way out; open ones are those past quoting and not final."""
    assert frozenset({S.CLOSED, S.CANCELLED, S.EXPIRED}) == FINAL
    assert OPEN == (S.QUOTED, S.HELD, S.AGREED, S.SENT, S.CONFIRMED, S.SHIPPED)
    assert frozenset({S.QUOTED, S.HELD, S.AGREED, S.SENT}) == CLIENT_CANCELLABLE


@given(st.lists(st.sampled_from(OrderStatus), max_size=30))
def test_no_sequence_of_moves_leaves_a_final_status(wanted: list[OrderStatus]) -> None:
    """Whatever moves are asked for in whatever order, once an order is final it stays so."""
    current = S.RECEIVED
    reached_final = False
    for status in wanted:
        try:
            current = move("ORD-3", current, status, at=AT, actor_id=None).target
        except TransitionError:
            continue
        assert not reached_final, f"left a final status for {current}"
        reached_final = current in FINAL
