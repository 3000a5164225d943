"""Ingest benchmark: mailbot's whole intake against bare mail-parser and against its own pure
parts, on the same mail, in the same run.

    .venv/bin/python bench/ingest.py [--messages N] [--seed S] [--clients C]
        [--database sqlite,postgresql] [--workers 1,2] [--postgres-url URL]
        [--rounds R] [--json] [--profile FILE]

The corpus (`corpus.py`) comes from C registered clients, spread so that no sender passes the
reply limit. For each configuration (SQLite with one worker; PostgreSQL with each number of
workers) a fresh database gets the demo data and the clients, then the pipeline runs: store
every message, process the inbox and deliver the outbox (to a transport that discards) with N
worker processes claiming concurrently, as `mailbot run` instances would; with R rounds the
configurations run R times in turn and each figure is the median of its rounds (the
configurations compared within each round, then the median taken). Each run is checked
(`ingest_check.py`); a run that did not do the work reports no figures and the benchmark exits
1. The floor is `mailparser.parse_from_bytes` over the corpus, the best of runs before and
after every configuration; the pure parts (`ingest_pure.py`) are parse, read, render and
compose timed alone. Times are reported as ratios, never checked against a limit, because they
depend on the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import mailparser
from corpus import Client, Corpus, Sample, bench_clients, per_sender
from ingest_check import check
from ingest_figures import Figures, Timing
from ingest_pipeline import (
    ADMIN_URL,
    DATABASES,
    PipelineRun,
    environment,
    prepare,
    run_in_process,
    run_pipeline,
    scratch_database,
)
from ingest_pure import Breakdown, PureWork, measure, pure_work

from mailbot.config import load_config

TRACED_SHARE = 10  # the memory run takes every 10th message (and the largest): tracing is slow
FLOOR_RUNS = 3  # bare parses before the first configuration and after each


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    clients = bench_clients(options.clients)
    samples = Corpus(options.seed, clients).messages(options.messages)
    raws = [sample.raw for sample in samples]
    most = max(per_sender(samples).values())
    limit = load_config(environ={}).replies.max_per_hour
    if limit and most > limit:
        print(
            f"the corpus gives one sender {most} messages, above the reply limit of {limit} "
            f"an hour: pass more --clients",
            file=sys.stderr,
        )
        return 2
    configurations = [
        (database, workers)
        for database in options.database
        for workers in ((1,) if database == "sqlite" else options.workers)
    ]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as name:
        folder = Path(name)
        floors = [_timed(lambda: _bare_parse(raws)) for _ in range(FLOOR_RUNS)]
        runs: list[PipelineRun] = []
        pure: Breakdown | None = None
        timed_on: PureWork | None = None
        for number, (database, workers) in enumerate(configurations * options.rounds):
            work = folder / f"run{number}"
            with scratch_database(database, work, options.postgres_url) as url:
                environ = environment(url, work)
                app = prepare(environ, clients)
                try:
                    run = run_pipeline(app, environ, raws, workers, capture=timed_on is None)
                    problems = check(app, samples)
                    if problems:
                        label = f"{database}, {workers} worker" + ("s" if workers > 1 else "")
                        return _failed(options, label, problems)
                    if timed_on is None:  # the first run's renderings, for every run after
                        timed_on = pure_work(app, [s.message_id for s in samples], run.renders)
                    pure = measure(timed_on, raws).best(pure or measure(timed_on, raws))
                finally:
                    app.close()
            runs.append(run)
            floors += [_timed(lambda: _bare_parse(raws)) for _ in range(FLOOR_RUNS)]
        assert pure is not None
        first = configurations[0][0]
        traced = _traced_sample(samples)
        admin = options.postgres_url
        peak, problems = _traced_peak(first, folder / "traced", admin, clients, traced)
        if problems:
            return _failed(options, f"{first}, traced in one process", problems)
        if options.profile is not None:
            _profile(first, folder / "profiled", admin, clients, raws, options)
    figures = Figures(
        seed=options.seed,
        sizes=tuple(len(raw) for raw in raws),
        corpus=hashlib.sha256(b"".join(hashlib.sha256(raw).digest() for raw in raws)).hexdigest(),
        clients=options.clients,
        most_per_sender=most,
        reply_limit=limit,
        floor=Timing(min(t.wall for t in floors), min(t.cpu for t in floors)),
        pure=pure,
        rounds=tuple(
            tuple(runs[start : start + len(configurations)])
            for start in range(0, len(runs), len(configurations))
        ),
        traced_messages=len(traced),
        peak_bytes=peak,
        # Linux gives ru_maxrss in KiB.
        max_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        load=(load, os.getloadavg()[0]),
    )
    print(json.dumps(figures.as_json(), indent=2) if options.json else figures.table())
    return 0


def _failed(options: argparse.Namespace, configuration: str, problems: Sequence[str]) -> int:
    """Report a run that did not do the work it was timed on: its problems, no figures."""
    if options.json:
        print(json.dumps({"checks": "failed", "configuration": configuration,
                          "problems": list(problems)}, indent=2))  # fmt: skip
    print(f"FAILED ({configuration}): the pipeline did not do the work; no figures reported",
          file=sys.stderr)  # fmt: skip
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mailbot's intake against bare mail-parser")
    parser.add_argument("--messages", type=int, default=600, help="corpus size (default 600)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--clients", type=int, default=200, help="senders (default 200)")
    parser.add_argument(
        "--database",
        type=_names,
        default=("sqlite",),
        help="sqlite, postgresql or both, comma-separated (default sqlite)",
    )
    parser.add_argument(
        "--workers",
        type=_numbers,
        default=(1,),
        help="PostgreSQL worker processes, comma-separated (default 1); SQLite runs one",
    )
    parser.add_argument(
        "--postgres-url",
        default=ADMIN_URL,
        help="a PostgreSQL database to create the scratch database from "
        "(default $MAILBOT_TEST_POSTGRES or postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the configurations this many times, one after the other in turn, and report "
        "the median of each figure (default 1)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="also write a cProfile of a pipeline run"
    )
    options = parser.parse_args(argv)
    if options.messages < 1:
        parser.error("--messages must be at least 1")
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    if options.clients < 3:
        parser.error("--clients must be at least 3 (one per language)")
    if "postgresql" not in options.database and options.workers != (1,):
        parser.error("--workers is for PostgreSQL: add --database postgresql")
    return options


def _names(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",")))
    if not names or any(name not in DATABASES for name in names):
        raise argparse.ArgumentTypeError(f"each of {', '.join(DATABASES)}, not {text!r}")
    return names


def _numbers(text: str) -> tuple[int, ...]:
    try:
        numbers = tuple(dict.fromkeys(int(part) for part in text.split(",")))
    except ValueError:
        numbers = ()
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"worker counts of at least 1, not {text!r}")
    return numbers


def _timed(work: Callable[[], object]) -> Timing:
    gc.collect()  # garbage left by an earlier step is not this step's cost
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _bare_parse(raws: Sequence[bytes]) -> None:
    for raw in raws:
        mailparser.parse_from_bytes(raw)


def _traced_sample(samples: Sequence[Sample]) -> list[Sample]:
    """Every TRACED_SHARE-th message and the largest: a peak is set by one message at a time."""
    sample = list(samples[::TRACED_SHARE])
    largest = max(samples, key=lambda s: len(s.raw))
    return sample if largest in sample else [*sample, largest]


def _traced_peak(
    database: str, folder: Path, admin_url: str, clients: Sequence[Client], traced: list[Sample]
) -> tuple[int, list[str]]:
    """The tracemalloc peak (bytes) of a pipeline run over `traced` in this process, on a
    fresh database of its own, and what its check found wrong."""
    with scratch_database(database, folder, admin_url) as url:
        app = prepare(environment(url, folder), clients)
        gc.collect()
        tracemalloc.start()
        try:
            run_in_process(app, [sample.raw for sample in traced])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        try:
            return peak, check(app, traced)
        finally:
            app.close()


def _profile(
    database: str,
    folder: Path,
    admin_url: str,
    clients: Sequence[Client],
    raws: Sequence[bytes],
    options: argparse.Namespace,
) -> None:
    """A cProfile of one more pipeline run in this process, on a fresh database of its own."""
    with scratch_database(database, folder, admin_url) as url:
        app = prepare(environment(url, folder), clients)
        profile = cProfile.Profile()
        try:
            profile.runcall(run_in_process, app, raws)
        finally:
            app.close()
        profile.dump_stats(options.profile)


if __name__ == "__main__":
    sys.exit(main())
