"""Ingest benchmark: mailbot's whole intake against bare mail-parser on the same mail.

    .venv/bin/python bench/ingest.py [--messages N] [--seed S] [--json] [--profile FILE]

The floor is `mailparser.parse_from_bytes` over the corpus: the best of three runs before
the pipeline and three after it. The pipeline is what a deployment does with the same mail
on a fresh SQLite database: store every message, process the inbox, deliver the outbox to a
transport that discards. The breakdown times the pure parts of processing on their own; the
database, the ORM and the glue are the rest.
Times are reported as ratios against the floor measured in the same run, never checked
against a limit, because they depend on the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import mailparser
from corpus import DESK, START, Corpus, Sample
from sqlalchemy import func, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from mailbot.outbound.compose import compose
from mailbot.outbound.render import RenderedMail, Renderer
from mailbot.parsers.message import ParsedMessage, parse_message
from mailbot.services.orders.taking import ReadOrder, price_order, read_order
from mailbot.storage.database import upgrade
from mailbot.storage.models import InboundMessage, Order, OrderLine, OutboundMessage

GOAL = 0.25  # design goal: pipeline throughput at least this share of bare parsing
TRACED_SHARE = 10  # the memory run takes every 10th message (and the largest): tracing is slow


class DiscardTransport:
    """Takes every mail and keeps nothing: the benchmark measures mailbot, not a relay."""

    def deliver(self, sender: str, recipients: Sequence[str], raw: bytes) -> None:
        """Accept `raw` for `recipients` and drop it."""


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds of one timed step: on the wall clock, and on this process's CPU."""

    wall: float
    cpu: float


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Wall-clock seconds of each phase of one pipeline run, and its CPU seconds in all."""

    store: float
    process: float
    send: float
    cpu: float

    @property
    def total(self) -> float:
        return self.store + self.process + self.send


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Seconds for the pure parts of processing, each timed alone over the whole corpus."""

    parse: float
    read: float
    render: float
    compose: float

    @property
    def pure(self) -> float:
        return self.parse + self.read + self.render + self.compose


