"""Voucher codes answered through the processor when the mail has no order lines ("Promo code:
BONUS10, does it apply?"), and codes written after a marker without a digit ("promo code
SPRING"): each named with its verdict, in the client's language; prose gets no code rows."""

from __future__ import annotations

import pytest

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from tests.integration.test_order_vouchers import BODY, BPW_TEN_PERCENT, campaign, redemptions
from tests.mail import mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, order_of, outbox

CLUJ = "achizitii@autotrans-cluj.example"
NBSP = "\xa0"
BONUS_TERMS = {
    "benefit": {"kind": "percent", "value": "10", "max_discount": "50.00", "currency": "EUR"},
}
# What each language says of BONUS10 without order lines, and of an unknown code.
VALID = {
    FLEET: ("BONUS10: valid: 10% off, at most €50.00", "write it in a mail with your order"),
    VECTOR: (
        f"BONUS10: действует: скидка 10{NBSP}%, не более 50,00{NBSP}€",
        "укажите его в письме вместе со строками заказа",
    ),
    CLUJ: (
        f"BONUS10: valabil: reducere de 10{NBSP}%, cel mult 50,00{NBSP}EUR",
        "scrieți-l într-un mesaj împreună cu rândurile comenzii",
    ),
}
UNKNOWN = {
    FLEET: "unknown code: please check it",
    VECTOR: "неизвестный код: проверьте его, пожалуйста",
    CLUJ: "cod necunoscut: vă rugăm să-l verificați",
}
NO_ORDER = {
    FLEET: "We could not find any order lines",
    VECTOR: "поэтому заказ не создан",
    CLUJ: "Nu am găsit",
}


def reply_text(app: App) -> str:
    replies = outbox(app)
    assert len(replies) == 1
    text: str = parts(replies[0].raw)["plain"]
    return text


@pytest.mark.parametrize(
    ("sender", "body"),
    [
        (FLEET, "Hello,\n\nPromo code: BONUS10, does it apply to Knorr?\n\nSam"),
        (VECTOR, "Добрый день!\n\nПромокод BONUS10 действует на Knorr?\n\nИван"),
        (CLUJ, "Bună ziua,\n\nCod promoțional: BONUS10. Se aplică la Knorr?\n\nAna"),
        (FLEET, "BONUS10"),
    ],
)
def test_a_valid_code_without_order_lines_says_what_it_gives(
    app: App, sender: str, body: str
) -> None:
    """A usable code in a mail without order lines is answered as valid with its benefit and how
    to use it, beside the reply that no order was found; nothing is ordered or reserved."""
    seed_demo(app)
    campaign(app, "bonus", BONUS_TERMS, code="BONUS10")
    _, outcome = ingest(app, mail(sender=sender, subject="Question", body=body))
    assert outcome.status == "processed"
    assert outcome.summary.endswith("; 1 voucher code answered")
    text = reply_text(app)
    valid, how = VALID[sender]
    assert NO_ORDER[sender] in text
    assert valid in text
    assert how in text
    assert "BONUS10" in parts(outbox(app)[0].raw)["html"]
    assert redemptions(app) == []


@pytest.mark.parametrize(
    ("sender", "body", "expected"),
    [
        (FLEET, "Voucher code: XMAS2099", "XMAS2099: unknown code: please check it"),
        (FLEET, "code: BONS10 - still valid?", "BONS10: unknown code: please check it"),
        (VECTOR, "Промокод XMAS2099", f"XMAS2099: {UNKNOWN[VECTOR]}"),
        (CLUJ, "Cod: XMAS2099", f"XMAS2099: {UNKNOWN[CLUJ]}"),
    ],
)
def test_an_unknown_code_without_order_lines_is_named_unknown(
    app: App, sender: str, body: str, expected: str
) -> None:
    """An unknown code written in a mail without order lines is named as unknown."""
    seed_demo(app)
    campaign(app, "bonus", BONUS_TERMS, code="BONUS10")
    ingest(app, mail(sender=sender, subject="Question", body=body))
    assert expected in reply_text(app)


def test_a_slip_without_order_lines_gets_did_you_mean(app: App) -> None:
    """BONS10 is one slip from BONUS10: unknown, with "did you mean BONUS10?"."""
    seed_demo(app)
    campaign(app, "bonus", BONUS_TERMS, code="BONUS10")
    ingest(app, mail(sender=FLEET, subject="Question", body="code: BONS10 - still valid?"))
    assert "did you mean BONUS10?" in reply_text(app)


