"""Orders as clerks send them, answered over real SMTP: a PDF purchase order and a forwarded
spreadsheet, with SKUs written in notations other than the price list's."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.mail import mail, parts
from tests.pdfs import table_order
from tests.servers import Relay, start_relay
from tests.workbooks import xlsx_bytes

DESK = "orders@distributor.example"
FLEET = "buying@fleetparts.example"
VECTOR = "zakaz@vector-trans.example"


@pytest.fixture
def running(config: Config, engine: Engine) -> Iterator[tuple[Runner, Relay]]:
    """mailbot with the demo desk, its SMTP listener on a free port, replying to a test relay."""
    relay, controller = start_relay()
    outgoing = config.smtp_outgoing.model_copy(update={"host": "127.0.0.1", "port": relay.port})
    app: App = bootstrap(config.model_copy(update={"smtp_outgoing": outgoing}), engine=engine)
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    yield runner, relay
    runner.stop()
    controller.stop()


def send(runner: Runner, sender: str, raw: bytes) -> None:
    assert runner.ingress is not None
    with smtplib.SMTP("127.0.0.1", runner.ingress.port) as smtp:
        smtp.sendmail(sender, [DESK], raw)


def quantity_of(text: str, item: str) -> str:
    """The quantity a text quote gives for the line naming `item` ("  1. SKU — name" and
    "     4 × price = total" below it)."""
    lines = text.splitlines()
    (index,) = [i for i, line in enumerate(lines) if item in line]
    return lines[index + 1].split("×")[0].strip()


def test_pdf_purchase_order_is_quoted(running: tuple[Runner, Relay]) -> None:
    """A PDF purchase order with a ruled table, SKUs typed without dashes, gets the right quote."""
    runner, relay = running
    pdf = table_order(
        [
            ["Article", "Description", "Qty"],
            ["bpw0310", "Brake drum", "4"],
            ["SAF2234", "Air spring", "2"],
        ],
        before=("Purchase order 4711", "Fleet Parts Ltd, 12 Dock Road, tel. 0745 123 454"),
    )
    raw = mail(
        sender=FLEET,
        subject="PO 4711",
        body="Hello,\nplease find our purchase order attached.\nRegards, Sam",
        attachments=[("PO-4711.pdf", "application/pdf", pdf)],
    )
    send(runner, FLEET, raw)
    (reply,) = relay.wait_for_count(1)
    text = parts(reply.raw)["plain"]
    assert "Quote ORD-" in text or "quote for order ORD-" in text
    assert quantity_of(text, "BPW-0310 (you wrote: bpw0310)") == "4"
    assert quantity_of(text, "SAF-2234 (you wrote: SAF2234)") == "2"
    assert "could not be priced" not in text


def test_forwarded_spreadsheet_order_is_quoted(running: tuple[Runner, Relay]) -> None:
    """A colleague's order forwarded as an attached message, its spreadsheet inside, is quoted
    for the forwarding client in its language."""
    runner, relay = running
    original = EmailMessage(policy=SMTP)
    original["From"] = "Склад <sklad@vector-trans.example>"
    original["To"] = VECTOR
    original["Subject"] = "Заказ на декабрь"
    original.set_content("Добрый день!\nЗаказ во вложении.\n")
    sheet = xlsx_bytes([["Заказ от 01.12.2026", ""], ["Арт.", "К-во"], ["knorr k012", "3"]])
    original.add_attachment(
        sheet,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="заказ.xlsx",
    )
    forward = EmailMessage(policy=SMTP)
    forward["From"] = VECTOR
    forward["To"] = DESK
    forward["Subject"] = "Fwd: Заказ на декабрь"
    forward["Message-ID"] = "<fwd-1@vector-trans.example>"
    forward.set_content("Пересылаю заказ склада.\n")
    forward.add_attachment(original)
    send(runner, VECTOR, forward.as_bytes())
    (reply,) = relay.wait_for_count(1)
    text = parts(reply.raw)["plain"]
    assert "Предложение" in text or "предложение" in text
    assert quantity_of(text, "KNORR-K012 (у вас написано: knorr k012)") == "3"
    assert "не удалось" not in text
