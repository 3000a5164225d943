"""Whole stories by email: the shipped examples through a real listener and a real relay."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.mail import headers, mail, parts
from tests.servers import Relay, free_port, start_relay, wait_for

EXAMPLES = Path(__file__).parents[2] / "examples"
DESK = "orders@distributor.example"


def send(port: int, *names: str) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for name in names:
            raw = (EXAMPLES / name).read_bytes()
            sender = headers(raw)["From"].addresses[0].addr_spec
            smtp.sendmail(sender, [DESK], raw)


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay, controller = start_relay()
    yield relay
    controller.stop()


@pytest.fixture
def running(config: Config, engine: Engine, relay: Relay) -> Iterator[tuple[App, Runner]]:
    """mailbot with its SMTP listener on a free port, replying through the test relay."""
    port = relay.port
    outgoing = config.smtp_outgoing.model_copy(update={"host": "127.0.0.1", "port": port})
    app = bootstrap(config.model_copy(update={"smtp_outgoing": outgoing}), engine=engine)
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    yield app, runner
    runner.stop()


def replies_by_recipient(relay: Relay, count: int) -> dict[str, bytes]:
    return {r.recipients[0]: r.raw for r in relay.wait_for_count(count)}


def test_examples_get_quotes_in_each_clients_language(
    running: tuple[App, Runner], relay: Relay
) -> None:
    """The three example orders are quoted over SMTP in English, Russian and Romanian."""
    app, runner = running
    assert runner.ingress is not None
    send(runner.ingress.port, "order-body-en.eml", "order-csv-ru.eml", "order-xlsx-ro.eml")
    replies = replies_by_recipient(relay, 3)

    english = replies["buying@fleetparts.example"]
    assert headers(english)["Subject"].startswith("Quote ORD-2026-")
    text = parts(english)["plain"]
    for sku in ("BPW-0310", "SAF-2234", "MAN-81.43701", "WABCO-4324", "VOLVO-20514"):
        assert sku in text

    russian = replies["zakaz@vector-trans.example"]
    assert headers(russian)["Subject"].startswith("Предложение ORD-2026-")
    assert "KNORR-K012" in parts(russian)["plain"]

    romanian = replies["achizitii@autotrans-cluj.example"]
    assert headers(romanian)["Subject"].startswith("Ofertă ORD-2026-")
    assert "IVECO-5801" in parts(romanian)["plain"]
    with app.uow() as uow:
        assert uow.orders.count() == 3


def test_supplier_price_list_is_imported_and_reported(
    running: tuple[App, Runner], relay: Relay
) -> None:
    """A supplier's price list in a new mail is reported and held for the manager (a From
    header proves nothing); the same list sent as a reply to the report replaces its prices."""
    app, runner = running
    assert runner.ingress is not None
    supplier = "sales@balkan-truck-parts.example"
    send(runner.ingress.port, "pricelist-supplier.eml")
    first = relay.wait_for_count(2)
    (report,) = [r.raw for r in first if r.recipients == [supplier]]
    assert [r.recipients for r in first if r.recipients != [supplier]] == [
        ["manager@distributor.example"]
    ]
    assert "VOLVO-20514" in parts(report)["plain"]  # the row without a price is rejected

    def price() -> str:
        with app.uow() as uow:
            (offer,) = uow.prices.offers(["BPW-0310"])["BPW-0310"]
        return str(offer.price.amount)

    assert price() == "84.00"
    example = headers((EXAMPLES / "pricelist-supplier.eml").read_bytes())
    (listing,) = example.iter_attachments()
    thread = str(headers(report)["Message-ID"])
    again = mail(
        sender=supplier,
        subject="Re: " + str(headers(report)["Subject"]),
        body="Lista de prețuri, ca răspuns.",
        headers={"In-Reply-To": thread, "References": thread},
        attachments=[(str(listing.get_filename()), "text/csv", listing.get_payload(decode=True))],
    )
    with smtplib.SMTP("127.0.0.1", runner.ingress.port) as smtp:
        smtp.sendmail(supplier, [DESK], again)
    relay.wait_for_count(3)
    assert price() == "82.50"


def test_mail_that_must_not_be_answered_is_kept_unanswered(
    running: tuple[App, Runner], relay: Relay
) -> None:
    """An auto-reply and a stranger's order are stored and marked, and get no mail back."""
    app, runner = running
    assert runner.ingress is not None
    send(runner.ingress.port, "auto-reply.eml", "unknown-sender.eml", "order-body-en.eml")
    (only,) = relay.wait_for_count(1)
    assert only.recipients == ["buying@fleetparts.example"]

    def settled() -> bool:
        with app.uow() as uow:
            return not uow.inbox.with_status("stored")

    wait_for(settled, what="all messages processed")
    with app.uow() as uow:
        ignored = [m.outcome for m in uow.inbox.with_status("ignored")]
    assert sorted(ignored) == [
        "not answered: auto-submitted",
        "not answered: unknown sender someone@unknown.example",
    ]


