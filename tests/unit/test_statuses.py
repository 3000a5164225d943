"""The stored words of every status enum: the database holds these, so they never change."""

from __future__ import annotations

from enum import StrEnum

import pytest

from mailbot.domain.deadlines import DeadlineStatus
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.orders import SupplierOrderStatus
from mailbot.domain.price_changes import PriceListStatus
from mailbot.domain.vouchers.redemptions import HOLDING, RedemptionStatus

STORED = [
    (SupplierOrderStatus, ["sent", "partial", "confirmed", "shipped"]),
    (DeadlineStatus, ["open", "done", "cancelled"]),
    (InboundStatus, ["stored", "processed", "ignored", "quarantined"]),
    (
        OutboundStatus,
        ["pending", "sent", "failed", "bounced", "held", "digested", "suppressed", "cancelled"],
    ),
    (PriceListStatus, ["importing", "active", "replaced", "held", "rejected"]),
    (RedemptionStatus, ["reserved", "redeemed", "released"]),
]


@pytest.mark.parametrize(("enum", "words"), STORED, ids=[enum.__name__ for enum, _ in STORED])
def test_each_status_is_stored_as_its_word(enum: type[StrEnum], words: list[str]) -> None:
    """Every member's value is the word rows already hold, and equals that word as a string."""
    assert [member.value for member in enum] == words
    assert all(
        member == word and str(member) == word for member, word in zip(enum, words, strict=True)
    )


def test_reserved_and_redeemed_uses_count_against_the_limits() -> None:
    """A released use is given back; reserved and redeemed ones are held."""
    assert frozenset({RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED}) == frozenset(HOLDING)
