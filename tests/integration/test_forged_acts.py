"""Acts that commit money or goods need more than a From header, on SQLite and PostgreSQL:
a forged AGREE, CANCEL or supplier answer is not carried out and the real partner is told; a
reply threaded to mailbot's mail, the order's reference, or sender authentication is enough."""

from __future__ import annotations

import re

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, SecurityConfig
from mailbot.demo import PRICE_LIST, SUPPLIER, seed_demo
from mailbot.storage.models import Event
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import answer, last_to, quote, reply_to
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, outbox
from tests.signing import received

CLIENT = "buying@fleetparts.example"
NOT_PROVEN = "not a reply to our mail, no order reference, sender not authenticated"
MX = "mx.distributor.example"


def price(app: App, sku: str) -> str:
    with app.uow() as uow:
        (offer,) = uow.prices.offers([sku])[sku]
    return str(offer.price.amount)


def status(app: App, number: str) -> str:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order.status


def reference_in(raw: bytes) -> str:
    found = re.search(r"REF-[0-9A-Z]{10}", parts(raw)["plain"])
    assert found, "no reference in the mail"
    return found.group()


def forged_agree(number: str, body: str = "AGREE") -> bytes:
    """What a forger can write: the client's address, the order number, no thread."""
    return mail(sender=FLEET, subject=f"AGREE {number}", body=body)


def test_a_forged_agree_is_not_carried_out_and_the_client_is_told(app: App) -> None:
    """AGREE from the client's address, neither threaded nor with the reference: the order
    stays quoted, no order file goes out, the client gets an answer with its reference, and the
    refusal is recorded."""
    seed_demo(app)
    number = quote(app)
    inbound_id, outcome = ingest(app, forged_agree(number))
    assert (outcome.status, outcome.summary) == (
        "processed",
        f"AGREE for {number} not carried out: {NOT_PROVEN}",
    )
    assert status(app, number) == "quoted"
    assert all(m.kind != "order_file" for m in outbox(app))
    told = last_to(app, CLIENT)
    assert (told.kind, told.inbound_message_id) == ("order_answer", inbound_id)
    assert headers(told.raw)["Subject"].startswith(
        f"Order {number}: please answer by replying to our mail [REF-"
    )
    text = parts(told.raw)["plain"]
    assert "so we cannot be sure that it comes from you, and nothing has been done" in text
    reference = reference_in(last_to(app, CLIENT, "quote").raw)
    assert f"with the reference {reference} in its subject or text" in text
    with app.uow() as uow:
        (event,) = uow.session.query(Event).filter(Event.type == "order.act_not_proven")
    assert event.payload == {"order": number, "partner": 2, "act": "agree", "message": inbound_id}


def test_a_forged_cancel_is_not_carried_out(app: App) -> None:
    """CANCEL is an act too: a forged one leaves the quote as it was."""
    seed_demo(app)
    number = quote(app)
    _, outcome = ingest(app, mail(sender=FLEET, subject=f"CANCEL {number}", body=""))
    assert outcome.summary == f"CANCEL for {number} not carried out: {NOT_PROVEN}"
    assert status(app, number) == "quoted"


def test_a_reply_threaded_to_the_quote_is_carried_out(app: App) -> None:
    """The client's real reply names the quote's Message-ID, which a forger never saw."""
    seed_demo(app)
    number = quote(app)
    outcome = answer(app, "quote", FLEET, "AGREE")
    assert outcome.summary.startswith(f"{number} agreed; order files sent to 1 supplier")
    assert status(app, number) == "sent"


def test_the_reference_without_threading_is_carried_out(app: App) -> None:
    """A new message with AGREE and the quote's reference, not threaded, is carried out."""
    seed_demo(app)
    number = quote(app)
    reference = reference_in(last_to(app, CLIENT, "quote").raw)
    _, outcome = ingest(app, forged_agree(number, body=f"AGREE\n\nOur reference: {reference}"))
    assert outcome.summary.startswith(f"{number} agreed")


def test_a_reply_that_lost_its_threading_keeps_the_reference_in_its_subject(app: App) -> None:
    """The quote's subject carries the reference, so a reply without In-Reply-To still acts."""
    seed_demo(app)
    number = quote(app)
    outcome = answer(app, "quote", FLEET, "AGREE", threaded=False)
    assert outcome.summary.startswith(f"{number} agreed")


def test_the_client_agrees_by_replying_to_the_refusal(app: App) -> None:
    """The answer to a forged AGREE belongs to the order: replying AGREE to it is proof."""
    seed_demo(app)
    number = quote(app)
    ingest(app, forged_agree(number))
    outcome = answer(app, "order_answer", FLEET, "AGREE")
    assert outcome.summary.startswith(f"{number} agreed")


