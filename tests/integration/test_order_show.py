"""An order shown whole on SQLite and PostgreSQL: `orders show` with the amounts the total comes
from, its voucher codes, deadlines and mail; the history naming who really acted; and
`orders list` with its filters combined."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list
from tests.commands import call
from tests.fakes import FixedClock
from tests.integration.test_order_vouchers import BODY, BPW_TEN_PERCENT, campaign
from tests.lifecycle import CLIENT, answer, last_to
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, order_of

OTHER_SUPPLIER = "orders@axle-supply.example"


def shown(cli: CliRunner, number: str) -> dict[str, Any]:
    return dict(json.loads(call(cli, "orders", "show", number, "--json").output))


def voucher_order(app: App) -> str:
    """Fleet Parts orders 2 BPW and 5 SAF with WINTER25 (10% off BPW); the order's number."""
    seed_demo(app)
    campaign(app, "winter", BPW_TEN_PERCENT, code="WINTER25")
    _, outcome = ingest(app, mail(sender=FLEET, subject="Order winter25", body=BODY))
    return str(order_of(app, outcome)["number"])


def test_orders_show_has_the_discount_deadlines_and_mail(app: App, cli: CliRunner) -> None:
    """The quoted order's lines add up to the subtotal, less the code's discount to the total;
    the code, its campaign and state, the answer-by deadline and the mail in and out are shown,
    in JSON and text; after AGREE the code is redeemed and the supplier's confirm-by opens."""
    number = voucher_order(app)
    order = shown(cli, number)
    # 2 x 100.80 + 5 x 55.80 = 480.60; 10% of the BPW line (201.60) is 20.16.
    assert (order["subtotal"], order["discount"], order["total"]) == (
        "480.60", "20.16", "460.44"
    )  # fmt: skip
    assert sum(float(line["line_total"]) for line in order["lines"]) == pytest.approx(480.60)
    (code,) = order["vouchers"]
    assert (code["code"], code["campaign"], code["status"], code["discount"]) == (
        "WINTER25", "winter", "reserved", "20.16"
    )  # fmt: skip
    (deadline,) = order["deadlines"]
    assert (deadline["deadline"], deadline["party"], deadline["status"]) == (
        "answer by", "Fleet Parts Ltd", "open"
    )  # fmt: skip
    (received,) = order["messages"]
    assert (received["subject"], received["sender"]) == (
        "Order winter25",
        "buying@fleetparts.example",
    )
    (quote,) = order["outbox"]
    assert (quote["kind"], quote["recipient"], quote["status"]) == ("quote", CLIENT, "pending")

    answer(app, "quote", FLEET, "AGREE")
    order = shown(cli, number)
    assert order["vouchers"][0]["status"] == "redeemed"
    assert [(d["deadline"], d["party"], d["status"]) for d in order["deadlines"]] == [
        ("answer by", "Fleet Parts Ltd", "done"),
        ("confirm by", "Balkan Truck Parts SRL", "open"),
    ]
    # The quote's subject carries the order's reference, and so does the reply's.
    assert [m["subject"].split(" [REF-")[0] for m in order["messages"]] == [
        "Order winter25", f"Re: Quote {number}"
    ]  # fmt: skip
    assert [(m["kind"], m["recipient"]) for m in order["outbox"]] == [
        ("quote", CLIENT), ("order_file", SUPPLIER), ("order_answer", CLIENT)
    ]  # fmt: skip

    text = call(cli, "orders", "show", number).output
    assert "subtotal: 480.60\n" in text
    assert "discount: 20.16\ntotal: 460.44\n" in text
    for title in ("Lines:", "Voucher codes:", "Deadlines:", "History:", "Mail received:"):
        assert f"\n{title}\n" in text
    assert "WINTER25  winter    redeemed  20.16" in text
    assert f"Re: Quote {number}" in text


