"""Which words a client wrote as voucher codes: after a marker, alone on a line; never SKUs or
ordinary words."""

from __future__ import annotations

import pytest

from mailbot.parsers.voucher_codes import one_slip_variants
from mailbot.parsers.written_codes import near_codes, written_codes


def no_skus(word: str) -> bool:
    return False


@pytest.mark.parametrize(
    "line",
    [
        "Voucher code: XMAS2099",
        "voucher code XMAS2099",
        "Code: XMAS2099",
        "code XMAS2099",
        "Voucher: XMAS2099",
        "promo XMAS2099",
        "Promo code: XMAS2099",
        "promocode XMAS2099",
        "coupon XMAS2099",
        "Coupon code: XMAS2099",
        "Промокод: XMAS2099",
        "купон XMAS2099",
        "Cod: XMAS2099",
        "cod promo XMAS2099",
        "Cod promoțional: XMAS2099",
        "Please use code:XMAS2099 on this order.",
        "XMAS2099",
        "  XMAS2099.  ",
    ],
)
def test_a_marked_or_lone_code_is_written_as_a_code(line: str) -> None:
    """Each marker, with or without a colon, and a code alone on a line mark XMAS2099."""
    assert written_codes("", f"Hello,\n\nBPW-0310 x 2\n{line}\n\nSam", no_skus) == ["XMAS2099"]


def test_after_a_colon_any_word_counts_without_one_only_a_word_with_a_digit() -> None:
    """ "Voucher: WINTER" is a code; "the code below", "cod fiscal" and "cod IBAN" are words."""
    body = "Voucher: WINTER\nPlease apply the code below.\nCod fiscal RO123\nCod IBAN: RO49AAAA"
    assert written_codes("", body, no_skus) == ["WINTER"]


def test_the_subject_counts_and_each_code_is_kept_once() -> None:
    """A code in the subject and again in the body is one code, as first written."""
    assert written_codes("Order, promo code xmas2099", "XMAS2099", no_skus) == ["xmas2099"]


def test_skus_ordinary_words_and_numbers_are_not_codes() -> None:
    """Order lines, lone SKUs, names, greetings, phone numbers and sentences give no codes."""
    body = (
        "Hello,\n\nBPW-0310 x 2\nSAF-2234\n5 x SAF-2234\nThanks\n+40 722 123 456\n0722123456\n"
        "Please quote the items below, code words aside.\nSam\nFleet Ltd 2026"
    )
    assert written_codes("Order 4711", body, no_skus) == []


def test_a_sku_after_a_marker_is_not_a_code() -> None:
    """A word the caller knows as a SKU is left out even after "code:" or alone on a line."""
    skus = {"BPW0310", "KNORR12"}
    body = "Code: BPW0310\nKNORR12\nvoucher XMAS2099"
    assert written_codes("", body, lambda word: word in skus) == ["XMAS2099"]


def test_too_short_and_too_long_words_are_not_codes() -> None:
    """Codes are 4 to 32 characters: "code: A1" and a 40-character run are not codes."""
    assert written_codes("", f"code: A1\ncode: {'A1' * 20}", no_skus) == []


@pytest.mark.parametrize(
    ("typed", "real"),
    [
        ("WINTR25", "WINTER25"),  # missing
        ("WINNTER25", "WINTER25"),  # added
        ("WINTEP25", "WINTER25"),  # changed
        ("WITNER25", "WINTER25"),  # swapped
        ("winter-26", "WINTER25"),  # changed, any case and separators
    ],
)
def test_one_slip_variants_reach_the_real_code(typed: str, real: str) -> None:
    """One letter missing, added, changed or two neighbours swapped reaches the real code."""
    assert real in one_slip_variants(typed)


def test_two_slips_and_the_code_itself_are_not_variants() -> None:
    """Two slips away is too far, and the typed code is not its own variant."""
    variants = one_slip_variants("WNTER26")
    assert "WINTER25" not in variants
    assert "WNTER26" not in variants


def test_a_lone_word_in_the_subject_is_not_a_code() -> None:
    """A subject of one word ("PO4711") is an order reference; after a marker it is a code."""
    assert written_codes("PO4711", "", no_skus) == []
    assert written_codes("Order, voucher PO4711", "", no_skus) == ["PO4711"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("promo code SPRING", "SPRING"),
        ("Please apply voucher WINTER to this order.", "WINTER"),
        ("the coupon BLACKFRIDAY does not work", "BLACKFRIDAY"),
        ("Промокод ВЕСНА, пожалуйста", "ВЕСНА"),
        ("купон LETO", "LETO"),
        ("cod promo PRIMAVARA", "PRIMAVARA"),
        ("Cod promoțional TOAMNA vă rog", "TOAMNA"),
    ],
)
def test_a_word_in_capitals_after_a_marker_is_a_code(line: str, code: str) -> None:
    """Without a colon or a digit, a word in capitals after a marker is written as a code."""
    assert written_codes("", f"Hello,\n{line}\nSam", no_skus) == [code]


@pytest.mark.parametrize(
    "body",
    [
        "Do you have a promo code for us? Promo code please.",
        "The code is wrong in your quote; the voucher expired; coupon attached.",
        "PROMO CODE PLEASE",
        "Cod IBAN: RO49AAAA1B31007593840000, cod CAEN 4531",
        "Есть ли у вас промокод для нас? Промокод не работает, купон на скидку потерялся.",
        "Aveți un cod de reducere? Codul promo nu merge, cod fiscal RO123456, cod poștal 400001.",
        "URGENT\nTHANKS\nСРОЧНО",
    ],
)
def test_prose_about_codes_writes_no_code(body: str) -> None:
    """Sentences about codes, shouted words and identifiers after "cod" are not codes."""
    assert written_codes("Order", body, no_skus) == []


def test_words_without_a_codes_shape_may_be_codes() -> None:
    """Letters after a marker and a lone word in capitals are only near codes: answered when
    one slip from a real code; a certain code is not among them."""
    body = "promo code sprng\nSPRNG\nPROMO CODE PLEASE\nvoucher XMAS2099\nthe code is wrong"
    assert near_codes("", body, no_skus) == ["sprng", "PLEASE"]
    assert written_codes("", body, no_skus) == ["XMAS2099"]
