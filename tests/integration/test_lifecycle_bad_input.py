"""Bad input in an order's life: each gets a clear answer and changes nothing it must not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.services.orders.lifecycle import transition
from mailbot.services.partners.registry import add_partner
from tests.lifecycle import CLIENT, agree_and_send, answer, last_to, quote
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, outbox


def status_of(app: App, number: str) -> str:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order.status


def debits(app: App) -> list[Decimal]:
    with app.uow() as uow:
        partner = uow.partners.by_address(CLIENT)
        assert partner is not None
        return [e.amount for e in uow.order_records.ledger(partner.id) if e.kind == "debit"]


def subject(app: App, address: str) -> str:
    return str(headers(last_to(app, address).raw)["Subject"])


@pytest.mark.parametrize("word", ["AGREE", "CANCEL", "STATUS"])
def test_a_command_for_another_clients_order_is_answered_as_unknown(app: App, word: str) -> None:
    """Another client's order number gets the unknown-order answer and reveals nothing."""
    seed_demo(app)
    number = quote(app)
    _, outcome = ingest(app, mail(sender=VECTOR, subject=f"{word} {number}", body=""))
    assert "unknown order" in outcome.summary
    reply = last_to(app, VECTOR)
    assert subject(app, VECTOR) == f"Заказ {number} не найден"
    text = parts(reply.raw)["plain"]
    assert "480" not in text
    assert "ожидает" not in text
    assert status_of(app, number) == "quoted"


def test_an_unknown_order_number_is_answered(app: App) -> None:
    """AGREE for a number no order has is answered as not found."""
    seed_demo(app)
    _, outcome = ingest(app, mail(sender=FLEET, subject="AGREE ORD-2026-999999", body=""))
    assert outcome.summary == "AGREE for an unknown order ORD-2026-999999"
    assert subject(app, CLIENT) == "Order ORD-2026-999999 not found"


def test_agree_twice_is_answered_and_debits_once(app: App) -> None:
    """A second AGREE says the order was already agreed; no second debit or order file."""
    seed_demo(app)
    number = agree_and_send(app)
    files = len([m for m in outbox(app) if m.kind == "order_file"])
    outcome = answer(app, "quote", FLEET, "AGREE")
    assert "changed nothing" in outcome.summary
    assert subject(app, CLIENT) == f"Order {number} was already agreed"
    assert debits(app) == [Decimal("480.60")]
    assert len([m for m in outbox(app) if m.kind == "order_file"]) == files


def test_agree_after_the_quote_expired_says_how_to_order_again(app: App) -> None:
    """AGREE for an expired quote tells the client so and how to order again."""
    seed_demo(app)
    number = quote(app)
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        transition(uow, order, "expired", at=app.clock.now(), actor_id=None, inbound_id=None)
        uow.commit()
    answer(app, "quote", FLEET, "AGREE")
    assert subject(app, CLIENT) == f"Order {number} has expired"
    assert "send us your order again" in parts(last_to(app, CLIENT).raw)["plain"]
    assert status_of(app, number) == "expired"
    assert debits(app) == []


def test_cancel_after_confirmation_is_too_late(app: App) -> None:
    """Once every supplier confirmed, a CANCEL by mail is refused with a clear answer."""
    seed_demo(app)
    number = agree_and_send(app)
    answer(app, "order_file", SUPPLIER, "CONFIRMED")
    answer(app, "order_answer", FLEET, "CANCEL")
    assert subject(app, CLIENT) == f"Order {number} can no longer be cancelled"
    assert status_of(app, number) == "confirmed"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("DAF-1643 x 1", "DAF-1643 nu este unul dintre rândurile dumneavoastră"),
        ("SAF-2234 x 9", "SAF-2234: 9 confirmate, dar doar 5 comandate"),
        ("SAF-2234 x 2.5", "SAF-2234: 2.5 nu este un număr întreg"),
        ("SHIPPED 2026-11-19 DHL", "data expedierii 2026-11-19 este înainte de 20 noiembrie"),
        ("SHIPPED 2026-11-21 DHL", "data expedierii 2026-11-21 este după ziua de azi"),
        ("EXPEDIAT curând DHL", "data expedierii „curând” nu poate fi citită"),
    ],
)
def test_a_wrong_supplier_answer_is_refused_whole(app: App, body: str, reason: str) -> None:
    """Lines not its own, more than ordered, or a date before the order file, after today or
    unreadable refuse the answer, with the reason in the supplier's language (Romanian here)."""
    seed_demo(app)
    number = agree_and_send(app)
    before = len(outbox(app))
    outcome = answer(app, "order_file", SUPPLIER, f"CONFIRMED\n{body}")
    assert "refused" in outcome.summary
    refusal = last_to(app, SUPPLIER, "supplier_answer")
    assert reason in parts(refusal.raw)["plain"]
    assert len(outbox(app)) == before + 1  # only the refusal: the client hears nothing
    assert status_of(app, number) == "sent"
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        assert all(line.confirmed_quantity is None for line in order.lines)


def test_a_supplier_without_lines_in_the_order_is_answered_as_unknown(app: App) -> None:
    """Only the supplier of an order's lines may answer for them."""
    seed_demo(app)
    add_partner(app.uow, name="Other Parts", role="supplier", addresses=["x@other.example"],
                language="en", group="", currency="EUR", now=app.clock.now())  # fmt: skip
    number = agree_and_send(app)
    _, outcome = ingest(app, mail(sender="x@other.example", subject=f"{number}", body="CONFIRMED"))
    assert "has no lines of Other Parts" in outcome.summary
    assert subject(app, "x@other.example") == f"Order {number} not found"
    assert status_of(app, number) == "sent"


def test_a_supplier_answer_without_anything_to_act_on_is_answered(app: App) -> None:
    """A reply with no confirmation, quantities or date says what can be sent."""
    seed_demo(app)
    number = agree_and_send(app)
    outcome = answer(app, "order_file", SUPPLIER, "Vă mulțumim, revenim.")
    assert outcome.summary == f"supplier answer for {number} not understood"
    assert "EXPEDIAT 20.11.2026 DPD" in parts(last_to(app, SUPPLIER).raw)["plain"]


def test_an_answer_after_shipping_changes_nothing(app: App) -> None:
    """Once a supplier's part has shipped, a late CONFIRMED does not take it back."""
    seed_demo(app)
    number = agree_and_send(app)
    answer(app, "order_file", SUPPLIER, "SHIPPED 2026-11-20 DHL")
    assert status_of(app, number) == "shipped"
    outcome = answer(app, "order_file", SUPPLIER, "CONFIRMED\nSAF-2234 x 1")
    assert outcome.summary.endswith("refused: the order is shipped")
    assert status_of(app, number) == "shipped"


def test_agree_that_names_no_order_asks_which(app: App) -> None:
    """AGREE with no thread and no number in the subject asks which order, changing nothing."""
    seed_demo(app)
    number = quote(app)
    _, outcome = ingest(app, mail(sender=FLEET, subject="Hello", body="AGREE"))
    assert outcome.summary == "AGREE names no order and answers none of ours"
    assert "AGREE ORD-2026-000001" in parts(last_to(app, CLIENT).raw)["plain"]
    assert status_of(app, number) == "quoted"
