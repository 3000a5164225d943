"""The voucher engine's pure part: terms, restrictions, benefits, evaluation and stacking."""

from mailbot.domain.vouchers.basket import Basket, BasketLine, ClientHistory
from mailbot.domain.vouchers.evaluation import Candidate, evaluate_vouchers
from mailbot.domain.vouchers.outcomes import (
    ZERO_DISCOUNT,
    Action,
    AppliedVoucher,
    Check,
    Discount,
    Failure,
    Problem,
    RefusedVoucher,
    Rule,
    Scope,
    SkippedVoucher,
    SkipReason,
    Suggestion,
    VoucherResults,
)
from mailbot.domain.vouchers.terms import TermsError, VoucherTerms

__all__ = [
    "ZERO_DISCOUNT",
    "Action",
    "AppliedVoucher",
    "Basket",
    "BasketLine",
    "Candidate",
    "Check",
    "ClientHistory",
    "Discount",
    "Failure",
    "Problem",
    "RefusedVoucher",
    "Rule",
    "Scope",
    "SkipReason",
    "SkippedVoucher",
    "Suggestion",
    "TermsError",
    "VoucherResults",
    "VoucherTerms",
    "evaluate_vouchers",
]
