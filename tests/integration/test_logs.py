"""The log of `mailbot run`: one INFO line per received message saying what became of it, one
per mail sent, no library chatter by default, JSON lines on request; no ERROR for ordinary
mail that a bounce detector trips over."""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.logs import setup_logging
from mailbot.parsers.bounces import read_bounce
from tests.processes import Service
from tests.servers import free_port

FLEET = "buying@fleetparts.example"
ORDER = (
    b"From: buying@fleetparts.example\r\nTo: orders@distributor.example\r\nSubject: order\r\n"
    b"Message-ID: <order-1@fleet.example>\r\n\r\nBPW-0310 x 2\r\n"
)
STRANGER = (
    b"From: someone@elsewhere.example\r\nTo: orders@distributor.example\r\nSubject: hi\r\n"
    b"Message-ID: <hi@elsewhere>\r\n\r\nhello\r\n"
)
# No From at all: "no sender", which the processor hands to the bounce reader, where one of
# flufl.bounce's detectors (Yale's) trips over the missing header.
NO_SENDER = b"Subject: a note\r\nMessage-ID: <no-from@somewhere.example>\r\n\r\nJust a note.\r\n"
LIBRARIES = ("mail.log", "aiosmtpd", "flufl.bounce", "apscheduler", "alembic", "sqlalchemy")


def day_of_mail(tmp_path: Path, *options: str) -> list[str]:
    """Run `mailbot [OPTIONS] run --demo`, send it an order, mail from a stranger and mail
    without a sender over SMTP, wait until the three are handled and the quote sent, stop it;
    its standard error."""
    port = free_port()
    env = {
        "MAILBOT_STORAGE__URL": f"sqlite:///{tmp_path / 'mailbot.db'}",
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
        "MAILBOT_SMTP_INGRESS__PORT": str(port),
    }
    service = Service(*options, "run", "--demo", env=env, cwd=tmp_path)
    try:
        service.wait_for_line("mailbot running")
        with smtplib.SMTP("127.0.0.1", port) as client:
            for raw in (ORDER, STRANGER, NO_SENDER):
                client.sendmail("sender@example.com", ["orders@distributor.example"], raw)
        for message_id in ("order-1@fleet.example", "hi@elsewhere", "no-from@somewhere.example"):
            service.wait_for_line(message_id)
        service.wait_for_line(f"quote sent to {FLEET}")
    finally:
        assert service.stop() == 0
    return service.output()


def test_one_info_line_per_message_and_per_mail_sent_and_no_library_chatter(
    tmp_path: Path,
) -> None:
    """Each message gets one INFO line with its id, sender and what became of it; the quote
    sent gets one; aiosmtpd, APScheduler, Alembic and flufl.bounce say nothing; no ERROR."""
    lines = day_of_mail(tmp_path)
    processed = [line for line in lines if " INFO mailbot.processor: " in line]
    assert len(processed) == 3
    order, stranger, no_sender = processed
    assert "message 1 <order-1@fleet.example> from buying@fleetparts.example: processed, " in order
    assert f"wrote quote to {FLEET}: quoted ORD-2026-" in order
    assert (
        "<hi@elsewhere> from someone@elsewhere.example: ignored: not answered: unknown sender"
        in (stranger)
    )
    assert "<no-from@somewhere.example> from (no sender): ignored: not answered: no sender" in (
        no_sender
    )
    sent = [line for line in lines if " INFO mailbot.sender: " in line]
    assert len(sent) == 1
    assert f": quote sent to {FLEET}" in sent[0]
    assert not [line for line in lines if any(f" {name}" in line for name in LIBRARIES)]
    assert not [line for line in lines if " ERROR " in line or "Traceback" in line]
    assert not [line for line in lines if "AUTH" in line or "onnection lost" in line]
    # Intake traces (stored from SMTP, envelope) are DEBUG: one line per message is the rule.
    assert not [line for line in lines if "stored" in line and "mailbot.ingress" in line]


def test_json_lines_carry_level_logger_message_and_the_outcome(tmp_path: Path) -> None:
    """With --log-json every line on standard error is a JSON object with time, level, logger
    and message; a message's line adds its id, sender, status and the mail written for it."""
    lines = day_of_mail(tmp_path, "--log-json")
    records = [json.loads(line) for line in lines]
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record)
    assert any(r["message"].startswith("mailbot running; replies go to") for r in records)
    order = next(r for r in records if r.get("message_id") == "order-1@fleet.example")
    assert (order["level"], order["logger"]) == ("INFO", "mailbot.processor")
    assert (order["sender"], order["status"], order["source"]) == (FLEET, "processed", "smtp")
    assert order["written"] == [{"kind": "quote", "to": FLEET, "status": "pending"}]
    (sent,) = [r for r in records if r["logger"] == "mailbot.sender"]
    assert (sent["kind"], sent["to"]) == ("quote", FLEET)
    assert "@distributor.example" in sent["message_id"]
    assert not [r for r in records if r["level"] == "ERROR"]


def test_the_bounce_reader_logs_no_error_for_ordinary_mail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Mail without a sender, which one of flufl.bounce's detectors trips over, is no bounce
    and leaves no ERROR in the log."""
    caplog.set_level(logging.DEBUG)
    assert read_bounce(NO_SENDER) is None
    assert read_bounce(ORDER) is None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("detector failed" in r.getMessage() for r in caplog.records)


@pytest.fixture
def stderr_logging() -> Iterator[None]:
    """Whatever setup_logging changes is put back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("sqlalchemy").setLevel(logging.NOTSET)


@pytest.mark.usefixtures("stderr_logging")
@pytest.mark.parametrize(
    ("verbosity", "shown"),
    [
        (0, ["mailbot WARNING", "mail.log WARNING"]),
        (1, ["mailbot INFO", "mailbot WARNING", "mail.log WARNING"]),
        (
            2,
            [
                "mailbot DEBUG",
                "mailbot INFO",
                "mailbot WARNING",
                "mail.log INFO",
                "mail.log WARNING",
            ],
        ),
    ],
)
def test_verbosity_shows_mailbot_first_and_the_libraries_from_vv(
    verbosity: int, shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without -v only warnings; -v adds mailbot's INFO; -vv its DEBUG and the libraries' INFO."""
    setup_logging(verbosity)
    for name, label in (("mailbot.processor", "mailbot"), ("mail.log", "mail.log")):
        for level in (logging.DEBUG, logging.INFO, logging.WARNING):
            logging.getLogger(name).log(level, "%s %s", label, logging.getLevelName(level))
    said = [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert said == shown
