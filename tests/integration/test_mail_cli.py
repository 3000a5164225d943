"""The command line for what became of mail: messages, the outbox, bouncing addresses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import bounces
from tests.commands import call
from tests.mail import mail

CLIENT = "buying@fleetparts.example"


@pytest.fixture
def cli(environ: dict[str, str]) -> CliRunner:
    """A runner on the test database where one hard bounce stops mail to an address."""
    return CliRunner(env={**environ, "MAILBOT_CONFIG": "", "MAILBOT_BOUNCES__SUPPRESS_AFTER": "1"})


def ingest(cli: CliRunner, tmp_path: Path, name: str, raw: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    return call(cli, "ingest", str(path)).output


def test_every_reason_not_to_answer_is_listed(cli: CliRunner, tmp_path: Path) -> None:
    """`messages list --status ignored --json` shows each unanswered message with its reason."""
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    ingest(cli, tmp_path, "a.eml", mail(sender="who@nowhere.example", body="hi"))
    away = mail(sender=CLIENT, body="Away", headers={"Auto-Submitted": "auto-replied"})
    ingest(cli, tmp_path, "b.eml", away)
    ingest(cli, tmp_path, "c.eml", mail(sender=CLIENT, body="BPW-0310 x 1"))
    rows = json.loads(call(cli, "messages", "list", "--status", "ignored", "--json").output)
    assert [row["outcome"] for row in rows] == [
        "not answered: auto-submitted",
        "not answered: unknown sender who@nowhere.example",
    ]
    everything = json.loads(call(cli, "messages", "list", "--json").output)
    assert [row["status"] for row in everything] == ["processed", "ignored", "ignored"]
    shown = json.loads(call(cli, "messages", "show", str(rows[0]["id"]), "--json").output)
    assert shown["outcome"] == "not answered: auto-submitted"


def test_a_bounce_shows_in_the_outbox_and_the_address_can_be_cleared(
    cli: CliRunner, tmp_path: Path
) -> None:
    """After a hard bounce the mail is listed bounced, the address suppressed; `addresses
    clear` lets mail go to it again."""
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    ingest(cli, tmp_path, "order.eml", mail(sender=CLIENT, body="BPW-0310 x 1"))
    (sent,) = json.loads(call(cli, "outbox", "list", "--json").output)
    assert sent["status"] == "sent"
    output = ingest(cli, tmp_path, "bounce.eml", bounces.postfix(sent["message_id"], CLIENT))
    assert f"outbound {sent['id']} " in output
    (bounced,) = json.loads(call(cli, "outbox", "list", "--status", "bounced", "--json").output)
    assert (bounced["bounce_recipient"], bounced["bounce_status"]) == (CLIENT, "5.1.1")
    (listed,) = json.loads(call(cli, "addresses", "list", "--suppressed", "--json").output)
    assert (listed["address"], listed["hard_bounces"], listed["suppressed"]) == (CLIENT, 1, True)

    ingest(cli, tmp_path, "again.eml", mail(sender=CLIENT, body="BPW-0310 x 2"))
    (kept,) = json.loads(call(cli, "outbox", "list", "--status", "suppressed", "--json").output)
    assert "bounced too often" in kept["reason"]

    assert "will be mailed again" in call(cli, "addresses", "clear", CLIENT.upper()).output
    assert json.loads(call(cli, "addresses", "list", "--suppressed", "--json").output) == []
    error = call(cli, "addresses", "clear", "nobody@x.example", code=1).output
    assert "nobody@x.example has not bounced" in error


def test_send_digests_writes_nothing_when_nothing_is_held(cli: CliRunner) -> None:
    """`outbox send-digests` says how many digests it wrote."""
    assert call(cli, "outbox", "send-digests").output == "0 digest(s) written\n"
