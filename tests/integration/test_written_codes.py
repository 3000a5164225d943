"""Words written as voucher codes through the processor: an unknown one is named in the quote
in the client's language, a one-slip one gets "did you mean", and SKUs and words get nothing."""

from __future__ import annotations

import pytest

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from tests.integration.test_order_vouchers import BODY, BPW_TEN_PERCENT, campaign, redemptions
from tests.mail import mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, order_of, outbox

CLUJ = "achizitii@autotrans-cluj.example"


@pytest.mark.parametrize(
    ("sender", "line", "unknown"),
    [
        (FLEET, "Voucher code: XMAS2099", "XMAS2099: unknown code: please check it"),
        (VECTOR, "Промокод XMAS2099", "XMAS2099: неизвестный код: проверьте его, пожалуйста"),
        (CLUJ, "Cod promo: XMAS2099", "XMAS2099: cod necunoscut: vă rugăm să-l verificați"),
        (FLEET, "XMAS2099", "XMAS2099: unknown code: please check it"),
    ],
)
def test_an_unknown_written_code_is_named_as_unknown(
    app: App, sender: str, line: str, unknown: str
) -> None:
    """A code after a marker or alone on a line that no campaign knows is answered as unknown
    in the client's language; the order is quoted at full price and nothing is reserved."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=sender, subject="Order", body=f"{BODY}\n{line}"))
    assert order_of(app, outcome)["total"] == "480.60"
    text = parts(outbox(app)[0].raw)["plain"]
    assert unknown in text
    assert "WINTER25" not in text
    assert redemptions(app) == []


@pytest.mark.parametrize(
    ("sender", "typed", "hint"),
    [
        (FLEET, "WINTR25", "did you mean WINTER25?"),
        (FLEET, "WITNER25", "did you mean WINTER25?"),
        (VECTOR, "WINTERR25", "вы имели в виду WINTER25?"),
        (CLUJ, "WINTEP25", "ați vrut să scrieți WINTER25?"),
    ],
)
def test_a_code_one_slip_from_a_real_one_gets_did_you_mean(
    app: App, sender: str, typed: str, hint: str
) -> None:
    """A written code with one letter missing, swapped, added or changed is unknown, and the
    reply names the real code; it is not applied."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=sender, subject="Order", body=f"{BODY}\ncode: {typed}"))
    assert order_of(app, outcome)["total"] == "480.60"
    text = parts(outbox(app)[0].raw)["plain"]
    assert f"{typed}: " in text
    assert hint in text
    assert redemptions(app) == []


def test_a_code_two_slips_away_gets_no_suggestion(app: App) -> None:
    """WNTER26 is two slips from WINTER25: unknown, with no "did you mean"."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    ingest(app, mail(sender=FLEET, subject="Order", body=f"{BODY}\nVoucher: WNTER26"))
    text = parts(outbox(app)[0].raw)["plain"]
    assert "WNTER26: unknown code" in text
    assert "did you mean" not in text


def test_a_body_of_skus_and_words_gets_no_code_rows(app: App) -> None:
    """Order lines, a catalogue SKU after "code", lone SKUs, names, numbers and the word
    "code" in sentences are not answered as codes."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    body = (
        "Hello,\n\nBPW-0310 x 2\nSAF-2234 x 5\nCode: DAF1643\nKNORR-K012\nThe code below is "
        "the product code, as in our order 4711.\nCod fiscal RO123456\nThanks\nSam Smith\n"
        "+40 722 123 456"
    )
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order 2026", body=body))
    assert outcome.status == "processed"
    text = parts(outbox(app)[0].raw)["plain"]
    assert "Voucher codes" not in text
    assert "unknown code" not in text
