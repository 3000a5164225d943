"""The ingest benchmark's machinery on a small corpus: its workers do the work and count it, its
check passes then and fails when replies are held, and it refuses a corpus the reply limit
would hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from corpus import Corpus, bench_clients  # noqa: E402
from ingest_check import check  # noqa: E402
from ingest_pipeline import environment, prepare, run_in_process, run_pipeline  # noqa: E402
from ingest_pure import measure, pure_work  # noqa: E402

COUNT = 12


def test_workers_do_the_work_and_count_it(database_url: str, tmp_path: Path) -> None:
    workers = 1 if database_url.startswith("sqlite") else 2
    clients = bench_clients(6)
    samples = Corpus(1, clients).messages(COUNT)
    raws = [sample.raw for sample in samples]
    environ = environment(database_url, tmp_path)
    app = prepare(environ, clients)
    try:
        run = run_pipeline(app, environ, raws, workers, capture=True)
        assert check(app, samples) == []
        work = pure_work(app, [sample.message_id for sample in samples], run.renders)
    finally:
        app.close()
    assert run.workers == workers
    assert run.store.counts.commits == COUNT  # one transaction per stored message
    assert run.process.counts.statements > COUNT
    # Claimed, processed and sent in batches: a commit for many messages, not one for each.
    assert 2 <= run.process.counts.commits < COUNT
    assert 2 <= run.send.counts.commits < COUNT
    # Every quote rendered (a quote that priced nothing is rendered once more, for the text
    # the daily limits compare), each paired with the message it answers.
    names = [name for name, _, _, _ in run.renders]
    assert set(names) == {"quote"}
    assert COUNT <= len(names) <= 2 * COUNT
    assert sorted({n for n in work.answers if n is not None}) == list(range(COUNT))
    breakdown = measure(work, raws)
    assert min(breakdown.as_dict().values()) > 0


def test_replies_held_by_the_reply_limit_fail_the_check(tmp_path: Path) -> None:
    clients = bench_clients(3)
    samples = Corpus(1, clients).messages(COUNT)
    environ = environment(f"sqlite:///{tmp_path / 'mailbot.db'}", tmp_path)
    app = prepare({**environ, "MAILBOT_REPLIES__MAX_PER_HOUR": "1"}, clients)
    try:
        run_in_process(app, [sample.raw for sample in samples])
        problems = check(app, samples)
    finally:
        app.close()
    held = COUNT - len(clients)  # each client's first reply goes out
    assert problems[0].startswith(f"{held} quote mails ended 'held', e.g. 'held for the digest")
    assert problems[1] == f"{held} messages without exactly one sent quote"


def test_a_corpus_past_the_reply_limit_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "ingest.py"), "--messages", "100", "--clients", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "above the reply limit of 20 an hour: pass more --clients" in done.stderr
    assert done.stdout == ""