def test_a_code_used_up_is_refused_with_its_reason_without_order_lines(app: App) -> None:
    """A code whose only use another client's quote holds is refused with the reason."""
    seed_demo(app)
    campaign(app, "bonus", BONUS_TERMS, code="BONUS10", limits={"max_redemptions": 1})
    ingest(app, mail(sender=VECTOR, subject="Заказ", body=f"{BODY}\nПромокод: BONUS10"))
    assert len(redemptions(app)) == 1
    ingest(app, mail(sender=FLEET, subject="Question", body="Promo code: BONUS10?"))
    text = parts(outbox(app)[-1].raw)["plain"]
    assert "BONUS10: this code has reached its limit of uses" in text
    assert len(redemptions(app)) == 1


@pytest.mark.parametrize(
    ("sender", "line", "expected"),
    [
        (FLEET, "promo code WINTER", f"WINTER: {UNKNOWN[FLEET]}"),
        (FLEET, "Please apply voucher SPRING to this order.", f"SPRING: {UNKNOWN[FLEET]}"),
        (VECTOR, "промокод ВЕСНА", f"ВЕСНА: {UNKNOWN[VECTOR]}"),
        (CLUJ, "cod promo PRIMAVARA", f"PRIMAVARA: {UNKNOWN[CLUJ]}"),
    ],
)
def test_a_word_in_capitals_after_a_marker_is_answered(
    app: App, sender: str, line: str, expected: str
) -> None:
    """A code without a digit or a colon after "promo code", "voucher", "промокод", "cod promo"
    is answered with the order's quote; the order is priced at full price."""
    seed_demo(app)
    campaign(app, "winter25", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=sender, subject="Order", body=f"{BODY}\n{line}"))
    assert order_of(app, outcome)["total"] == "480.60"
    assert expected in reply_text(app)


@pytest.mark.parametrize(
    ("sender", "line"),
    [
        (FLEET, "promo code sprng"),
        (FLEET, "SPRNG"),
        (VECTOR, "промокод sprng"),
        (CLUJ, "Cod promoțional sprng"),
    ],
)
def test_a_lowercase_or_lone_word_one_slip_from_a_code_gets_did_you_mean(
    app: App, sender: str, line: str
) -> None:
    """A word with no code's shape after a marker, or in capitals alone on a line, is answered
    when one slip from a real code, with "did you mean"."""
    seed_demo(app)
    campaign(app, "spring", {"benefit": {"kind": "percent", "value": "5"}}, code="SPRING")
    ingest(app, mail(sender=sender, subject="Order", body=f"{BODY}\n{line}"))
    text = reply_text(app)
    assert "SPRNG: " in text or "sprng: " in text
    assert "SPRING?" in text


@pytest.mark.parametrize(
    ("sender", "body"),
    [
        (FLEET, "Hello,\n\nDo you have a promo code for us? Promo code please.\nThe code is "
                "wrong in your last quote, and the voucher expired.\nURGENT\nThanks\nSam"),
        (FLEET, "PROMO CODE PLEASE\nCOUPON ATTACHED\nCod IBAN: RO49AAAA1B31007593840000"),
        (VECTOR, "Добрый день!\n\nЕсть ли у вас промокод для нас? Промокод не работает, "
                 "купон на скидку потерялся.\nСРОЧНО\nСпасибо\nИван"),
        (CLUJ, "Bună ziua,\n\nAveți un cod de reducere? Codul promo nu merge, cod fiscal "
               "RO123456, cod poștal 400001.\nURGENT\nMulțumesc\nAna"),
    ],
)  # fmt: skip
def test_prose_about_codes_gets_no_code_rows(app: App, sender: str, body: str) -> None:
    """Sentences that mention codes, words in capitals and identifiers after "cod" are not
    answered as codes, with an order and without one."""
    seed_demo(app)
    campaign(app, "bonus", BONUS_TERMS, code="BONUS10")
    for text in (body, f"{BODY}\n{body}"):
        ingest(app, mail(sender=sender, subject="Order", body=text))
        reply = parts(outbox(app)[-1].raw)["plain"]
        for heading in ("Voucher codes", "Промокоды", "Coduri de reducere"):
            assert heading not in reply, reply
