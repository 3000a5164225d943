"""An order's life by mail on SQLite and PostgreSQL: AGREE, order files, supplier answers."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.parsers.tables import TableLimits, read_rows
from mailbot.read_models import order_matrix
from mailbot.services.orders import agreement
from mailbot.services.orders.ledger import add_payment
from mailbot.services.partners.editing import Changes, edit_partner
from mailbot.services.partners.registry import add_partner
from mailbot.services.partners.terms import Terms
from mailbot.services.pricelists.importing import import_price_list
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import CLIENT, agree_and_send, answer, last_to, quote, reply_to
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, ingest, outbox

MANAGER = "manager@distributor.example"


def detail(app: App, number: str) -> dict[str, Any]:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order_matrix(uow, order)


def balance(app: App, address: str = CLIENT) -> Decimal:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        return uow.order_records.balance(partner.id, partner.currency)


def statuses(app: App, number: str) -> list[str]:
    return [step["status"] for step in detail(app, number)["transitions"]]


def test_agree_sends_order_files_and_confirmed_then_shipped_closes_the_loop(app: App) -> None:
    """AGREE → sent with an order file; CONFIRMED → confirmed; SHIPPED → shipped, client told."""
    seed_demo(app)
    number = agree_and_send(app)
    order_file = last_to(app, SUPPLIER, "order_file")
    names = [p.get_filename() for p in headers(order_file.raw).walk() if p.get_filename()]
    assert names == [f"{number}.xlsx", f"{number}.csv"]
    assert "BPW-0310" in parts(order_file.raw)["plain"]
    assert detail(app, number)["status"] == "sent"
    assert balance(app) == Decimal("-480.60")
    told = last_to(app, CLIENT, "order_answer")
    assert headers(told.raw)["Subject"] == f"Order {number} agreed"
    outcome = answer(app, "order_file", SUPPLIER, "Confirmăm")
    assert outcome.summary.endswith("order confirmed"), outcome
    assert headers(last_to(app, CLIENT).raw)["Subject"] == f"Order {number} confirmed"
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(days=5))  # the goods leave on 25 November, and are told then
    outcome = answer(app, "order_file", SUPPLIER, "EXPEDIAT 25.11.2026 DPD")
    assert outcome.summary.endswith("order shipped"), outcome
    assert "25 November 2026 by DPD" in parts(last_to(app, CLIENT).raw)["plain"]
    shown = detail(app, number)
    assert [(s["status"], s["ship_date"], s["ship_method"]) for s in shown["suppliers"]] == [
        ("shipped", "2026-11-25", "DPD")
    ]
    assert statuses(app, number) == ["quoted", "agreed", "sent", "confirmed", "shipped"]
    assert [s["role"] for s in shown["transitions"]] == [
        "client", "client", "mailbot", "supplier", "supplier"
    ]  # fmt: skip
    assert all(s["message"] for s in shown["transitions"] if s["role"] != "mailbot")
    agreement.close(app.uow, number, now=app.clock.now())
    assert statuses(app, number)[-1] == "closed"


def test_agree_without_threading_is_matched_by_the_number_in_the_subject(app: App) -> None:
    """A reply that lost its In-Reply-To still finds the order by the number in its subject."""
    seed_demo(app)
    number = quote(app)
    outcome = answer(app, "quote", FLEET, "Согласен", threaded=False)
    assert outcome.summary.startswith(f"{number} agreed"), outcome


def test_an_auto_agree_client_is_sent_at_once(app: App) -> None:
    """A client set to auto-agree has its order agreed and sent right after the quote, which
    asks for no AGREE and names no date to answer by."""
    seed_demo(app)
    edit_partner(app.uow, CLIENT, Changes(terms=Terms(auto_agree=True)), now=app.clock.now())
    number = quote(app)
    assert detail(app, number)["status"] == "sent"
    assert [m.kind for m in outbox(app)] == ["quote", "order_file", "order_answer"]
    text = parts(outbox(app)[0].raw)["plain"]
    assert "AGREE" not in text
    assert "answer by" not in text
    assert "corrected order" not in text
    assert detail(app, number)["transitions"][1]["note"] == "auto-agreed"


def test_partial_confirmation_in_the_body_asks_the_client_who_agrees_again(app: App) -> None:
    """Lines in the supplier's answer confirm less; the client sees ordered against confirmed,
    and its AGREE confirms the order at the lower total, crediting the difference."""
    seed_demo(app)
    number = agree_and_send(app)
    outcome = answer(app, "order_file", SUPPLIER, "Parțial:\nSAF-2234 x 3")
    assert "partial" in outcome.summary
    partial = last_to(app, CLIENT, "order_answer")
    assert "partly confirmed" in str(headers(partial.raw)["Subject"])
    assert "SAF-2234 — Air spring SAF: Ordered 5, Confirmed 3" in parts(partial.raw)["plain"]
    assert detail(app, number)["status"] == "sent"
    outcome = answer(app, "order_answer", FLEET, "AGREE")
    assert outcome.summary.endswith("order confirmed"), outcome
    shown = detail(app, number)
    assert shown["total"] == "369.00"
    assert balance(app) == Decimal("-369.00")
    assert [line["confirmed_quantity"] for line in shown["lines"]] == [2, 3]


def test_partial_confirmation_in_the_order_file_sent_back(app: App) -> None:
    """The order file returned with its confirmed column filled in is a partial confirmation,
    and a CANCEL after it cancels the order, credits the debit back and tells the supplier."""
    seed_demo(app)
    number = agree_and_send(app)
    order_file = last_to(app, SUPPLIER, "order_file")
    (sheet,) = [p for p in headers(order_file.raw).walk() if p.get_filename() == f"{number}.csv"]
    rows = list(read_rows("o.csv", sheet.get_payload(decode=True), TableLimits()))
    filled = [";".join(cells) for _, cells in rows]
    filled[1] += "1"  # the first line's confirmed quantity, the others left blank
    returned = ("comanda.csv", "text/csv", "\r\n".join(filled).encode())
    outcome = answer(app, "order_file", SUPPLIER, "Vezi fișierul.", attachments=[returned])
    assert "partial" in outcome.summary, outcome
    assert detail(app, number)["lines"][0]["confirmed_quantity"] == 1
    outcome = answer(app, "order_answer", FLEET, "CANCEL")
    assert outcome.summary == f"{number} cancelled by the client"
    assert balance(app) == Decimal("0.00")
    cancelled = last_to(app, SUPPLIER, "order_file")
    assert "anulată" in str(headers(cancelled.raw)["Subject"])


def test_an_order_above_the_credit_limit_is_held_until_a_manager_releases_it(app: App) -> None:
    """Above the credit limit AGREE holds the order, mails managers and tells the client;
    `release` then debits it and sends the order files."""
    seed_demo(app)
    edit_partner(app.uow, CLIENT, Changes(terms=Terms(credit_limit="400")), now=app.clock.now())
    number = quote(app)
    outcome = answer(app, "quote", FLEET, "AGREE")
    assert "held above the credit limit; 1 manager(s) told" in outcome.summary
    assert detail(app, number)["status"] == "held"
    held = last_to(app, MANAGER, "order_held")
    assert f"mailbot orders release {number}" in parts(held.raw)["plain"]
    assert "waiting for review" in str(headers(last_to(app, CLIENT).raw)["Subject"])
    assert balance(app) == 0
    summary = agreement.release(app.uow, app.desk, number, now=app.clock.now())
    assert "released" in summary
    assert detail(app, number)["status"] == "sent"
    assert balance(app) == Decimal("-480.60")
    assert last_to(app, SUPPLIER).kind == "order_file"


def test_payments_lift_the_balance_under_the_limit(app: App) -> None:
    """With a payment booked first, the same order fits under the credit limit."""
    seed_demo(app)
    edit_partner(app.uow, CLIENT, Changes(terms=Terms(credit_limit="400")), now=app.clock.now())
    add_payment(app.uow, CLIENT, "100", currency="eur", note="bank", now=app.clock.now())
    number = quote(app)
    answer(app, "quote", FLEET, "AGREE")
    assert detail(app, number)["status"] == "sent"
    assert balance(app) == Decimal("-380.60")


def test_status_and_balance_are_answered(app: App) -> None:
    """STATUS ORD-… answers with the status and history; BALANCE with the ledger and limit."""
    seed_demo(app)
    number = agree_and_send(app)
    ingest(app, mail(sender=FLEET, subject=f"status {number}", body=""))
    status = last_to(app, CLIENT)
    assert headers(status.raw)["Subject"] == f"Order {number}: sent to our suppliers"
    assert "Order history" in parts(status.raw)["plain"]
    ingest(app, mail(sender=FLEET, subject="Balance", body=""))
    text = parts(last_to(app, CLIENT, "balance").raw)["plain"]
    assert "You owe us €480.60." in text
    assert "No credit limit" in text
    ingest(app, mail(sender=FLEET, subject="Status", body=""))
    assert number in parts(last_to(app, CLIENT).raw)["plain"]


def test_shipped_order_files_thread_under_the_first_mail(app: App) -> None:
    """Mail mailbot starts about an order threads under its first mail to that client."""
    seed_demo(app)
    number = agree_and_send(app)
    answer(app, "order_file", SUPPLIER, "CONFIRMED")
    first = next(m for m in outbox(app) if m.recipient == CLIENT and m.kind == "quote")
    confirmed = last_to(app, CLIENT)
    assert headers(confirmed.raw)["In-Reply-To"] == first.message_id
    assert number in str(headers(confirmed.raw)["Subject"])


def test_two_suppliers_confirming_at_once_confirm_the_order(app: App) -> None:
    """Two suppliers' confirmations processed at the same moment by two workers still move
    the order to confirmed: the order row is locked while each answer acts on it."""
    seed_demo(app)
    other = "sales@other-parts.example"
    add_partner(app.uow, name="Other Parts", role="supplier", addresses=[other],
                language="en", group="", currency="EUR", now=app.clock.now())  # fmt: skip
    with app.uow() as uow:
        supplier = uow.partners.by_address(other)
        assert supplier is not None
        import_price_list(uow, supplier, "p.csv", b"sku;price;stock\nXYZ-100;10.00;50\n",
                          default_currency="EUR", now=app.clock.now())  # fmt: skip
        uow.commit()
    number = quote(app, body="BPW-0310 x 1\nXYZ-100 x 2")
    answer(app, "quote", FLEET, "AGREE")
    answers = [
        app.store(reply_to(last_to(app, address, "order_file"), address, "CONFIRMED"), "file").id
        for address in (SUPPLIER, other)
    ]
    for inbound_id in answers:
        assert app.processor.claim(inbound_id)
    start = threading.Barrier(2)

    def process(inbound_id: int) -> None:
        start.wait()
        app.processor.process_claimed(inbound_id)

    workers = [threading.Thread(target=process, args=(i,)) for i in answers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    shown = detail(app, number)
    assert [part["status"] for part in shown["suppliers"]] == ["confirmed", "confirmed"]
    assert shown["status"] == "confirmed"


def test_command_answers_count_against_the_reply_limit(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Answers to commands are replies like any other: past replies.max_per_hour they wait
    for the digest, and the command's outcome says so."""
    seed_demo(app)
    replies = config.replies.model_copy(update={"max_per_hour": 2})
    limited = config.model_copy(update={"replies": replies})
    app = bootstrap(limited, engine=app.engine, transport=transport, clock=clock)
    number = quote(app)
    ingest(app, mail(sender=FLEET, subject="BALANCE", body=""))
    _, outcome = ingest(app, mail(sender=FLEET, subject=f"STATUS {number}", body=""))
    assert "held for the digest" in outcome.summary
    assert [m.status for m in outbox(app)] == ["pending", "pending", "held"]


def test_answers_are_auto_replied_and_other_mail_auto_generated(app: App) -> None:
    """The quote and the AGREE answer respond to the client's mail (auto-replied); the order
    file to the supplier responds to nothing of its (auto-generated), as RFC 3834 says."""
    seed_demo(app)
    agree_and_send(app)
    quote_mail = last_to(app, CLIENT, "quote")
    agreed = last_to(app, CLIENT, "order_answer")
    order_file = last_to(app, SUPPLIER, "order_file")
    assert headers(quote_mail.raw)["Auto-Submitted"] == "auto-replied"
    assert headers(agreed.raw)["Auto-Submitted"] == "auto-replied"
    assert headers(order_file.raw)["Auto-Submitted"] == "auto-generated"
