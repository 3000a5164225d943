"""What a supplier may promote with its own money: campaigns whose discount covers only its
own brands or SKUs, as marketplace vendors fund their own promotions."""

from __future__ import annotations

from mailbot.domain.vouchers import TermsError, VoucherTerms
from mailbot.domain.vouchers.outcomes import Rule
from mailbot.services.vouchers.campaigns import VoucherError
from mailbot.storage.unit_of_work import UnitOfWork


def check_supplier_terms(uow: UnitOfWork, supplier_id: int, terms: object) -> None:
    """VoucherError unless `terms` limit the discount to brands or SKUs all on the
    supplier's active price list."""
    try:
        parsed = VoucherTerms.from_dict(terms)
    except TermsError as error:
        raise VoucherError(f"the terms are not valid: {error}") from None
    skus, brands = uow.prices.offered_by(supplier_id)
    own = {Rule.PRODUCTS: skus, Rule.BRANDS: brands}
    limiting = [rule for rule in parsed.line_rules if rule.rule in own and not rule.invert]
    if not limiting:
        raise VoucherError(
            "a supplier's campaign limits its discount to its own brands or SKUs "
            '(a "brands" or "products" restriction)'
        )
    for rule in limiting:
        foreign = sorted(v for v in rule.values if v.strip().upper() not in own[rule.rule])
        if foreign:
            raise VoucherError(f"not on your active price list ({rule.rule}): {', '.join(foreign)}")
