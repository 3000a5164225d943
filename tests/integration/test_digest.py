"""The managers' daily digest on SQLite and PostgreSQL: its content, its XLSX order matrix,
once a day whatever restarts or second instances, and `digest send --dry-run`."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from openpyxl import load_workbook

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.services.partners.registry import add_partner
from mailbot.services.schedule.digest import build_digest
from mailbot.services.schedule.jobs import TickReport
from mailbot.storage.database import make_engine
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, outbox

SATURDAY_7AM = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)  # 07:00 in Bucharest
FORMULA = '=HYPERLINK("http://evil.example","x")'


def orders_and_digest(app: App) -> TickReport:
    seed_demo(app)
    add_partner(app.uow, name=FORMULA, role="client", addresses=["eve@evil.example"],
                language="en", group="", currency="EUR", now=app.clock.now())  # fmt: skip
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))
    ingest(app, mail(sender=FLEET, body="SAF-2234 x 1"))
    ingest(app, mail(sender=VECTOR, body="DAF-1643 x 10"))
    ingest(app, mail(sender="eve@evil.example", body="DAF-1643 x 1"))
    return app.jobs.run_due(SATURDAY_7AM)


def test_the_digest_tells_managers_the_day_with_the_order_matrix(app: App) -> None:
    """The digest lists new orders and totals by client, orders waiting, imports and mail by
    status, with the order matrix attached as a readable XLSX whose names are never formulas."""
    report = orders_and_digest(app)
    assert report.digest == 1
    (sent,) = [m for m in outbox(app) if m.kind == "digest"]
    assert sent.recipient == "manager@distributor.example"
    assert headers(sent.raw)["Subject"] == "Daily digest: 4 new orders, 0 overdue"
    text = parts(sent.raw)["plain"].replace("\r\n", "\n")
    assert "Fleet Parts Ltd: 2 orders, €257.40" in text
    assert "ООО Вектор-Транс: 1 order, €145.20" in text
    assert "Balkan Truck Parts SRL: demo-price-list.csv, active, 6 rows, 0 rejected" in text
    assert "pending: 4" in text
    assert "ORD-2026-000003 (quoted), ООО Вектор-Транс, €145.20" in text
    assert "0 new, 0 waiting in quarantine" in text
    assert "Vouchers redeemed by campaign:\n  none" in text
    (attachment,) = [p for p in headers(sent.raw).walk() if p.get_filename()]
    assert attachment.get_filename() == "orders-2026-11-21.xlsx"
    sheet = load_workbook(io.BytesIO(attachment.get_payload(decode=True))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Order", "Client", "Status", "Total", "Currency")
    assert [row[:3] for row in rows[1:]] == [
        ("ORD-2026-000001", "Fleet Parts Ltd", "quoted"),
        ("ORD-2026-000002", "Fleet Parts Ltd", "quoted"),
        ("ORD-2026-000003", "ООО Вектор-Транс", "quoted"),
        ("ORD-2026-000004", FORMULA, "quoted"),
    ]
    assert sheet.cell(5, 2).data_type == "s"  # the name is text, not a formula
    assert rows[1][6] == datetime(2026, 11, 20, 7, 30)  # quoted (UTC)


def test_overdue_deadlines_are_in_the_digest(app: App) -> None:
    """A quote past its agreement window shows up as overdue, with the client to chase."""
    orders_and_digest(app)
    later = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with app.uow() as uow:
        digest = build_digest(uow, since=SATURDAY_7AM, now=later)
    assert [(d["order"], d["kind"], d["party"]) for d in digest.overdue][:2] == [
        ("ORD-2026-000001", "client_agreement", "Fleet Parts Ltd"),
        ("ORD-2026-000002", "client_agreement", "Fleet Parts Ltd"),
    ]
    assert digest.new_count == 0


def test_one_digest_a_day_across_restarts_and_instances(
    app: App, config: Config, database_url: str
) -> None:
    """Two instances ticking at once send one digest (and run one stale price list check);
    later ticks and a restart send none that day; the next day's starts where the last ended."""
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))
    instances = [
        bootstrap(
            config,
            engine=make_engine(database_url),
            transport=RecordingTransport(),
            clock=FixedClock(SATURDAY_7AM),
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    reports: list[TickReport | None] = [None, None]

    def tick(n: int) -> None:
        with instances[n].uow() as uow:
            uow.daily_runs.done("digest", SATURDAY_7AM.date())
        start.wait()
        reports[n] = instances[n].jobs.run_due(SATURDAY_7AM + timedelta(minutes=1))

    threads = [threading.Thread(target=tick, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for instance in instances:
        instance.close()
    assert sorted(str(r.digest) for r in reports if r) == ["1", "None"]
    assert sorted(str(r.stale_report) for r in reports if r) == ["0", "None"]  # list is fresh
    assert app.jobs.run_due(SATURDAY_7AM + timedelta(hours=5)).digest is None
    restarted = bootstrap(config, engine=make_engine(database_url), transport=RecordingTransport())
    assert restarted.jobs.run_due(SATURDAY_7AM + timedelta(hours=6)).digest is None
    restarted.close()
    assert app.jobs.run_due(SATURDAY_7AM + timedelta(hours=23)).digest is None  # 06:00 Sunday
    assert app.jobs.run_due(SATURDAY_7AM + timedelta(days=1)).digest == 1
    digests = [m for m in outbox(app) if m.kind == "digest"]
    assert len(digests) == 2
    assert "New orders:\n  none" in parts(digests[1].raw)["plain"].replace("\r\n", "\n")


def test_digest_send_dry_run_prints_and_sends_nothing(app: App, environ: dict[str, str]) -> None:
    """`digest send --dry-run` prints the text part and the attachment's name, queues nothing."""
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))
    before = len(outbox(app))
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    result = cli.invoke(main, ["digest", "send", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Waiting for clients:" in result.output
    assert "attachment: orders-" in result.output
    assert len(outbox(app)) == before
    sent = cli.invoke(main, ["digest", "send"], catch_exceptions=False)
    assert sent.output == "digest sent to 1 manager(s)\n"
    assert [m.kind for m in outbox(app)][-1] == "digest"


def test_stale_price_lists_are_reported_once_a_day(app: App) -> None:
    """The daily tick mails managers about price lists older than `stale_days`, once that day."""
    seed_demo(app)
    weeks_later = SATURDAY_7AM + timedelta(days=20)
    assert app.jobs.run_due(weeks_later).stale_report == 1
    assert app.jobs.run_due(weeks_later + timedelta(hours=3)).stale_report is None
    (report,) = [m for m in outbox(app) if m.kind == "pricelist_stale"]
    assert "Balkan Truck Parts SRL" in parts(report.raw)["plain"]
