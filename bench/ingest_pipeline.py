"""The ingest benchmark's pipeline runs: a scratch database, the app on it with the bench's
clients registered, and the pipeline's three phases timed, with the SQL statements and commits
each phase sends.

Processing and sending run in worker processes, each with an app of its own, as `mailbot run`
instances would: they start together at a barrier, every worker claims from the same inbox
until nothing is left to claim, then, at a second barrier, every worker sends until nothing is
due. Storing runs in the benchmark's own process, one `App.store` per message.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier
from typing import Any

from corpus import Client
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from mailbot.outbound.render import RenderedMail
from mailbot.services.partners.registry import add_partner
from mailbot.storage.database import upgrade

ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASES = ("sqlite", "postgresql")

# One rendering as the pipeline asked for it: template, language, context, time zone.
Render = tuple[str, str, dict[str, object], str]


class DiscardTransport:
    """Takes every mail and keeps nothing: the benchmark measures mailbot, not a relay. Like
    the default outbox folder, taking a mail twice leaves one copy, so the sender records a
    batch of deliveries in one commit (with a relay, each 250 is committed as it comes)."""

    repeatable = True

    def deliver(
        self,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        accepted: Callable[[], object] | None = None,
    ) -> None:
        """Accept `raw` for `recipients` and drop it, saying so as a relay's 250 would."""
        if accepted is not None:
            accepted()


@dataclass(frozen=True, slots=True)
class Counts:
    """SQL statements sent (each `execute` or `executemany` once) and commits."""

    statements: int = 0
    commits: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.statements + other.statements, self.commits + other.commits)


class Tally:
    """Counts what an engine sends, through SQLAlchemy's engine events (the bench's only hook)."""

    def __init__(self, engine: Engine) -> None:
        self._statements = self._commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_: Any) -> None:
        self._statements += 1

    def _commit(self, *_: Any) -> None:
        self._commits += 1

    def take(self) -> Counts:
        """What was counted since the last call."""
        counts = Counts(self._statements, self._commits)
        self._statements = self._commits = 0
        return counts


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a pipeline run: wall seconds, CPU seconds of every process in it, and
    what it sent to the database."""

    seconds: float
    cpu: float
    counts: Counts


@dataclass(frozen=True)
class PipelineRun:
    """One configuration's pipeline: its phases, the largest worker's peak RSS, and (when
    asked for) every rendering the workers did."""

    database: str
    workers: int
    store: Phase
    process: Phase
    send: Phase
    worker_max_rss: int
    renders: tuple[Render, ...]

    @property
    def phases(self) -> dict[str, Phase]:
        return {"store": self.store, "process": self.process, "send": self.send}

    @property
    def seconds(self) -> float:
        return self.store.seconds + self.process.seconds + self.send.seconds

    @property
    def cpu(self) -> float:
        return self.store.cpu + self.process.cpu + self.send.cpu

    @property
    def counts(self) -> Counts:
        return self.store.counts + self.process.counts + self.send.counts


@contextlib.contextmanager
def scratch_database(database: str, folder: Path, admin_url: str) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file in `folder`, or a uniquely named
    PostgreSQL database created through `admin_url` and dropped afterwards."""
    if database == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'mailbot.db'}"
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"mailbot_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def environment(url: str, folder: Path) -> dict[str, str]:
    """The settings every app of one run is built from (the defaults for everything else,
    the reply limit included)."""
    return {
        "MAILBOT_STORAGE__URL": url,
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(folder / "outbox"),
        "MAILBOT_SMTP_INGRESS__PORT": "0",
    }


def open_app(environ: Mapping[str, str]) -> App:
    return bootstrap(load_config(environ=environ), transport=DiscardTransport())


