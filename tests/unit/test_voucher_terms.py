"""Voucher terms: the JSON document read and written back, and clear errors for bad fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mailbot.domain.vouchers import TermsError, VoucherTerms
from mailbot.domain.vouchers.benefits import Fixed, FreeShipping, Percent
from mailbot.domain.vouchers.restrictions import DateWindow, OrderTotal
from mailbot.errors import MailbotError
from tests.baskets import eur

FULL = {
    "benefit": {"kind": "percent", "value": "10", "max_discount": "50.00", "currency": "EUR"},
    "exclusive": True,
    "restrictions": [
        {"rule": "past_orders", "min": 3, "max": None, "invert": True, "message": {"en": "{gap}"}},
        {"rule": "past_revenue", "basis": "net", "min": "1000.00", "max": None, "currency": "EUR"},
        {"rule": "new_client"},
        {"rule": "order_total", "basis": "gross", "min": "200.00", "max": None, "currency": "EUR"},
        {"rule": "products", "skus": ["SAF-2234"]},
        {"rule": "product_quantity", "sku": "SAF-2234", "min": 3, "max": None},
        {"rule": "brands", "brands": ["BPW"]},
        {"rule": "categories", "categories": ["brakes"]},
        {"rule": "client_groups", "groups": ["fleet"]},
        {"rule": "date_window", "start": "2026-11-01", "end": "2026-11-30"},
    ],
}


def test_full_document_round_trips() -> None:
    """Every rule and benefit field is read and written back as it was given."""
    read = VoucherTerms.from_dict(FULL)
    assert read.to_dict() == FULL
    assert VoucherTerms.from_dict(read.to_dict()) == read
    assert read.benefit == Percent(Decimal(10), eur("50.00"))
    assert read.exclusive
    assert read.restrictions[3] == OrderTotal(basis="gross", currency="EUR", min=eur("200.00"))
    assert read.restrictions[-1] == DateWindow(start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert [rule.rule.value for rule in read.line_rules] == ["products", "brands", "categories"]


@pytest.mark.parametrize(
    ("benefit", "expected"),
    [
        ({"kind": "fixed", "value": "25.00", "currency": "EUR"}, Fixed(eur("25.00"))),
        ({"kind": "free_shipping"}, FreeShipping()),
        ({"kind": "percent", "value": "12.5"}, Percent(Decimal("12.5"))),
    ],
)
def test_each_benefit_kind_is_read(benefit: dict[str, object], expected: object) -> None:
    """Fixed (with its currency), free shipping and a plain percentage are read."""
    read = VoucherTerms.from_dict({"benefit": benefit})
    assert read.benefit == expected
    assert read.restrictions == ()
    assert VoucherTerms.from_dict(read.to_dict()) == read


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ([], "terms: expected an object"),
        ({}, "terms.benefit: missing"),
        ({"benefit": {"kind": "gift"}}, "benefit.kind: expected one of percent, fixed"),
        ({"benefit": {"kind": "percent", "value": "150"}}, "benefit.value: a percentage"),
        ({"benefit": {"kind": "percent", "value": "ten"}}, "benefit.value: expected an amount"),
        ({"benefit": {"kind": "percent", "value": "5", "currency": "EUR"}}, "benefit.currency"),
        ({"benefit": {"kind": "fixed", "value": "5"}}, "benefit.currency: missing"),
        ({"benefit": {"kind": "fixed", "value": "5", "currency": "EUX"}}, "not an ISO 4217"),
        ({"benefit": {"kind": "fixed", "value": "0", "currency": "EUR"}}, "must be above 0"),
        ({"benefit": {"kind": "free_shipping", "value": "1"}}, "benefit: unknown field 'value'"),
        ({"benefit": {"kind": "free_shipping"}, "exclusive": "yes"}, "terms.exclusive: expected"),
        (
            {"benefit": {"kind": "free_shipping"}, "restrictions": {}},
            "restrictions: expected a list",
        ),
    ],
)
def test_bad_documents_name_the_field(document: object, error: str) -> None:
    """A wrong benefit or top-level field is a TermsError naming it."""
    with pytest.raises(TermsError) as raised:
        VoucherTerms.from_dict(document)
    assert error in str(raised.value)
    assert isinstance(raised.value, MailbotError)


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"rule": "lucky"}, "restrictions[0].rule: expected one of past_orders"),
        ({"rule": "past_orders"}, "restrictions[0].min: give a min, a max or both"),
        ({"rule": "past_orders", "min": -1}, "restrictions[0].min: expected a whole number"),
        ({"rule": "past_orders", "min": True}, "restrictions[0].min: expected a whole number"),
        ({"rule": "past_orders", "min": 5, "max": 2}, "restrictions[0].max: must not be below min"),
        ({"rule": "order_total", "min": "10"}, "restrictions[0].currency: missing"),
        ({"rule": "order_total", "min": 1.5, "currency": "EUR"}, ".min: expected an amount"),
        ({"rule": "order_total", "basis": "tax", "min": "1", "currency": "EUR"}, ".basis"),
        ({"rule": "brands", "brands": []}, "restrictions[0].brands: expected a non-empty list"),
        ({"rule": "products", "brands": ["X"]}, "restrictions[0].skus: missing"),
        ({"rule": "date_window", "start": "2026-13-01"}, "restrictions[0].start: expected a date"),
        ({"rule": "date_window", "start": "2026-11-30", "end": "2026-11-01"}, ".end: must not"),
        ({"rule": "new_client", "invert": "no"}, "restrictions[0].invert: expected true or false"),
        ({"rule": "new_client", "message": {"en": "{who}"}}, "restrictions[0].message.en: only"),
        ({"rule": "new_client", "message": "hi"}, "restrictions[0].message: expected an object"),
        ({"rule": "new_client", "min": 1}, "restrictions[0]: unknown field 'min'"),
    ],
)  # fmt: skip
def test_bad_restrictions_name_the_field(rule: dict[str, object], error: str) -> None:
    """A wrong restriction is a TermsError whose message names the restriction and field."""
    with pytest.raises(TermsError) as raised:
        VoucherTerms.from_dict({"benefit": {"kind": "free_shipping"}, "restrictions": [rule]})
    assert error in str(raised.value)