def test_mailbot_run_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`mailbot run --demo` on the embedded default answers by folder and exits 0 on SIGTERM."""
    port = free_port()
    env = {
        **os.environ,
        "MAILBOT_STORAGE__URL": f"sqlite:///{tmp_path}/mailbot.db",
        "MAILBOT_SMTP_INGRESS__PORT": str(port),
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "run", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _accepts(port), what="the listener")
        send(port, "order-body-en.eml")
        wait_for(lambda: any((tmp_path / "outbox").glob("*.eml")), what="a reply in the folder")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    # The scheduler runs too; after 07:00 its digest to the manager is in the folder as well.
    sent = [headers(path.read_bytes())["To"] for path in (tmp_path / "outbox").glob("*.eml")]
    assert sent.count("buying@fleetparts.example") == 1
    log = process.stdout.read().decode() if process.stdout else ""
    assert "quoted ORD-2026-" in log
    assert "scheduler ticking every 0:01:00" in log
    assert "stopped" in log


def _accepts(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=1):
            return True
    except OSError:
        return False


def test_an_order_lives_by_mail_from_quote_to_shipped(
    running: tuple[App, Runner], relay: Relay
) -> None:
    """Quote, AGREE, order file to the supplier, a partial confirmation the client agrees to,
    and SHIPPED: every step by real SMTP in and out, each party mailed in its language."""
    app, runner = running
    assert runner.ingress is not None
    port = runner.ingress.port
    client, supplier = "buying@fleetparts.example", "sales@balkan-truck-parts.example"

    def answer(received: bytes, sender: str, body: str) -> None:
        thread = str(headers(received)["Message-ID"])
        raw = mail(sender=sender, subject="Re: " + str(headers(received)["Subject"]), body=body,
                   headers={"In-Reply-To": thread, "References": thread})  # fmt: skip
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail(sender, [DESK], raw)

    def newest(count: int, to: str) -> bytes:
        return [r.raw for r in relay.wait_for_count(count) if r.recipients == [to]][-1]

    send(port, "order-body-en.eml")
    quote = newest(1, client)
    number = str(headers(quote)["Subject"]).split()[1]  # "Quote ORD-… [REF-…]"
    answer(quote, client, "AGREE")
    order_file = newest(3, supplier)
    assert headers(order_file)["Subject"].startswith(f"Comanda {number} [REF-")
    assert headers(newest(3, client))["Subject"] == f"Order {number} agreed"
    answer(order_file, supplier, "SAF-2234 x 1")
    partial = newest(5, client)
    assert "partly confirmed" in str(headers(partial)["Subject"])
    answer(partial, client, "AGREE")
    assert "confirmed quantities" in str(headers(newest(6, client))["Subject"])
    # The order file's own example, dated the day it was written, sent back as it is.
    text = parts(order_file)["plain"]
    (example,) = [
        ln.strip(" -") for ln in text.splitlines() if ln.strip(" -").startswith("EXPEDIAT")
    ]
    answer(order_file, supplier, example.split(" — ")[0])
    shipped = newest(8, client)
    assert headers(shipped)["Subject"] == f"Order {number} shipped"
    assert "by DPD" in parts(shipped)["plain"]
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        steps = [step.status for step in uow.order_records.transitions(order.id)]
    assert steps == ["quoted", "agreed", "sent", "sent", "confirmed", "shipped"]
