"""`mailbot ingest` keeps to the listener's size limit: a file over
`smtp_ingress.max_message_bytes` is not stored at all, the others are, and the exit code says
one failed. Run as a real process on a real SQLite database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.mail import mail
from tests.processes import mailbot_env, run_mailbot

FLEET = "buying@fleetparts.example"
LIMIT = 2000


def test_a_file_over_the_size_limit_is_not_stored(tmp_path: Path) -> None:
    """The large file gets one line naming the key and the limit, nothing of it is stored, the
    small file is stored and processed, and ingest exits 1; standard input is held to the
    same limit."""
    env = {
        "MAILBOT_STORAGE__URL": f"sqlite:///{tmp_path / 'mailbot.db'}",
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
        "MAILBOT_SMTP_INGRESS__MAX_MESSAGE_BYTES": str(LIMIT),
    }
    large = tmp_path / "large.eml"
    large.write_bytes(mail(sender=FLEET, body="BPW-0310 x 1\n" + "padding line\n" * 300))
    assert large.stat().st_size > LIMIT
    small = tmp_path / "small.eml"
    small.write_bytes(mail(sender=FLEET, body="BPW-0310 x 1"))
    assert small.stat().st_size <= LIMIT

    done = run_mailbot("ingest", str(large), str(small), env=env, cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"{large}: not stored: larger than smtp_ingress.max_message_bytes ({LIMIT} bytes)"
    )
    assert lines[1].startswith(f"{small}: message 1 ")
    listed = run_mailbot("messages", "list", "--json", env=env, cwd=tmp_path)
    assert [row["id"] for row in json.loads(listed.stdout)] == [1]

    code, first = ingest_standard_input(large.read_bytes(), env, tmp_path)
    assert code == 1
    assert first == f"-: not stored: larger than smtp_ingress.max_message_bytes ({LIMIT} bytes)"
    listed = run_mailbot("messages", "list", "--json", env=env, cwd=tmp_path)
    assert len(json.loads(listed.stdout)) == 1


def ingest_standard_input(data: bytes, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`mailbot ingest -` with `data` on standard input: its exit code and first line."""
    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "ingest", "-"],
        input=data,
        env=mailbot_env(env),
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout.decode().splitlines()[0]