_PARTS = {
    "parse": "parse (parse_message)",
    "read": "order lines (read_order)",
    "render": "render (quote templates)",
    "compose": "MIME (compose)",
    "database": "database, ORM and glue (rest)",
    "store": "  of which storing (measured)",
}


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything one run measured."""

    seed: int
    sizes: tuple[int, ...]
    corpus: str
    floor: Timing
    pipeline: Pipeline
    breakdown: Breakdown
    traced_messages: int
    peak_bytes: int
    max_rss_bytes: int
    problems: tuple[str, ...]
    load: tuple[float, float]

    @property
    def ratio(self) -> float:
        """Pipeline throughput as a share of bare parsing throughput (wall clock)."""
        return self.floor.wall / self.pipeline.total

    @property
    def cpu_ratio(self) -> float:
        """The same share in CPU time: what other work on the machine changes least."""
        return self.floor.cpu / self.pipeline.cpu

    def parts(self) -> dict[str, float]:
        """Seconds of the pipeline by part; "store" is also inside "database"."""
        b = self.breakdown
        rest = self.pipeline.total - b.pure
        return {
            "parse": b.parse,
            "read": b.read,
            "render": b.render,
            "compose": b.compose,
            "database": rest,
            "store": self.pipeline.store,
        }

    def as_json(self) -> dict[str, object]:
        count = len(self.sizes)
        total = self.pipeline.total
        return {
            "messages": count,
            "seed": self.seed,
            "corpus_sha256": self.corpus,
            "bytes": {
                "total": sum(self.sizes),
                "median": statistics.median(self.sizes),
                "max": max(self.sizes),
            },
            "bare_parse": {
                "seconds": self.floor.wall,
                "cpu_seconds": self.floor.cpu,
                "messages_per_second": count / self.floor.wall,
            },
            "pipeline": {
                "seconds": total,
                "cpu_seconds": self.pipeline.cpu,
                "messages_per_second": count / total,
                "store": self.pipeline.store,
                "process": self.pipeline.process,
                "send": self.pipeline.send,
            },
            "ratio": self.ratio,
            "cpu_ratio": self.cpu_ratio,
            "goal": GOAL,
            "breakdown_seconds": self.parts(),
            "breakdown_percent": {k: 100 * v / total for k, v in self.parts().items()},
            "memory": {
                "tracemalloc_peak_bytes": self.peak_bytes,
                "traced_messages": self.traced_messages,
                "max_rss_bytes": self.max_rss_bytes,
            },
            "load_average": {"start": self.load[0], "end": self.load[1], "cpus": os.cpu_count()},
            "problems": list(self.problems),
        }

    def table(self) -> str:
        count, total, mib = len(self.sizes), self.pipeline.total, 2**20
        verdict = "meets the goal" if self.ratio >= GOAL else "BELOW the goal"
        rows = [
            f"mailbot ingest benchmark: {count} messages, seed {self.seed}, "
            f"{sum(self.sizes) / mib:.1f} MiB (median {statistics.median(self.sizes) / 1024:.1f}"
            f" KiB, max {max(self.sizes) / 1024:.1f} KiB), corpus {self.corpus[:12]}",
            "",
            f"{'':36}{'seconds':>9}{'msg/s':>9}",
            f"{'bare mail-parser (floor, best of 6)':36}"
            f"{self.floor.wall:9.3f}{count / self.floor.wall:9.1f}",
            f"{'pipeline: store, process, send':36}{total:9.3f}{count / total:9.1f}",
            f"{'  store':36}{self.pipeline.store:9.3f}",
            f"{'  process':36}{self.pipeline.process:9.3f}",
            f"{'  send':36}{self.pipeline.send:9.3f}",
            "",
            f"ratio pipeline/bare: {self.ratio:.3f} (goal >= {GOAL}): {verdict}",
            f"the same in CPU time: {self.cpu_ratio:.3f}",
            "",
            f"{'where the pipeline time goes':36}{'seconds':>9}{'%':>9}",
            *(
                f"{_PARTS[name]:36}{seconds:9.3f}{100 * seconds / total:9.1f}"
                for name, seconds in self.parts().items()
            ),
            "",
            f"tracemalloc peak, pipeline ({self.traced_messages} messages): "
            f"{self.peak_bytes / mib:.1f} MiB",
            f"max RSS, whole process: {self.max_rss_bytes / mib:.1f} MiB",
            f"load average at start and end: {self.load[0]:.2f}, {self.load[1]:.2f} "
            f"on {os.cpu_count()} CPUs (other work on the machine makes every figure noisy)",
        ]
        rows += [f"WARNING: {problem}" for problem in self.problems] or ["checks: all passed"]
        return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    samples = Corpus(options.seed).messages(options.messages)
    raws = [sample.raw for sample in samples]
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as folder:
        work = Path(folder)
        load = os.getloadavg()[0]
        floors = [_timed(lambda: _bare_parse(raws)) for _ in range(3)]
        app = _fresh_app(work / "pipeline")
        pipeline = _run_pipeline(app, raws)
        # Three more floor runs after the pipeline: a busy spell of the machine during
        # either set then does not decide the floor.
        floors += [_timed(lambda: _bare_parse(raws)) for _ in range(3)]
        problems = _check(app, samples)
        breakdown = _breakdown(app, raws)
        app.close()
        traced = _traced_sample(raws)
        peak = _traced_peak(work / "traced", traced)
        if options.profile is not None:
            _profile(work / "profiled", raws, options.profile)
    figures = Figures(
        seed=options.seed,
        sizes=tuple(len(raw) for raw in raws),
        corpus=hashlib.sha256(b"".join(hashlib.sha256(raw).digest() for raw in raws)).hexdigest(),
        floor=Timing(min(t.wall for t in floors), min(t.cpu for t in floors)),
        pipeline=pipeline,
        breakdown=breakdown,
        traced_messages=len(traced),
        peak_bytes=peak,
        # Linux gives ru_maxrss in KiB.
        max_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        problems=tuple(problems),
        load=(load, os.getloadavg()[0]),
    )
    print(json.dumps(figures.as_json(), indent=2) if options.json else figures.table())
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mailbot's intake against bare mail-parser")
    parser.add_argument("--messages", type=int, default=600, help="corpus size (default 600)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="also write a cProfile of a pipeline run"
    )
    options = parser.parse_args(argv)
    if options.messages < 1:
        parser.error("--messages must be at least 1")
    return options


def _timed(work: Callable[[], object]) -> Timing:
    gc.collect()  # garbage left by an earlier step is not this step's cost
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _bare_parse(raws: Sequence[bytes]) -> None:
    for raw in raws:
        mailparser.parse_from_bytes(raw)


def _fresh_app(folder: Path) -> App:
    """The app on a new, migrated SQLite database holding the demo partners and price list."""
    config = load_config(
        environ={
            "MAILBOT_STORAGE__URL": f"sqlite:///{folder / 'mailbot.db'}",
            "MAILBOT_SMTP_OUTGOING__FOLDER": str(folder / "outbox"),
            "MAILBOT_SMTP_INGRESS__PORT": "0",
        }
    )
    app = bootstrap(config, transport=DiscardTransport())
    upgrade(app.engine)
    seed_demo(app)
    return app


def _run_pipeline(app: App, raws: Sequence[bytes]) -> Pipeline:
    def store() -> None:
        for raw in raws:
            app.store(raw, "smtp")

    def process() -> None:
        while app.processor.run_once(limit=50):
            pass

    def send() -> None:
        while app.sender.run_once(limit=100):
            pass

    stored, processed, sent = _timed(store), _timed(process), _timed(send)
    cpu = stored.cpu + processed.cpu + sent.cpu
    return Pipeline(stored.wall, processed.wall, sent.wall, cpu)


def _check(app: App, samples: Sequence[Sample]) -> list[str]:
    """What the pipeline got wrong: messages not processed, missing replies or order lines."""
    problems: list[str] = []
    with app.uow() as uow:
        session = uow.session
        statuses = session.execute(
            select(InboundMessage.status, func.count(), func.min(InboundMessage.outcome))
            .where(InboundMessage.status != "processed")
            .group_by(InboundMessage.status)
        ).all()
        problems += [f"{n} messages ended {status!r}, e.g. {why}" for status, n, why in statuses]
        replies = dict(
            session.execute(
                select(InboundMessage.message_id, func.count(OutboundMessage.id))
                .join(OutboundMessage, OutboundMessage.inbound_message_id == InboundMessage.id)
                .where(OutboundMessage.kind == "quote", OutboundMessage.status == "sent")
                .group_by(InboundMessage.message_id)
            ).all()
        )
        lines = dict(
            session.execute(
                select(InboundMessage.message_id, func.count(OrderLine.id))
                .join(Order, Order.inbound_message_id == InboundMessage.id)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .group_by(InboundMessage.message_id)
            ).all()
        )
    unanswered = [s for s in samples if replies.get(s.message_id) != 1]
    if unanswered:
        kinds = ", ".join(sorted({s.kind for s in unanswered}))
        problems.append(
            f"{len(unanswered)} orders without exactly one sent quote ({kinds}), "
            f"e.g. {unanswered[0].message_id}"
        )
    miscounted = [s for s in samples if lines.get(s.message_id, 0) != s.lines]
    problems += [
        f"{s.message_id} ({s.kind}): {s.lines} lines written, "
        f"{lines.get(s.message_id, 0)} in the order"
        for s in miscounted[:3]
    ]
    if len(miscounted) > 3:
        problems.append(f"{len(miscounted)} orders in all with a wrong number of lines")
    return problems


def _breakdown(app: App, raws: Sequence[bytes]) -> Breakdown:
    """Each pure part of processing timed alone, over the same mail as the pipeline."""
    parsed: list[ParsedMessage] = []
    parse = _timed(lambda: parsed.extend(parse_message(raw) for raw in raws)).wall
    orders: list[ReadOrder] = []
    read = _timed(lambda: orders.extend(read_order(m, app.rules) for m in parsed)).wall
    jobs = _quote_contexts(app, parsed, orders)
    renderer = Renderer(app.config.templates.folder, app.config.scheduler.timezone)
    for language in sorted({language for language, _ in jobs}):
        renderer.render("quote", language, jobs[0][1])  # compiling the templates is a one-off
    rendered: list[RenderedMail] = []
    render = _timed(
        lambda: rendered.extend(renderer.render("quote", lang, context) for lang, context in jobs)
    ).wall

    def compose_all() -> None:
        for message, mail in zip(parsed, rendered, strict=True):
            compose(
                mail,
                sender=DESK,
                to=message.from_address,
                domain=DESK.partition("@")[2],
                in_reply_to=message.message_id,
                references=message.references,
                now=START,
            )

    return Breakdown(parse, read, render, _timed(compose_all).wall)


def _quote_contexts(
    app: App, parsed: Sequence[ParsedMessage], orders: Sequence[ReadOrder]
) -> list[tuple[str, dict[str, object]]]:
    """(language, template context) of the quote each message gets, priced as the app does."""
    contexts: list[tuple[str, dict[str, object]]] = []
    with app.uow() as uow:
        for number, (message, order) in enumerate(zip(parsed, orders, strict=True), 1):
            client = uow.partners.by_address(message.from_address)
            assert client is not None, f"{message.from_address} is not a demo client"
            quote = price_order(uow, client, order, app.rules)
            context: dict[str, object] = {
                "partner_name": client.name,
                "received_at": START,
                "order_number": f"ORD-2026-{number:06d}",
                "quote": quote,
                "total": quote.total,
            }
            contexts.append((client.language, context))
    return contexts


def _traced_sample(raws: Sequence[bytes]) -> list[bytes]:
    """Every TRACED_SHARE-th message and the largest: a peak is set by one message at a time."""
    sample = list(raws[::TRACED_SHARE])
    largest = max(raws, key=len)
    return sample if largest in sample else [*sample, largest]


def _traced_peak(folder: Path, raws: Sequence[bytes]) -> int:
    """The tracemalloc peak (bytes) of a pipeline run over `raws` on its own fresh database."""
    app = _fresh_app(folder)
    gc.collect()
    tracemalloc.start()
    try:
        _run_pipeline(app, raws)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        app.close()


def _profile(folder: Path, raws: Sequence[bytes], target: Path) -> None:
    """A cProfile of one more pipeline run, on its own fresh database, written to `target`."""
    app = _fresh_app(folder)
    profile = cProfile.Profile()
    try:
        profile.runcall(_run_pipeline, app, raws)
    finally:
        app.close()
    profile.dump_stats(target)


if __name__ == "__main__":
    sys.exit(main())
