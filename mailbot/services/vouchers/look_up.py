"""Reading typed codes in the order flow: which of a mail's words are voucher codes, the code each
is read as (look-alikes and one slip corrected), and whether the client may use it, with the
reason when not (`Refusal`).

Every function works in the caller's unit of work and leaves the commit to it, and changes
nothing. The limits are read without a lock: reserving (`reservations`) checks them again under
the campaign's row lock.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mailbot.domain.money import Money
from mailbot.domain.vouchers.codes import loose_form, normalise_code
from mailbot.parsers.voucher_codes import (
    PREFIX_LENGTH,
    MatchKind,
    candidates,
    is_serial_shape,
    match,
    one_slip_variants,
)
from mailbot.storage.models import VoucherCampaign
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.voucher_lookup import KnownCode


class Refusal(StrEnum):
    """Why a code cannot be used, in words a reply template can pick its own text by."""

    UNKNOWN = "unknown"
    LOOKS_MISTYPED = "looks mistyped"
    NOT_YOURS = "issued to another client"
    CLOSED = "campaign closed"
    CODE_USED = "code already used"
    LIMIT_REACHED = "limit reached"
    COMPANY_LIMIT = "already used by your company"
    BUDGET_EXHAUSTED = "budget exhausted"
    CURRENCY = "budget kept in another currency"


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A typed code read as a usable voucher, or refused with the reason.

    `code` is the stored code (None when nothing fits), `shown` how to print it; `corrected`
    says that the typed text was read as another code (look-alikes or one slip); `suggestion`
    is the one usable code an unknown code is a slip from.
    """

    typed: str
    code: str | None
    shown: str
    corrected: bool
    campaign: str = ""
    terms: dict[str, Any] | None = None
    budget_left: Money | None = None
    refusal: Refusal | None = None
    suggestion: str | None = None


def budget_left(campaign: VoucherCampaign | KnownCode) -> Money | None:
    """What is left of the campaign's discount budget, None without a budget."""
    if campaign.budget is None or campaign.budget_currency is None:
        return None
    left = max(campaign.budget - campaign.discount_used, Decimal(0))
    return Money(left, campaign.budget_currency)


def budget_refusal(left: Money | None, discount: Money | None) -> Refusal | None:
    """Why `discount` (None: any use at all) cannot be charged to what is `left` of a budget
    (None: no budget); None when it can."""
    if left is None:
        return None
    if discount is None:
        return Refusal.BUDGET_EXHAUSTED if left.amount <= 0 else None
    if discount.currency != left.currency:
        return Refusal.CURRENCY
    return Refusal.BUDGET_EXHAUSTED if discount.amount > left.amount else None


def _refusal(code: KnownCode, client_id: int) -> Refusal | None:
    """The first thing that stops `client_id` using `code`, given its counts."""
    if not code.active:
        return Refusal.CLOSED
    if code.owner_id is not None and code.owner_id != client_id:
        return Refusal.NOT_YOURS
    if code.kind == "serial" and code.code_held:
        return Refusal.CODE_USED
    if code.max_redemptions is not None and code.used >= code.max_redemptions:
        return Refusal.LIMIT_REACHED
    if code.per_client_limit is not None and code.held_by_client >= code.per_client_limit:
        return Refusal.COMPANY_LIMIT
    return budget_refusal(budget_left(code), None)


def look_up(
    uow: UnitOfWork,
    tokens: Sequence[str],
    client_id: int,
    written: Collection[str] = (),
    near: Collection[str] = (),
) -> tuple[FoundCode, ...]:
    """Read candidate tokens (from `code_tokens`) as codes for `client_id`, in their order.

    Known codes, serial-shaped tokens with a campaign's prefix ("unknown" or "looks
    mistyped"), and tokens the client wrote as codes (`written`, in loose form: "unknown", with
    the usable code one slip away if there is exactly one) are answered; so are tokens that
    may be written as codes (`near`, in loose form) when exactly one usable code is one slip
    away ("unknown", did you mean). Every other token is an ordinary word and left out. The
    limits are read without a lock: `reserve` checks them again.
    """
    return look_up_with_history(uow, tokens, client_id, written, near)[0]


def look_up_with_history(
    uow: UnitOfWork,
    tokens: Sequence[str],
    client_id: int,
    written: Collection[str] = (),
    near: Collection[str] = (),
    currency: str | None = None,
) -> tuple[tuple[FoundCode, ...], tuple[Decimal, ...] | None]:
    """`look_up`, and with a `currency` the net totals of the client's earlier orders in it,
    read in the same statement as the codes (None: no currency, or no code was found, and so
    no code to judge on a history)."""
    codes = (c for token in tokens for c in candidates(token))
    known, past_totals = uow.vouchers.codes_for(codes, client_id, history_in=currency)
    prefixes: set[str] | None = None
    found: dict[str, FoundCode] = {}
    for token in tokens:
        if prefixes is None and normalise_code(token) not in known and is_serial_shape(token):
            prefixes = uow.vouchers.known_prefixes()  # asked only when a token needs them
        read = match(token, known, prefixes or set())
        if read.code is None:
            unknown = read.kind is MatchKind.UNKNOWN
            if not unknown or _looks_like_ours(token, prefixes or set()):
                why = Refusal.UNKNOWN if unknown else Refusal.LOOKS_MISTYPED
                found.setdefault(token, FoundCode(token, None, token, False, refusal=why))
            elif loose_form(token) in written or loose_form(token) in near:
                hint = _suggestion(uow, token, client_id)
                if hint is not None or loose_form(token) in written:
                    found.setdefault(
                        token,
                        FoundCode(
                            token, None, token, False, refusal=Refusal.UNKNOWN, suggestion=hint
                        ),
                    )
            continue
        code = known[read.code]
        found.setdefault(
            read.code,
            FoundCode(
                typed=token,
                code=read.code,
                shown=code.display,
                corrected=read.kind is MatchKind.CORRECTED,
                campaign=code.campaign,
                terms=code.terms,
                budget_left=budget_left(code),
                refusal=_refusal(code, client_id),
            ),
        )
    return tuple(found.values()), past_totals


def _suggestion(uow: UnitOfWork, typed: str, client_id: int) -> str | None:
    """The one code `client_id` may use that `typed` is a slip from, as printed; None when
    none or several are."""
    near = uow.vouchers.usable_codes(one_slip_variants(typed), client_id)
    return near[0] if len(near) == 1 else None


def _looks_like_ours(typed: str, prefixes: set[str]) -> bool:
    """A serial-shaped token with a campaign's prefix: worth an "unknown" answer."""
    return is_serial_shape(typed) and normalise_code(typed)[:PREFIX_LENGTH] in prefixes
