"""Voucher codes in the order flow, on SQLite and PostgreSQL: judged on the quote, reserved
with it, explained in the reply; CHECK judges without ordering or reserving."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.money import Money
from mailbot.parsers.voucher_codes import display, generate
from mailbot.services.partners.editing import Changes, edit_partner
from mailbot.services.partners.terms import Terms
from mailbot.services.schedule.digest import build_digest
from mailbot.services.vouchers.campaigns import Limits, create_campaign, generate_codes
from mailbot.storage.models import Order, VoucherCode, VoucherRedemption
from tests.lifecycle import answer
from tests.mail import mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, order_of, outbox

EXAMPLE = Path(__file__).parents[2] / "examples" / "order-voucher-en.eml"
BODY = "Hello,\n\nBPW-0310 x 2\nSAF-2234 x 5\n\nSam"
BPW_TEN_PERCENT = {
    "benefit": {"kind": "percent", "value": "10"},
    "restrictions": [{"rule": "brands", "brands": ["BPW"]}],
}


def campaign(app: App, name: str, terms: dict[str, Any], **options: Any) -> None:
    limits = Limits(**options.pop("limits", {}))
    create_campaign(
        app.uow, name=name, kind="promotional", terms=terms, limits=limits, now=app.clock.now(),
        **options,
    )  # fmt: skip


def redemptions(app: App) -> list[VoucherRedemption]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(VoucherRedemption).order_by(VoucherRedemption.id)))


def test_a_code_in_the_subject_discounts_its_lines_and_is_reserved_with_the_quote(app: App) -> None:
    """A brand-restricted percent code takes 10% off the BPW line only, lowers the stored total,
    is reserved until the quote expires, and the reply says all of it."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order winter25", body=BODY))
    detail = order_of(app, outcome)
    # 2 x 100.80 + 5 x 55.80 = 480.60; 10% of the BPW line (201.60) is 20.16.
    assert detail["total"] == "460.44"
    (held,) = redemptions(app)
    assert (held.status, held.discount, held.order_id is not None) == (
        "reserved",
        Decimal("20.16"),
        True,
    )
    assert held.hold_until is not None
    assert held.hold_until > app.clock.now() + timedelta(hours=1)
    text = parts(outbox(app)[0].raw)["plain"]
    assert "WINTER25" in text
    assert "−€20.16" in text
    assert "off on line 1\r\n" in text
    assert "reserved for you until" in text


def test_a_code_that_does_not_qualify_says_what_would_and_reserves_nothing(app: App) -> None:
    """A minimum order total not reached is refused with the gap and the change that qualifies;
    nothing is reserved and the total is the full price."""
    seed_demo(app)
    terms = {
        "benefit": {"kind": "fixed", "value": "50", "currency": "EUR"},
        "restrictions": [{"rule": "order_total", "basis": "net", "min": "1000", "currency": "EUR"}],
    }
    campaign(app, "big", terms, code="BIGORDER")
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order", body=BODY + "\nBIGORDER"))
    assert order_of(app, outcome)["total"] == "480.60"
    assert redemptions(app) == []
    text = parts(outbox(app)[0].raw)["plain"]
    assert "BIGORDER" in text
    assert "€519.40" in text  # the gap: 1,000.00 - 480.60


def test_unknown_codes_are_answered_and_ordinary_words_are_not_codes(app: App) -> None:
    """A serial-shaped code with a campaign's prefix that was never issued is "unknown"; the
    words and SKUs of the mail are not taken for codes."""
    seed_demo(app)
    create_campaign(
        app.uow, name="spring", kind="serial", terms=BPW_TEN_PERCENT, limits=Limits(),
        now=app.clock.now(), prefix="SPR",
    )  # fmt: skip
    generate_codes(
        app.uow, campaign="spring", count=1, clients=(), now=app.clock.now(), rng=Random(7)
    )
    (never_issued,) = generate("SPR", 1, Random(8))
    with app.uow() as uow:
        assert uow.session.scalars(select(VoucherCode.code)).all() != [never_issued]
    ingest(app, mail(sender=FLEET, subject=f"Order {display(never_issued)} please", body=BODY))
    text = parts(outbox(app)[0].raw)["plain"]
    assert f"{display(never_issued)}: unknown code" in text
    assert "Hello" not in text.split("Voucher codes:")[1]
    assert redemptions(app) == []


def test_a_limit_reached_by_another_client_is_explained(app: App) -> None:
    """A code limited to one use is reserved for the first client; the second is told the limit
    is reached, in its language, and pays the full price."""
    seed_demo(app)
    campaign(app, "once", BPW_TEN_PERCENT, code="ONCEONLY", limits={"max_redemptions": 1})
    ingest(app, mail(sender=FLEET, subject="Order ONCEONLY", body=BODY))
    _, outcome = ingest(app, mail(sender=VECTOR, subject="Заказ ONCEONLY", body=BODY))
    assert order_of(app, outcome)["total"] == "480.60"
    assert len(redemptions(app)) == 1
    text = parts(outbox(app)[1].raw)["plain"]
    assert "лимит использований этого кода исчерпан" in text