def prepare(environ: Mapping[str, str], clients: Sequence[Client]) -> App:
    """The app on its database, migrated, with the demo data (supplier, price list, demo
    partners) and `clients` registered as `mailbot partners add` does."""
    app = open_app(environ)
    upgrade(app.engine)
    seed_demo(app)
    now = app.clock.now()
    for client in clients:
        add_partner(
            app.uow,
            name=client.name,
            role="client",
            addresses=[client.address],
            language=client.language,
            group=client.group,
            currency=app.config.pricing.currency,
            now=now,
        )
    return app


def store_all(app: App, raws: Sequence[bytes]) -> None:
    for raw in raws:
        app.store(raw, "smtp")


def drain_inbox(app: App) -> None:
    """Process until no message is left to claim (claims skip what other workers hold)."""
    while app.processor.run_once():  # in batches of its default size, as `mailbot run`
        pass


def drain_outbox(app: App) -> None:
    """Send until no mail is due, in the same way."""
    while app.sender.run_once():
        pass


def run_in_process(app: App, raws: Sequence[bytes]) -> None:
    """The whole pipeline in this process, for the memory trace and the profile."""
    store_all(app, raws)
    drain_inbox(app)
    drain_outbox(app)


def run_pipeline(
    app: App, environ: Mapping[str, str], raws: Sequence[bytes], workers: int, capture: bool
) -> PipelineRun:
    """Store `raws` through `app`, then process and send them with `workers` processes."""
    tally = Tally(app.engine)
    wall, cpu = time.perf_counter(), time.process_time()
    store_all(app, raws)
    store = Phase(time.perf_counter() - wall, time.process_time() - cpu, tally.take())
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(workers)
        with context.Pool(workers) as pool:
            results = pool.starmap(worker, [(dict(environ), barrier, capture)] * workers)

    def phase(span: Callable[[WorkerResult], tuple[float, float, float, Counts]]) -> Phase:
        spans = [span(result) for result in results]
        return Phase(
            max(end for _, end, _, _ in spans) - min(start for start, _, _, _ in spans),
            sum(cpu for _, _, cpu, _ in spans),
            sum((counts for _, _, _, counts in spans), Counts()),
        )

    return PipelineRun(
        database=app.engine.dialect.name,
        workers=workers,
        store=store,
        process=phase(lambda r: r.process),
        send=phase(lambda r: r.send),
        worker_max_rss=max(result.max_rss for result in results),
        renders=tuple(render for result in results for render in result.renders),
    )


@dataclass(frozen=True)
class WorkerResult:
    """One worker's phases as (start, end, CPU seconds, counts), on the system-wide monotonic
    clock so that workers' times compare; its peak RSS; its renderings when captured."""

    process: tuple[float, float, float, Counts]
    send: tuple[float, float, float, Counts]
    max_rss: int
    renders: tuple[Render, ...]


def worker(environ: dict[str, str], barrier: Barrier, capture: bool) -> WorkerResult:
    """A `mailbot run` instance's processor and sender, in a process of its own."""
    app = open_app(environ)
    app.replies.renderer.prepare()  # as `mailbot run` does before it takes mail
    renders = _capture(app) if capture else []
    tally = Tally(app.engine)
    with app.uow() as uow:  # connected before the clock starts
        uow.inbox.get(0)
    tally.take()
    spans = []
    for drain in (drain_inbox, drain_outbox):
        barrier.wait()
        start, cpu = time.monotonic(), time.process_time()
        drain(app)
        spans.append((start, time.monotonic(), time.process_time() - cpu, tally.take()))
    app.close()
    # Linux gives ru_maxrss in KiB.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return WorkerResult(spans[0], spans[1], rss, tuple(renders))


def _capture(app: App) -> list[Render]:
    """Note every rendering the app's renderer does (template, language, context, zone), so
    that the pure render can be timed on exactly what the pipeline rendered."""
    renderer = app.replies.renderer
    render = renderer.render
    renders: list[Render] = []

    def noting(
        name: str, language: str, context: Mapping[str, object], timezone: str = ""
    ) -> RenderedMail:
        renders.append((name, language, dict(context), timezone))
        return render(name, language, context, timezone)

    renderer.render = noting  # type: ignore[method-assign]
    return renders