def test_threading_to_mail_about_another_order_proves_nothing(app: App) -> None:
    """A reply to mailbot's mail about one order does not vouch for an AGREE naming another;
    one threaded to another client's quote is answered as an unknown order."""
    seed_demo(app)
    number = quote(app)
    second = quote(app)
    second_quote = last_to(app, CLIENT, "quote")
    _, outcome = ingest(app, reply_to(second_quote, FLEET, f"AGREE {number}"))
    assert outcome.summary == f"AGREE for {number} not carried out: {NOT_PROVEN}"
    assert (status(app, number), status(app, second)) == ("quoted", "quoted")
    other = quote(app, sender=VECTOR)
    _, outcome = ingest(app, reply_to(last_to(app, VECTOR, "quote"), FLEET, "AGREE"))
    assert outcome.summary == f"AGREE for an unknown order {other}"
    assert status(app, other) == "quoted"


def test_another_partners_reference_proves_nothing(app: App) -> None:
    """References are per partner: the supplier's reference of an order does not let anyone
    agree to it as the client."""
    seed_demo(app)
    number = quote(app)
    answer(app, "quote", FLEET, "AGREE")
    supplier_reference = reference_in(last_to(app, SUPPLIER, "order_file").raw)
    client_reference = reference_in(last_to(app, CLIENT, "quote").raw)
    assert supplier_reference != client_reference
    raw = mail(sender=FLEET, subject=f"CANCEL {number} {supplier_reference}", body="")
    _, outcome = ingest(app, raw)
    assert outcome.summary == f"CANCEL for {number} not carried out: {NOT_PROVEN}"
    assert status(app, number) == "sent"


def test_a_forged_supplier_confirmation_is_not_carried_out(app: App) -> None:
    """CONFIRMED from the supplier's address naming the order, not threaded to the order
    file: nothing changes and the supplier is told; its threaded answer then confirms."""
    seed_demo(app)
    number = quote(app)
    answer(app, "quote", FLEET, "AGREE")
    forged = mail(sender=SUPPLIER, subject=f"Order {number}", body="CONFIRMED")
    _, outcome = ingest(app, forged)
    assert outcome.summary == f"supplier answer for {number} not carried out: {NOT_PROVEN}"
    assert status(app, number) == "sent"
    told = last_to(app, SUPPLIER)
    assert told.kind == "supplier_answer"
    order_file = last_to(app, SUPPLIER, "order_file")
    assert reference_in(order_file.raw) in parts(told.raw)["plain"]
    outcome = ingest(app, reply_to(order_file, SUPPLIER, "CONFIRMED"))[1]
    assert status(app, number) == "confirmed", outcome


def test_an_authenticated_sender_needs_no_thread(
    app: App, config: Config, clock: FixedClock
) -> None:
    """With a trusted receiving server configured (but not required), its DKIM pass for the
    client's domain vouches for an unthreaded AGREE; a fail does not."""
    security = SecurityConfig(trusted_authserv_ids=(MX,))
    app = bootstrap(
        config.model_copy(update={"security": security}),
        engine=app.engine,
        transport=RecordingTransport(),
        clock=clock,
    )
    seed_demo(app)
    number = quote(app)
    failed = received(forged_agree(number), f"{MX}; dkim=fail header.d=fleetparts.example")
    assert "not carried out" in ingest(app, failed)[1].summary
    passed = received(forged_agree(number), f"{MX}; dkim=pass header.d=fleetparts.example")
    assert ingest(app, passed)[1].summary.startswith(f"{number} agreed")


def test_a_price_list_in_a_new_mail_is_held_and_one_in_a_reply_applied(app: App) -> None:
    """A supplier's price list in a new mail is held for the managers, who are told why; its
    report asks for the next list as a reply, and that one is applied at once."""
    seed_demo(app)
    changed = PRICE_LIST.replace(
        "BPW-0310;Brake drum BPW;BPW;brakes;84.00", "BPW-0310;Brake drum BPW;BPW;brakes;90.00"
    )
    listing = ("prices.csv", "text/csv", changed.encode())
    _, outcome = ingest(app, mail(sender=SUPPLIER, subject="Prices", attachments=[listing]))
    assert outcome.summary == (
        "price list prices.csv: 6 rows, 0 rejected; held as version 2, 1 manager(s) told"
    )
    assert price(app, "BPW-0310") == "84.00"
    held = last_to(app, "manager@distributor.example", "pricelist_held")
    assert "it came by mail with nothing but its From header" in parts(held.raw)["plain"]
    report = last_to(app, SUPPLIER, "pricelist_report")
    assert (
        "trimiteți următoarea listă de prețuri ca răspuns la acest mesaj"
        in parts(report.raw)["plain"]
    )
    with app.uow() as uow:
        version = uow.versions.get(2)
        assert version is not None
    assert (version.status, version.held_reason) == (
        "held",
        "sent by mail without proof of its sender (no reply to our mail, not authenticated)",
    )

    _, outcome = ingest(app, reply_to(report, SUPPLIER, "Corrected", attachments=[listing]))
    assert outcome.summary == "price list prices.csv: 6 rows, 0 rejected"
    assert price(app, "BPW-0310") == "90.00"
