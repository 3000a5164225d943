"""`jobs run-due` on SQLite and PostgreSQL without surprises: `--dry-run` tells what a tick
would do and changes nothing, a `--now` in the future is refused without `--yes`, and a digest
recorded for a moment to come never moves the period of the real one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from mailbot.bootstrap import App
from mailbot.cli import main
from mailbot.demo import seed_demo
from mailbot.services.schedule.digest import build_digest, digest_since
from mailbot.storage.models import Base
from tests.mail import mail
from tests.pipeline import FLEET, ingest, order_of

ZONE = ZoneInfo("Europe/Bucharest")  # the scheduler's zone in the default configuration


def counts(engine: Engine) -> dict[str, int]:
    """The number of rows in every table."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def run(environ: dict[str, str], *args: str, code: int = 0) -> Result:
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def quoted_order(app: App) -> str:
    """The demo data and one quoted order of Fleet Parts; its number."""
    seed_demo(app)
    _, outcome = ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))
    return str(order_of(app, outcome)["number"])


def noon(day: date) -> datetime:
    """Noon of `day` in the scheduler's zone, after the daily jobs' time."""
    return datetime.combine(day, time(12), ZONE).astimezone(UTC)


def test_a_dry_run_says_what_would_be_done_and_changes_nothing(
    app: App, engine: Engine, environ: dict[str, str]
) -> None:
    """Weeks after the quote, a dry run reports the expiry, the digest and the mail each would
    queue, as text and as JSON, and every table keeps exactly its rows."""
    number = quoted_order(app)
    before = counts(engine)
    later = "2027-01-11T12:00:00+02:00"

    text = run(environ, "jobs", "run-due", "--now", later, "--dry-run").output
    assert f"would: deadline 1 {number} client_agreement: expire:" in text
    assert "would: digest sent to 1 manager(s)" in text
    assert "would mail: quote_expired to buying@fleetparts.example:" in text
    assert "would mail: digest to manager@distributor.example:" in text
    assert counts(engine) == before

    dry = run(environ, "jobs", "run-due", "--now", later, "--dry-run", "--json")
    shown = json.loads(dry.output)
    assert shown["dry_run"] is True
    assert [(d["order"], d["stage"]) for d in shown["deadlines"]] == [(number, "expire")]
    assert {(m["kind"], m["recipient"]) for m in shown["mail"]} >= {
        ("quote_expired", "buying@fleetparts.example"),
        ("digest", "manager@distributor.example"),
    }
    assert counts(engine) == before
    order = json.loads(run(environ, "orders", "show", number, "--json").output)
    assert order["status"] == "quoted"
    assert order["outbox"] == [order["outbox"][0]]  # the quote, and nothing queued since


def test_a_future_now_is_refused_without_yes(
    app: App, engine: Engine, environ: dict[str, str]
) -> None:
    """`--now` a month ahead of the clock changes nothing and exits 2 naming --dry-run and
    --yes; with --yes it runs, and the help warns that it acts on the real data."""
    number = quoted_order(app)
    before = counts(engine)
    ahead = (datetime.now(UTC) + timedelta(days=40)).isoformat()

    refused = run(environ, "jobs", "run-due", "--now", ahead, code=2)
    assert "is in the future" in refused.output
    assert "--dry-run" in refused.output
    assert "--yes" in refused.output
    assert counts(engine) == before

    done = run(environ, "jobs", "run-due", "--now", ahead, "--yes").output
    assert f"{number} client_agreement: expire" in done
    assert json.loads(run(environ, "orders", "show", number, "--json").output)["status"] == (
        "expired"
    )
    help_text = " ".join(run(environ, "jobs", "run-due", "--help").output.split())
    assert "This acts on the real data" in help_text
    assert "--dry-run" in help_text


def test_a_future_digest_does_not_move_the_real_digests_period(
    app: App, environ: dict[str, str]
) -> None:
    """After a digest recorded five days ahead, the next real digest (by the scheduler or by
    `digest send`) starts where the last real one ended, never at the future moment."""
    quoted_order(app)
    today = datetime.now(ZONE).date()
    yesterday, ahead = noon(today - timedelta(days=1)), noon(today + timedelta(days=5))
    assert app.jobs.run_due(yesterday).digest == 1
    assert app.jobs.run_due(ahead).digest == 1  # as `jobs run-due --now ... --yes` would

    with app.uow() as uow:
        assert digest_since(uow, noon(today)) == yesterday
        assert digest_since(uow, noon(today), before=today) == yesterday
    text = run(environ, "digest", "send", "--dry-run").output
    local = yesterday.astimezone(ZONE)
    assert f"from {local.day} {local:%B %Y}, 12:00" in text
    assert app.jobs.run_due(noon(today)).digest == 1  # the real tick of today still runs


def test_a_digest_period_never_runs_backwards(app: App) -> None:
    """A start after the end is taken as the end; with only a future digest recorded, the
    period is the day before now."""
    quoted_order(app)
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    with app.uow() as uow:
        digest = build_digest(uow, since=now + timedelta(days=3), now=now)
        assert digest.since == digest.until == now
    assert app.jobs.run_due(now + timedelta(days=3)).digest == 1
    with app.uow() as uow:
        since = digest_since(uow, now)
        assert since == now - timedelta(days=1)
        assert build_digest(uow, since=since, now=now).since <= now