def test_the_history_names_who_acted_after_a_partial_confirmation(app: App, cli: CliRunner) -> None:
    """When the client agrees to a supplier's partial confirmation, the client's mail says it
    accepted the confirmed quantities and the suppliers confirmed (not "sent to suppliers
    (you)"), `orders show` names the supplier for the confirmation, and the amounts still add
    up: confirmed subtotal less discount is the new total."""
    number = voucher_order(app)
    answer(app, "quote", FLEET, "AGREE")
    answer(app, "order_file", SUPPLIER, "Parțial:\nSAF-2234 x 3")
    outcome = answer(app, "order_answer", FLEET, "AGREE")
    assert outcome.summary.endswith("order confirmed"), outcome

    told = parts(last_to(app, CLIENT, "order_answer").raw)["plain"].replace("\r\n", "\n")
    history = [line.split("  ")[-1] for line in told.split("Order history:\n")[1].splitlines()]
    assert history[:5] == [
        "quoted (you)",
        "agreed (you)",
        "sent to suppliers (order desk)",
        "confirmed quantities accepted (you)",
        "confirmed by suppliers (supplier)",
    ]
    html = parts(last_to(app, CLIENT, "order_answer").raw)["html"]
    assert "confirmed quantities accepted" in html

    order = shown(cli, number)
    assert [(s["status"], s["by"], s["role"]) for s in order["transitions"]] == [
        ("quoted", "Fleet Parts Ltd", "client"),
        ("agreed", "Fleet Parts Ltd", "client"),
        ("sent", "mailbot", "mailbot"),
        ("sent", "Fleet Parts Ltd", "client"),
        ("confirmed", "Balkan Truck Parts SRL", "supplier"),
    ]
    # 2 x 100.80 + 3 x 55.80 = 369.00 confirmed, less 20.16 on the BPW line.
    assert (order["subtotal"], order["confirmed_subtotal"], order["discount"]) == (
        "480.60", "369.00", "20.16"
    )  # fmt: skip
    assert order["total"] == "348.84"
    assert [m["subject"] for m in order["messages"]][2].startswith(f"Re: Comanda {number} [REF-")
    assert headers(last_to(app, CLIENT, "order_answer").raw)["Subject"] == (
        f"Order {number} goes ahead with the confirmed quantities"
    )


def test_orders_list_filters_combine(app: App, cli: CliRunner) -> None:
    """--status, --since, --until (a whole day, or up to a time), --supplier and --client each
    narrow the list, together too; an unknown address is refused with exit 1."""
    seed_demo(app)
    assert isinstance(app.clock, FixedClock)
    add_partner(app.uow, name="Axle Supply", role="supplier", addresses=[OTHER_SUPPLIER],
                language="en", group="", currency="EUR", now=app.clock.now())  # fmt: skip
    with app.uow() as uow:
        axle = uow.partners.by_address(OTHER_SUPPLIER)
        assert axle is not None
        prices = b"sku;name;price;stock\nAXL-7700;Axle nut;9.50;100\n"
        import_price_list(uow, axle, "axle.csv", prices, default_currency="EUR",
                          now=app.clock.now())  # fmt: skip
        uow.commit()

    def order(sender: str, body: str) -> str:
        return str(order_of(app, ingest(app, mail(sender=sender, body=body))[1])["number"])

    first = order(FLEET, "BPW-0310 x 1")  # 20 November, 09:30 local
    app.clock.advance(timedelta(days=1))
    second = order(FLEET, "AXL-7700 x 4")  # 21 November
    third = order(VECTOR, "AXL-7700 x 2\nDAF-1643 x 1")
    answer(app, "quote", FLEET, "AGREE")  # the newest quote to Fleet Parts: the second order
    app.clock.advance(timedelta(days=1))
    fourth = order(VECTOR, "SAF-2234 x 1")  # 22 November

    def listed(*args: str) -> list[str]:
        rows = json.loads(call(cli, "orders", "list", "--json", *args).output)
        return [row["number"] for row in rows]

    assert listed() == [fourth, third, second, first]
    assert listed("--status", "sent") == [second]
    assert listed("--status", "quoted") == [fourth, third, first]
    assert listed("--supplier", OTHER_SUPPLIER) == [third, second]
    assert listed("--since", "2026-11-21") == [fourth, third, second]
    assert listed("--until", "2026-11-21") == [third, second, first]
    assert listed("--since", "2026-11-21", "--until", "2026-11-21") == [third, second]
    assert listed("--until", "2026-11-20T09:30:00+02:00") == [first]
    assert listed("--client", VECTOR, "--supplier", OTHER_SUPPLIER, "--status", "quoted") == [third]
    assert listed("--client", FLEET, "--since", "2026-11-22") == []
    assert (
        "no partner has the address"
        in call(cli, "orders", "list", "--supplier", "nobody@x.example", code=1).output
    )
    assert "--since" in call(cli, "orders", "list", "--since", "Monday", code=2).output
    assert (
        "Invalid value for '--status'"
        in call(cli, "orders", "list", "--status", "lost", code=2).output
    )
