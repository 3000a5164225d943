"""Malformed real-world mail (tests/malformed.py) through the whole pipeline: store, process,
reply. Each message is kept byte for byte, ends with a stated outcome and, from a partner, a
reply that says what was read or what was wrong; the same processor then takes a good order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from tests.mail import headers, mail, parts
from tests.malformed import BIG_ATTACHMENT, CASES, FLEET, Case, big_attachment
from tests.pipeline import ingest, order_of, outbox


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_message_ends_stored_answered_and_blocks_nothing(app: App, case: Case) -> None:
    """A malformed message is stored as sent, ends as its case says; the next order is quoted."""
    seed_demo(app)
    raw = case.build()
    inbound_id, outcome = ingest(app, raw)
    with app.uow() as uow:
        stored = uow.inbox.get(inbound_id)
        assert stored is not None
        assert stored.raw == raw
        assert (stored.status, stored.outcome) == (outcome.status, outcome.summary)
    assert outcome.status == case.status, outcome
    assert outcome.summary.startswith(case.summary), outcome
    # The answers to the message (a price list held for its sender also tells the managers).
    replies = [reply for reply in outbox(app) if reply.inbound_message_id == inbound_id]
    if case.status == "processed":
        (reply,) = replies
        text = parts(reply.raw)["plain"]
        for expected in case.reply:
            assert expected in text
    else:
        assert replies == []
    _, following = ingest(app, mail(sender=FLEET, body=f"After {case.name}:\nBPW-0310 x 1"))
    assert following.summary.startswith("quoted ORD-"), following
    assert [line["sku"] for line in order_of(app, following)["lines"]] == ["BPW-0310"]


def test_a_broken_file_next_to_a_body_order_is_named_in_the_quote(app: App) -> None:
    """A file that cannot be read is listed in the quote of the lines that could, not dropped."""
    seed_demo(app)
    broken = ("order.xlsx", "application/octet-stream", b"not a workbook")
    raw = mail(sender=FLEET, body="BPW-0310 x 2", attachments=[broken])
    _, outcome = ingest(app, raw)
    assert outcome.summary.startswith("quoted ORD-")
    assert "1 rejected" in outcome.summary
    (reply,) = outbox(app)
    assert "order.xlsx: — the file could not be read" in parts(reply.raw)["plain"]
    assert headers(reply.raw)["To"] == FLEET


def _probe(message: Path, database_url: str, *flags: str) -> dict[str, object]:
    """Run tests/memory_probe.py in a fresh interpreter and read its report."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", str(message), database_url, *flags],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_a_40_mb_attachment_peaks_under_ten_times_its_size(
    database_url: str, tmp_path: Path
) -> None:
    """Store, process and answer a mail with a 40 MB attachment: peak RSS grows < 10x its size."""
    message = tmp_path / "big.eml"
    message.write_bytes(big_attachment())
    loaded = _probe(message, database_url)
    idle = _probe(message, database_url, "--baseline")  # the same imports and set-up, no mail
    assert loaded["status"] == "processed"
    assert str(loaded["outcome"]).startswith("quoted ORD-")
    assert loaded["delivered"] == 1
    grown = int(str(loaded["peak"])) - int(str(idle["peak"]))
    assert 0 < grown < 10 * BIG_ATTACHMENT, f"{grown / 2**20:.0f} MiB"
