"""What one run of the ingest benchmark measured, as a table for people or as JSON.

With several rounds (the configurations run in turn, again and again) a configuration's figures
are those of its median run, and a comparison of two configurations is the median of the
comparisons taken within each round: two configurations of one round met the same load."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

from ingest_pipeline import PipelineRun
from ingest_pure import Breakdown

# The goals of issue 14, each a ratio taken within one run.
BARE_GOAL = 0.14  # SQLite pipeline throughput at least this share of the bare parse
PURE_GOAL = 1.5  # the pipeline's time at most this multiple of its pure parts' time
POSTGRES_GOAL = 0.8  # PostgreSQL with one worker at least this share of SQLite's rate
SCALING_GOAL = 1.7  # two PostgreSQL workers at least this multiple of one worker's rate


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds of one timed step: on the wall clock, and on this process's CPU."""

    wall: float
    cpu: float


_PARTS = {
    "parse": "parse (parse_message)",
    "read": "order lines (read_order)",
    "render": "render (the replies' templates)",
    "compose": "MIME (compose)",
    "database": "database, ORM and glue (rest)",
    "store": "  of which storing (measured)",
}


@dataclass(frozen=True)
class Figures:
    """Everything one run measured: `rounds`, each with one pipeline run per configuration in
    the same order."""

    seed: int
    sizes: tuple[int, ...]
    corpus: str
    clients: int
    most_per_sender: int
    reply_limit: int
    floor: Timing
    pure: Breakdown
    rounds: tuple[tuple[PipelineRun, ...], ...]
    traced_messages: int
    peak_bytes: int
    max_rss_bytes: int
    load: tuple[float, float]

    @property
    def count(self) -> int:
        return len(self.sizes)

    @property
    def runs(self) -> tuple[PipelineRun, ...]:
        """Each configuration's median run by time (the faster of the middle two of an even
        number of rounds)."""
        by_configuration = zip(*self.rounds, strict=True)
        return tuple(
            sorted(runs, key=lambda run: run.seconds)[(len(runs) - 1) // 2]
            for runs in by_configuration
        )

    def rate(self, run: PipelineRun) -> float:
        return self.count / run.seconds

    def ratios(self, run: PipelineRun) -> dict[str, float]:
        """The run against the floor (wall and CPU) and against its pure parts."""
        return {
            "to_bare": self.floor.wall / run.seconds,
            "cpu_to_bare": self.floor.cpu / run.cpu,
            "pipeline_over_pure": run.seconds / self.pure.pure,
        }

    def parts(self, run: PipelineRun) -> dict[str, float]:
        """Seconds of the run by part; "store" is also inside "database"."""
        return {
            **self.pure.as_dict(),
            "database": run.seconds - self.pure.pure,
            "store": run.store.seconds,
        }

    def comparisons(self) -> dict[str, float]:
        """Rates of configurations against each other: PostgreSQL with one worker against
        SQLite, and N PostgreSQL workers against one; the median of the rounds' own."""
        each = self.comparisons_by_round()
        return {name: statistics.median(found[name] for found in each) for name in each[0]}

    def comparisons_by_round(self) -> list[dict[str, float]]:
        """`comparisons` within each round."""
        return [_compared(runs) for runs in self.rounds]

    def goals(self) -> list[tuple[str, float, bool]]:
        """(goal, value, met) for each goal of issue 14 this run can judge."""
        judged = []
        sqlite = _find(self.runs, "sqlite", 1)
        if sqlite:
            to_bare = self.ratios(sqlite)["to_bare"]
            over_pure = self.ratios(sqlite)["pipeline_over_pure"]
            judged.append((f"SQLite pipeline >= {BARE_GOAL} of the bare parse", to_bare,
                           to_bare >= BARE_GOAL))  # fmt: skip
            judged.append((f"SQLite pipeline within {PURE_GOAL}x its pure parts", over_pure,
                           over_pure <= PURE_GOAL))  # fmt: skip
        compared = self.comparisons()
        if "postgresql_1_over_sqlite" in compared:
            value = compared["postgresql_1_over_sqlite"]
            judged.append((f"PostgreSQL, 1 worker >= {POSTGRES_GOAL} of SQLite's rate", value,
                           value >= POSTGRES_GOAL))  # fmt: skip
        if "postgresql_2_over_1" in compared:
            value = compared["postgresql_2_over_1"]
            judged.append((f"PostgreSQL, 2 workers >= {SCALING_GOAL}x 1 worker", value,
                           value >= SCALING_GOAL))  # fmt: skip
        return judged

    def as_json(self) -> dict[str, object]:
        count = self.count
        return {
            "checks": "passed",
            "messages": count,
            "seed": self.seed,
            "corpus_sha256": self.corpus,
            "clients": self.clients,
            "most_messages_per_sender": self.most_per_sender,
            "reply_limit_per_hour": self.reply_limit,
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
            "pure_parts": {
                "seconds": self.pure.pure,
                "ms_per_message": 1000 * self.pure.pure / count,
                "messages_per_second": count / self.pure.pure,
                "parts_seconds": self.pure.as_dict(),
            },
            "configurations": [self._run_json(run) for run in self.runs],
            "comparisons": self.comparisons(),
            "rounds": [
                {
                    "messages_per_second": {_label(run): self.rate(run) for run in runs},
                    "comparisons": compared,
                }
                for runs, compared in zip(self.rounds, self.comparisons_by_round(), strict=True)
            ],
            "goals": [{"goal": g, "value": v, "met": met} for g, v, met in self.goals()],
            "memory": {
                "tracemalloc_peak_bytes": self.peak_bytes,
                "traced_messages": self.traced_messages,
                "max_rss_bytes": self.max_rss_bytes,
            },
            "load_average": {"start": self.load[0], "end": self.load[1], "cpus": os.cpu_count()},
        }

    def _run_json(self, run: PipelineRun) -> dict[str, object]:
        count, parts = self.count, self.parts(run)
        return {
            "database": run.database,
            "workers": run.workers,
            "seconds": run.seconds,
            "cpu_seconds": run.cpu,
            "messages_per_second": self.rate(run),
            **self.ratios(run),
            "statements_per_message": run.counts.statements / count,
            "commits_per_message": run.counts.commits / count,
            "phases": {
                name: {
                    "seconds": phase.seconds,
                    "cpu_seconds": phase.cpu,
                    "statements_per_message": phase.counts.statements / count,
                    "commits_per_message": phase.counts.commits / count,
                }
                for name, phase in run.phases.items()
            },
            "breakdown_seconds": parts,
            "breakdown_percent": {k: 100 * v / run.seconds for k, v in parts.items()},
            "worker_max_rss_bytes": run.worker_max_rss,
        }

    def table(self) -> str:
        count, mib = self.count, 2**20
        pure = self.pure.pure
        rows = [
            f"mailbot ingest benchmark: {count} messages, seed {self.seed}, "
            f"{sum(self.sizes) / mib:.1f} MiB (median {statistics.median(self.sizes) / 1024:.1f}"
            f" KiB, max {max(self.sizes) / 1024:.1f} KiB), corpus {self.corpus[:12]}",
            f"from {self.clients} clients, at most {self.most_per_sender} messages per sender "
            f"(reply limit {self.reply_limit} an hour)",
            "",
            f"{'':40}{'seconds':>9}{'msg/s':>9}{'ms/msg':>9}",
            f"{'bare mail-parser (floor, best of all)':40}"
            f"{self.floor.wall:9.3f}{count / self.floor.wall:9.1f}"
            f"{1000 * self.floor.wall / count:9.2f}",
            f"{'pure parts (each the best of its runs)':40}"
            f"{pure:9.3f}{count / pure:9.1f}{1000 * pure / count:9.2f}",
            "",
            f"{self._pipeline_heading():24}{'seconds':>8}{'msg/s':>8}{'/bare':>7}{'cpu':>7}{'/pure':>7}"
            f"{'SQL/msg':>9}{'commits':>9}",
        ]
        for run in self.runs:
            r = self.ratios(run)
            rows.append(
                f"{_label(run):24}{run.seconds:8.2f}{self.rate(run):8.1f}{r['to_bare']:7.3f}"
                f"{r['cpu_to_bare']:7.3f}{r['pipeline_over_pure']:7.2f}"
                f"{run.counts.statements / count:9.1f}{run.counts.commits / count:9.2f}"
            )
        rows += ["", "phases: seconds, SQL statements and commits per message"]
        rows.append(f"{'':24}" + "".join(f"{name:>22}" for name in ("store", "process", "send")))
        for run in self.runs:
            rows.append(
                f"{_label(run):24}"
                + "".join(
                    f"{p.seconds:8.2f}s{p.counts.statements / count:7.1f}"
                    f"{p.counts.commits / count:7.2f}"
                    for p in run.phases.values()
                )
            )
        if len(self.rounds) > 1:
            names = [name.replace("_", " ") for name in self.comparisons_by_round()[0]]
            heading = [_label(run) for run in self.rounds[0]] + names
            rows += [
                "",
                "rounds: msg/s of each configuration, then the comparisons within the round",
            ]
            rows.append(f"{'':8}" + "".join(f"{label:>26}" for label in heading))
            for number, (runs, compared) in enumerate(
                zip(self.rounds, self.comparisons_by_round(), strict=True), 1
            ):
                figures = [f"{self.rate(run):.1f}" for run in runs]
                figures += [f"{value:.2f}" for value in compared.values()]
                rows.append(f"{number:>8}" + "".join(f"{figure:>26}" for figure in figures))
        compared = self.comparisons()
        if compared:
            rows += ["", "configurations against each other (rates):"]
            rows += [f"  {name.replace('_', ' ')}: {value:.2f}" for name, value in compared.items()]
        rows += ["", "goals (issue 14):"]
        rows += [
            f"  {goal}: {value:.3f} {'met' if met else 'NOT met'}"
            for goal, value, met in self.goals()
        ] or ["  (none judged by these configurations)"]
        rows += ["", f"{'where the time goes (s, %)':34}" + "".join(
            f"{_label(run):>22}" for run in self.runs)]  # fmt: skip
        parts = [(self.parts(run), run.seconds) for run in self.runs]
        for name, label in _PARTS.items():
            rows.append(
                f"{label:34}"
                + "".join(f"{p[name]:14.3f}{100 * p[name] / seconds:7.1f}%" for p, seconds in parts)
            )
        rows += [
            "",
            f"tracemalloc peak, pipeline in one process ({self.traced_messages} messages): "
            f"{self.peak_bytes / mib:.1f} MiB",
            f"max RSS: benchmark process {self.max_rss_bytes / mib:.1f} MiB, largest worker "
            + ", ".join(f"{run.worker_max_rss / mib:.1f}" for run in self.runs)
            + " MiB",
            f"load average at start and end: {self.load[0]:.2f}, {self.load[1]:.2f} "
            f"on {os.cpu_count()} CPUs (other work on the machine makes every figure noisy)",
            "checks: all passed",
        ]
        return "\n".join(rows)

    def _pipeline_heading(self) -> str:
        count = len(self.rounds)
        return f"pipeline, median of {count}" if count > 1 else "pipeline"


def _compared(runs: tuple[PipelineRun, ...]) -> dict[str, float]:
    """PostgreSQL with one worker against SQLite, and N PostgreSQL workers against one, among
    `runs` (one round)."""
    found: dict[str, float] = {}
    sqlite, single = _find(runs, "sqlite", 1), _find(runs, "postgresql", 1)
    if sqlite and single:
        found["postgresql_1_over_sqlite"] = sqlite.seconds / single.seconds
    for run in runs:
        if single and run.database == "postgresql" and run.workers > 1:
            found[f"postgresql_{run.workers}_over_1"] = single.seconds / run.seconds
    return found


def _find(runs: tuple[PipelineRun, ...], database: str, workers: int) -> PipelineRun | None:
    return next((r for r in runs if (r.database, r.workers) == (database, workers)), None)


def _label(run: PipelineRun) -> str:
    return f"{run.database}, {run.workers} worker{'s' if run.workers > 1 else ''}"
