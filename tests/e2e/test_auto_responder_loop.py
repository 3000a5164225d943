"""A client's auto-responder that does not mark its mail (no Auto-Submitted, RFC 3834) answers
every mail mailbot sends it, over real SMTP both ways: the loop ends within the day, after a
handful of mails, and the next day the counts start again."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.fakes import FixedClock
from tests.mail import headers
from tests.pipeline import outbox
from tests.servers import free_port, wait_for

CLIENT = "buying@fleetparts.example"
DESK = "orders@distributor.example"
ORDER = (Path(__file__).parents[2] / "examples" / "order-body-en.eml").read_bytes()
# START is 09:30 in Bucharest; the desk's next day begins at 22:00 UTC.
NEXT_DAY = datetime(2026, 11, 20, 22, 0, 30, tzinfo=UTC)

# What the responder writes: its text, given how many answers it has sent so far.
Text = Callable[[int], str]


def out_of_office(count: int) -> str:
    return "I am out of the office until Monday and will read your message then.\n\nSam"


def ticket_desk(count: int) -> str:
    # A helpdesk that opens a ticket per mail and quotes its number as "HD-1001 x 1", which
    # mailbot reads as an order line it cannot price.
    return f"Your request is registered:\n\nHD-{1001 + count} x 1\n\nThe helpdesk"


@dataclass
class AutoResponder:
    """The relay mailbot sends through, standing in for the client's mail server: every mail
    to the client is answered at once with `text`, from the client, without any mark."""

    text: Text
    desk_port: int = 0
    port: int = 0
    received: list[bytes] = field(default_factory=list)
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content
        with self.lock:
            self.received.append(raw)
            count = len(self.received) - 1
        threading.Thread(target=self._answer, args=(raw, count), daemon=True).start()
        return "250 OK"

    def _answer(self, raw: bytes, count: int) -> None:
        original = headers(raw)
        answer = EmailMessage(policy=SMTP)
        answer["From"] = CLIENT
        answer["To"] = DESK
        answer["Subject"] = f"Automatic reply: {original['Subject']}"
        answer["Message-ID"] = make_msgid(domain="fleetparts.example")
        answer["In-Reply-To"] = original["Message-ID"]
        answer.set_content(self.text(count))
        with smtplib.SMTP("127.0.0.1", self.desk_port) as smtp:
            smtp.sendmail(CLIENT, [DESK], answer.as_bytes())
        with self.lock:
            self.answered += 1

    def answered_all(self) -> int | None:
        """How many mails mailbot has sent, when every one has been answered (each answer is
        stored by mailbot before it counts), else None."""
        with self.lock:
            return self.answered if self.answered == len(self.received) else None


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 20, 7, 30, tzinfo=UTC))


def run_with(
    config: Config, engine: Engine, clock: FixedClock, text: Text
) -> Iterator[tuple[App, AutoResponder]]:
    responder = AutoResponder(text, port=free_port())
    controller = Controller(responder, hostname="127.0.0.1", port=responder.port)
    controller.start()
    outgoing = config.smtp_outgoing.model_copy(update={"host": "127.0.0.1", "port": responder.port})
    processing = config.processing.model_copy(update={"poll_seconds": 0.1})
    changed = config.model_copy(update={"smtp_outgoing": outgoing, "processing": processing})
    app = bootstrap(changed, engine=engine, clock=clock)
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    assert runner.ingress is not None
    responder.desk_port = runner.ingress.port
    yield app, responder
    runner.stop()
    controller.stop()


def settle(app: App, responder: AutoResponder) -> None:
    """Wait until nothing more can happen: every message processed, every mail sent and
    answered. The responder only ever answers mailbot's mail, so the loop has ended."""

    def settled() -> bool:
        # In this order: every answer counted is stored, so none stored means each was
        # processed, and its replies written; none pending means each was handed to the
        # responder, which counted it before the sender saw its 250.
        answered = responder.answered_all()
        if answered is None:
            return False
        with app.uow() as uow:
            if uow.inbox.with_status("stored"):
                return False
        if any(m.status == "pending" for m in outbox(app)):
            return False
        return responder.answered_all() == answered

    wait_for(settled, timeout=60, what="the loop to end")


def order(responder: AutoResponder, day: int) -> None:
    """The client itself writes an order; its mail server answers whatever comes back."""
    raw = ORDER.replace(b"Message-ID: <", f"Message-ID: <day{day}-".encode(), 1)
    with smtplib.SMTP("127.0.0.1", responder.desk_port) as smtp:
        smtp.sendmail(CLIENT, [DESK], raw)


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        # The same text every time: the second "no order found" is the same answer, not sent.
        (out_of_office, ["quote", "no_order"]),
        # A new ticket number every time: quotes that price nothing, up to the daily cap of 5.
        (ticket_desk, ["quote"] * 6),
    ],
    ids=["out of office", "ticket desk"],
)
def test_an_unmarked_auto_responder_loop_ends_within_the_day(
    config: Config, engine: Engine, clock: FixedClock, text: Text, answers: list[str]
) -> None:
    """The loop with an auto-responder ends after a few mails; the next day, with the counts
    started again, the client's next order gets as many."""
    runs = run_with(config, engine, clock, text)
    app, responder = next(runs)
    try:
        order(responder, day=1)
        settle(app, responder)
        sent = [m.kind for m in outbox(app) if m.status == "sent"]
        assert sent == answers
        assert len(responder.received) == len(answers)
        suppressed = [m for m in outbox(app) if m.status == "suppressed"]
        assert len(suppressed) == 1
        assert suppressed[0].last_error.startswith("not sent: ")

        clock.advance(NEXT_DAY - clock.now())
        order(responder, day=2)
        settle(app, responder)
        assert len(responder.received) == 2 * len(answers)
        assert [m.kind for m in outbox(app) if m.status == "sent"] == answers * 2
        assert len([m for m in outbox(app) if m.status == "suppressed"]) == 2
    finally:
        next(runs, None)