def test_check_in_the_subject_judges_codes_without_ordering_or_reserving(app: App) -> None:
    """CHECK quotes the order with its codes applied but stores no order and reserves nothing."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=FLEET, subject="CHECK WINTER25", body=BODY))
    assert outcome.status == "processed"
    assert "nothing reserved" in outcome.summary
    with app.uow() as uow:
        assert uow.session.scalars(select(Order)).all() == []
    assert redemptions(app) == []
    (reply,) = outbox(app)
    text = parts(reply.raw)["plain"]
    assert "only a check" in text
    assert "−€20.16" in text
    assert "AGREE" not in text


def campaign_used(app: App, name: str) -> int:
    with app.uow() as uow:
        found = uow.vouchers.campaign(name)
        assert found is not None
        return found.used


def test_agree_redeems_the_reserved_code_and_the_digest_counts_it(app: App) -> None:
    """AGREE turns the quote's reservation into a redemption, still counted against the limit,
    and the managers' digest lists the campaign's redemption."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    ingest(app, mail(sender=FLEET, subject="Order WINTER25", body=BODY))
    outcome = answer(app, "quote", FLEET, "AGREE")
    assert "agreed" in outcome.summary
    (redemption,) = redemptions(app)
    assert redemption.status == "redeemed"
    assert campaign_used(app, "winter") == 1
    with app.uow() as uow:
        later = app.clock.now() + timedelta(minutes=1)
        digest = build_digest(uow, since=later - timedelta(days=1), now=later)
    assert digest.vouchers == [{"campaign": "winter", "redemptions": 1}]


def test_cancel_releases_the_code_and_gives_its_use_back(app: App) -> None:
    """CANCEL releases the order's reserved code: its use counts no more against the limit."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25", limits={"max_redemptions": 1})
    ingest(app, mail(sender=FLEET, subject="Order WINTER25", body=BODY))
    assert campaign_used(app, "winter") == 1
    outcome = answer(app, "quote", FLEET, "CANCEL")
    assert "cancelled" in outcome.summary
    (redemption,) = redemptions(app)
    assert (redemption.status, redemption.release_reason) == ("released", "order cancelled")
    assert campaign_used(app, "winter") == 0


def test_an_expired_quote_releases_its_code(app: App) -> None:
    """When the scheduler expires an unanswered quote, its reserved code is released."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    ingest(app, mail(sender=FLEET, subject="Order WINTER25", body=BODY))
    (held,) = redemptions(app)
    assert held.hold_until is not None
    app.jobs.run_due(held.hold_until - timedelta(minutes=1))
    assert redemptions(app)[0].status == "reserved"
    for moment in (held.hold_until, held.hold_until + timedelta(minutes=1)):
        app.jobs.run_due(moment)  # each stage is acted on at its own tick
    (released,) = redemptions(app)
    assert (released.status, released.release_reason) == ("released", "quote expired")
    assert campaign_used(app, "winter") == 0


def test_dates_are_judged_on_the_client_local_day_the_mail_was_received(app: App) -> None:
    """A code valid until 19 November applies to mail received at 07:30 UTC on the 20th from a
    client in Honolulu (still the 19th there), and not to the same mail from a Bucharest client."""
    seed_demo(app)
    terms = {
        "benefit": {"kind": "percent", "value": "10"},
        "restrictions": [{"rule": "date_window", "start": "2026-11-01", "end": "2026-11-19"}],
    }
    campaign(app, "autumn", terms, code="AUTUMN10")
    assert app.clock.now().isoformat() == "2026-11-20T07:30:00+00:00"
    _, outcome = ingest(app, mail(sender=VECTOR, subject="Заказ AUTUMN10", body=BODY))
    assert order_of(app, outcome)["total"] == "480.60"
    far_away = Changes(terms=Terms(timezone="Pacific/Honolulu"))
    edit_partner(app.uow, "buying@fleetparts.example", far_away, now=app.clock.now())
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order AUTUMN10", body=BODY))
    assert order_of(app, outcome)["total"] == "432.54"  # 480.60 less 10%


def test_a_partial_confirmation_judges_the_redeemed_code_again(app: App) -> None:
    """When the client agrees to fewer BPW drums than it ordered, its 10% BPW code gives 10% of
    what is left, the total follows, and the campaign's budget gets the difference back."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25",
             limits={"budget": Money(Decimal(100), "EUR")})  # fmt: skip
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order WINTER25", body=BODY))
    number = order_of(app, outcome)["number"]
    assert "agreed" in answer(app, "quote", FLEET, "AGREE").summary
    assert "partial" in answer(app, "order_file", SUPPLIER, "BPW-0310 x 1").summary
    assert "confirmed" in answer(app, "order_answer", FLEET, "AGREE").summary
    # 1 x 100.80 less 10% (10.08) + 5 x 55.80 = 369.72
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        assert order.total == Decimal("369.72")
        winter = uow.vouchers.campaign("winter")
        assert winter is not None
        assert winter.discount_used == Decimal("10.08")
    (redemption,) = redemptions(app)
    assert (redemption.status, redemption.discount) == ("redeemed", Decimal("10.08"))


def test_the_shipped_voucher_example_gets_its_discount(app: App) -> None:
    """examples/order-voucher-en.eml, on the demo data, is quoted with SPRING10's 10% off the
    BPW line, reserved."""
    seed_demo(app)
    _, outcome = ingest(app, EXAMPLE.read_bytes())
    # 2 x 100.80 = 201.60 of BPW (10%: 20.16) + 4 x 55.80 = 223.20
    assert order_of(app, outcome)["total"] == "404.64"
    assert [r.status for r in redemptions(app)] == ["reserved"]
    text = parts(outbox(app)[0].raw)["plain"]
    assert "SPRING10: €20.16 off on line 1\r\n" in text
