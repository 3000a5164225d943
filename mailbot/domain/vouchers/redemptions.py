"""Where one use of a voucher code stands: held for an order, spent, or given back."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class RedemptionStatus(StrEnum):
    RESERVED = "reserved"  # held for a quoted order until the client agrees or the hold ends
    REDEEMED = "redeemed"  # the client agreed: the use is spent
    RELEASED = "released"  # the order was cancelled or expired: the use is given back


# The statuses that count against a campaign's limits.
HOLDING: Final = (RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED)
