"""Orders moved by the ERP over the machine's RabbitMQ: a cancel is the desk's cancel, recorded
as the ERP's; one the order's status does not allow goes to the dead-letter queue."""

from __future__ import annotations

from decimal import Decimal

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.events.consumer import REASON_HEADER
from mailbot.storage.models import OrderTransition
from tests.events.test_consumer import DEAD, consuming, dead_letters, envelope
from tests.lifecycle import CLIENT, answer, quote
from tests.pipeline import FLEET, outbox
from tests.rabbit import virtual_host
from tests.servers import wait_for

ORDER = "Hello,\n\nthe code SPRING10:\n\nBPW-0310 x 2\nSAF-2234 x 4\n\nSam"


def status(app: App, number: str) -> str:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        return order.status


def cancel(number: str, note: str = "") -> bytes:
    payload = {"order": number, "status": "cancelled", **({"note": note} if note else {})}
    return envelope("erp.order_status", "order", number, payload)


def test_the_erp_cancels_a_sent_order_as_the_desk_does(app: App) -> None:
    """An agreed order with a voucher code, its files sent, cancelled by the ERP: the debit is
    credited back by the ERP, the code released, the supplier and the client told, and the
    step recorded with the ERP as the actor; a second cancel is dead-lettered with the
    reason and changes nothing."""
    seed_demo(app)
    number = quote(app, body=ORDER)
    assert "agreed" in answer(app, "quote", FLEET, "AGREE").summary
    with virtual_host() as host:
        with consuming(app, host.url):
            host.send([cancel(number, "client called the office")])
            wait_for(lambda: status(app, number) == "cancelled", what="the order cancelled")
            host.send([cancel(number)])
            wait_for(lambda: dead_letters(app) == 1, what="the second cancel refused")
        (headers,) = host.headers(DEAD)
    assert headers[REASON_HEADER] == f"order {number} is cancelled; too late to cancel"
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        client = order.client
        assert uow.order_records.balance(client.id, client.currency) == Decimal("0.00")
        steps = uow.session.query(OrderTransition).filter_by(order_id=order.id).all()
        (cancelled,) = uow.events.listed(kind="order.cancelled")
        (released,) = uow.events.listed(kind="voucher.code_released")
        credit = uow.events.listed(kind="ledger.entry_booked")[-1]
    assert (steps[-1].status, steps[-1].actor_name) == ("cancelled", "erp")
    assert steps[-1].note == "client called the office"
    assert cancelled.payload["by"] == "erp"
    assert cancelled.payload["previous"] == "sent"
    assert released.payload["reason"] == "order cancelled"
    assert credit.payload["kind"] == "credit"
    assert credit.payload["by"] == "erp"
    told = [(m.recipient, m.kind) for m in outbox(app)]
    assert told.count((SUPPLIER, "order_file")) == 2  # the order, then its cancel
    assert told[-1] == (CLIENT, "order_answer")


def test_the_erp_cannot_cancel_a_shipped_order(app: App) -> None:
    """A shipped order is too late to cancel, from the ERP as from the desk: the message is
    dead-lettered with the reason and the order stays shipped."""
    seed_demo(app)
    number = quote(app)
    answer(app, "quote", FLEET, "AGREE")
    answer(app, "order_file", SUPPLIER, "Confirmăm")
    shipped = envelope("erp.order_status", "order", number, {"order": number, "status": "shipped"})
    with virtual_host() as host:
        with consuming(app, host.url):
            host.send([shipped, cancel(number)])
            wait_for(lambda: dead_letters(app) == 1, what="the cancel refused")
        (headers,) = host.headers(DEAD)
    assert headers[REASON_HEADER] == f"order {number} is shipped; too late to cancel"
    assert status(app, number) == "shipped"
