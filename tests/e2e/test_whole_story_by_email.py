"""The whole story of one order by real mail: a supplier's price list, a client's order with a
voucher code, AGREE, the order file, a partial confirmation, SHIPPED, and the managers' digest,
through mailbot's SMTP listener in and a relay out, with the scheduler ticking on a test clock."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.deadlines import DeadlineKind
from mailbot.parsers.tables import TableLimits, read_rows
from mailbot.runner import Runner
from tests.fakes import FixedClock
from tests.mail import DESK, headers, mail, parts
from tests.servers import Relay, start_relay, wait_for

FRIDAY_4PM = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 16:00 in Bucharest
CLIENT = "buying@fleetparts.example"
MANAGER = "manager@distributor.example"
PRICE_LIST = Path(__file__).parents[2] / "examples" / "pricelist-supplier.eml"

Story = tuple[App, Runner, Relay, FixedClock, CliRunner]


@pytest.fixture
def story(environ: dict[str, str], engine: Engine) -> Iterator[Story]:
    """mailbot with its listener, sender and a ticker every second, replying through a relay,
    on a clock that the test moves; the digest is due at 17:00 local."""
    relay, controller = start_relay()
    environ = {
        **environ,
        "MAILBOT_SMTP_OUTGOING__HOST": "127.0.0.1",
        "MAILBOT_SMTP_OUTGOING__PORT": str(relay.port),
        "MAILBOT_SCHEDULER__ENABLED": "true",
        "MAILBOT_SCHEDULER__TICK_SECONDS": "1",
        "MAILBOT_SCHEDULER__DIGEST_TIME": "17:00",
    }
    clock = FixedClock(FRIDAY_4PM)
    app = bootstrap(load_config(environ=environ), engine=engine, clock=clock)
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    yield app, runner, relay, clock, CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    runner.stop()
    controller.stop()


def mailer(port: int) -> Callable[[bytes], None]:
    def send(raw: bytes) -> None:
        sender = headers(raw)["From"].addresses[0].addr_spec
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail(sender, [DESK], raw)

    return send


def receiver(relay: Relay) -> Callable[[str, str], EmailMessage]:
    """Waits for the first mail to an address whose subject has some words, not seen before."""
    seen: set[int] = set()

    def received(to: str, subject: str) -> EmailMessage:
        found: list[EmailMessage] = []

        def arrived() -> bool:
            for n, mail_in in enumerate(list(relay.received)):
                message = headers(mail_in.raw)
                if n not in seen and mail_in.recipients == [to] and subject in message["Subject"]:
                    seen.add(n)
                    found.append(message)
                    return True
            return False

        wait_for(arrived, what=f"a mail to {to} about {subject!r}")
        return found[0]

    return received


def reply(to: EmailMessage, sender: str, body: str) -> bytes:
    thread = str(to["Message-ID"])
    return mail(sender=sender, subject="Re: " + str(to["Subject"]), body=body,
                headers={"In-Reply-To": thread, "References": thread})  # fmt: skip


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }


def test_an_order_with_a_voucher_lives_from_price_list_to_digest(story: Story) -> None:
    """Price list, a quote with a reserved voucher code, AGREE (code redeemed), the order file
    with its confirm-by time, a partial confirmation the client agrees to, SHIPPED with date
    and method, the client told, and at 17:00 the managers' digest with the order matrix."""
    app, runner, relay, clock, cli = story
    assert runner.ingress is not None
    send, received = mailer(runner.ingress.port), receiver(relay)
    created = cli.invoke(main, ["vouchers", "create", "Winter", "--kind", "promotional",
                                "--code", "WINTER25", "--percent", "10"])  # fmt: skip
    assert created.exit_code == 0, created.output

    # A price list in a new mail is held for the manager; sent as a reply to its report, applied.
    send(PRICE_LIST.read_bytes())
    report = received(SUPPLIER, "")
    assert received(MANAGER, "")["Subject"].startswith("Price list from Balkan Truck Parts SRL")
    (listing,) = headers(PRICE_LIST.read_bytes()).iter_attachments()
    files = [(str(listing.get_filename()), "text/csv", listing.get_payload(decode=True))]
    thread = str(report["Message-ID"])
    threaded = {"In-Reply-To": thread, "References": thread}
    subject = "Re: " + str(report["Subject"])
    send(mail(sender=SUPPLIER, subject=subject, body="Lista.", headers=threaded, attachments=files))
    assert "BPW-0310" in parts(received(SUPPLIER, "").as_bytes())["plain"]

    send(mail(sender=CLIENT, subject="Order winter25", body="BPW-0310 x 2\nSAF-2234 x 5"))
    quote = received(CLIENT, "Quote ORD-2026-")
    number = str(quote["Subject"]).split()[1]  # "Quote ORD-… [REF-…]"
    text = parts(quote.as_bytes())["plain"]
    assert "WINTER25" in text
    assert "Voucher discount" in text
    assert "reserved for you until" in text
    shown = cli.invoke(main, ["vouchers", "show", "Winter", "--json"])
    assert '"reserved": 1' in shown.output

    send(reply(quote, CLIENT, "AGREE"))
    order_file = received(SUPPLIER, number)
    assert set(attachments(order_file)) == {f"{number}.xlsx", f"{number}.csv"}
    confirm_by = "Vă rugăm să confirmați până la 25 noiembrie 2026, 13:00 GMT+02:00."
    assert confirm_by in parts(order_file.as_bytes())["plain"]
    assert received(CLIENT, f"Order {number} agreed")
    assert '"redeemed": 1' in cli.invoke(main, ["vouchers", "show", "Winter", "--json"]).output

    send(reply(order_file, SUPPLIER, "SAF-2234 x 3"))
    partial = received(CLIENT, "partly confirmed")
    assert "Ordered 5, Confirmed 3" in parts(partial.as_bytes())["plain"]
    send(reply(partial, CLIENT, "AGREE"))
    assert received(CLIENT, "confirmed quantities")

    send(reply(order_file, SUPPLIER, "EXPEDIAT 20.11.2026 DPD"))
    shipped = received(CLIENT, f"Order {number} shipped")
    assert "20 November 2026 by DPD" in parts(shipped.as_bytes())["plain"]

    clock.advance(timedelta(hours=1))  # 17:00 local: the digest is due
    digest = received(MANAGER, "Daily digest: 1 new order, 0 overdue")
    text = parts(digest.as_bytes())["plain"]
    assert "Fleet Parts Ltd: 1 order," in text
    assert "Winter: 1 redemption" in text
    (matrix,) = attachments(digest).items()
    assert matrix[0] == "orders-2026-11-20.xlsx"
    rows = [cells for _, cells in read_rows(*matrix, TableLimits())]
    assert [number, "Fleet Parts Ltd", "shipped"] in [list(cells[:3]) for cells in rows]
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        steps = [step.status for step in uow.order_records.transitions(order.id)]
        assert uow.deadlines.for_order(order.id, list(DeadlineKind)) == []  # none left open
    assert steps == ["quoted", "agreed", "sent", "sent", "confirmed", "shipped"]
