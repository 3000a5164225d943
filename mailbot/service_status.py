"""`mailbot status`: the database, the running service's parts, and the work waiting, with a
verdict for monitoring.

Unhealthy (exit 1) when:

- a part of a `mailbot run` instance that did not stop cleanly has been silent for longer
  than its bound (its heartbeat is stale): a dead thread, or a whole instance that was killed;
- outgoing mail written in the last `failed_within` failed (the relay refused it for good, or
  every attempt failed).

A database that cannot be reached, does not exist or is not migrated is not "unhealthy" but
"not ready" (exit 4), as for every command. No instance at all, or only instances that stopped
cleanly, is healthy: running `mailbot run` is a deployment's choice (`mailbot ingest` from a
mail server works without it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.storage.database import (
    DEFAULT_TIMEOUTS,
    Timeouts,
    make_engine,
    schema_revisions,
)
from mailbot.storage.service_parts import ServicePart
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.urls import shown_url, sqlite_file

Row = dict[str, object]
# What each part's `worked_at` means, for people.
WORK = {
    "listener": "last message stored",
    "poller": "last poll",
    "processor": "last message processed",
    "sender": "last mail sent",
    "scheduler": "last tick",
    "publisher": "last events published",
    "consumer": "last ERP message",
}
PART_ORDER = ("listener", "poller", "processor", "sender", "scheduler", "publisher", "consumer")


@dataclass
class Status:
    """The report `mailbot status` prints, and what makes it unhealthy."""

    database: Row
    instances: list[Row] = field(default_factory=list)
    inbox: Row = field(default_factory=dict)
    outbox: Row = field(default_factory=dict)
    last_digest: Row | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> Row:
        return {
            "healthy": self.healthy,
            "problems": self.problems,
            "database": self.database,
            "service": self.instances,
            "inbox": self.inbox,
            "outbox": self.outbox,
            "last_digest": self.last_digest,
        }


def open_database(url: str, timeouts: Timeouts = DEFAULT_TIMEOUTS) -> tuple[Row, Engine | None]:
    """Where the database is and whether it is ready; its engine only when it is.

    Nothing is created or migrated: a SQLite file that does not exist is reported missing.
    """
    path = sqlite_file(url)
    row: Row = {
        "url": shown_url(url),
        "path": None if path is None else str(path),
        "reachable": False,
        "schema": None,
        "newest_schema": None,
        "migrated": False,
        "error": "",
    }
    if path is not None and not path.is_file():
        row["error"] = f"no database at {path} (storage.url)"
        return row, None
    engine = make_engine(url, timeouts)
    try:
        current, newest = schema_revisions(engine)
    except OperationalError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        row["error"] = f"cannot use the database {shown_url(url)} (storage.url): {reason}"
        return row, None
    row.update(reachable=True, schema=current, newest_schema=newest, migrated=current == newest)
    if current != newest:
        engine.dispose()
        row["error"] = (
            f"the database at {shown_url(url)} is at schema {current or 'none'}, not {newest}: "
            "run `mailbot db upgrade`"
        )
        return row, None
    return row, engine


def service_status(
    uow: UnitOfWork, database: Row, *, now: datetime, failed_within: timedelta | None
) -> Status:
    """Read the parts' heartbeats and the counts in one transaction, and judge them at `now`.

    `failed_within` None counts every failed mail ever written.
    """
    status = Status(database)
    _service(status, uow.service_parts.all(), now)
    inbox = uow.reports.inbox_counts()
    status.inbox = {
        "waiting": inbox.get(InboundStatus.STORED, 0),
        "quarantined": inbox.get(InboundStatus.QUARANTINED, 0),
    }
    outbox = uow.reports.outbox_counts()
    failed_recently = (
        outbox.get(OutboundStatus.FAILED, 0)
        if failed_within is None
        else uow.reports.failed_since(now - failed_within)
    )
    status.outbox = {
        "pending": outbox.get(OutboundStatus.PENDING, 0),
        "held": outbox.get(OutboundStatus.HELD, 0),
        "failed": outbox.get(OutboundStatus.FAILED, 0),
        "failed_recently": failed_recently,
    }
    if failed_recently:
        window = "" if failed_within is None else f" in the last {_span(failed_within)}"
        status.problems.append(
            f"{failed_recently} outgoing mail(s) failed{window} "
            "(mailbot outbox list --status failed)"
        )
    digest = uow.reports.last_mail_of("digest")
    if digest is not None:
        status.last_digest = {
            "written_at": digest.created_at.isoformat(),
            "sent_at": None if digest.sent_at is None else digest.sent_at.isoformat(),
            "status": digest.status,
            "recipient": digest.recipient,
        }
    return status


def _service(status: Status, rows: Sequence[ServicePart], now: datetime) -> None:
    instances: dict[str, list[ServicePart]] = {}
    for row in rows:
        instances.setdefault(row.instance, []).append(row)
    for instance, parts in instances.items():
        stopped = next((p.stopped_at for p in parts if p.stopped_at is not None), None)
        parts.sort(key=lambda p: PART_ORDER.index(p.name) if p.name in PART_ORDER else 99)
        shown = [_part(part, now, stopped is not None) for part in parts]
        status.instances.append(
            {
                "instance": instance,
                "started_at": min(p.started_at for p in parts).isoformat(),
                "stopped_at": None if stopped is None else stopped.isoformat(),
                "parts": shown,
            }
        )
        for part in shown:
            if part["state"] == "stale":
                status.problems.append(
                    f"{part['name']} of {instance} silent for {part['silent_seconds']} s "
                    f"(bound {part['stale_after_seconds']} s)"
                )


def _part(part: ServicePart, now: datetime, stopped: bool) -> Row:
    seen = part.last_seen_at or part.started_at
    silent = max(0, int((now - seen).total_seconds()))
    state = "stopped" if stopped else ("stale" if silent > part.stale_after else "ok")
    return {
        "name": part.name,
        "state": state,
        "last_seen_at": None if part.last_seen_at is None else part.last_seen_at.isoformat(),
        "silent_seconds": silent,
        "stale_after_seconds": part.stale_after,
        "worked_at": None if part.worked_at is None else part.worked_at.isoformat(),
        "worked": WORK.get(part.name, "last work"),
        "detail": part.detail,
    }


def _span(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h"
