"""Contract ends on SQLite and PostgreSQL: a partner cut off at its end date by the scheduler or
at once by `partners deactivate`; managers get its open orders, it gets one notice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.storage.models import Deadline, PriceList
from tests.commands import call
from tests.mail import mail, parts
from tests.pipeline import FLEET, ingest, order_of, outbox


def test_a_client_is_cut_off_when_its_contract_ends(app: App, environ: dict[str, str]) -> None:
    """At the end date (midnight local) the scheduler cuts the client off once: managers get
    its open orders, its deadlines stop, its next mail gets one notice and later mail none."""
    seed_demo(app)
    number = order_of(app, ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))[1])["number"]
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    shown = call(
        cli, "partners", "set", "buying@fleetparts.example", "--contract-end", "2026-11-21"
    )
    assert "2026-11-20T22:00:00+00:00" in shown.output
    shown = json.loads(call(cli, "partners", "show", "buying@fleetparts.example", "--json").output)
    assert shown["contract_ends_at"] == "2026-11-20T22:00:00+00:00"

    assert app.jobs.run_due(datetime(2026, 11, 20, 21, 59, tzinfo=UTC)).cut_off == []
    assert app.jobs.run_due(datetime(2026, 11, 20, 22, 0, tzinfo=UTC)).cut_off == [
        "Fleet Parts Ltd"
    ]
    assert app.jobs.run_due(datetime(2026, 11, 20, 22, 5, tzinfo=UTC)).cut_off == []
    (told,) = [m for m in outbox(app) if m.kind == "partner_cutoff"]
    assert told.recipient == "manager@distributor.example"
    text = parts(told.raw)["plain"]
    assert "its contract ended" in text
    assert f"{number}: quoted, €201.60" in text
    with app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert deadline.status == "cancelled"

    _, first = ingest(app, mail(sender=FLEET, body="BPW-0310 x 5"))
    _, second = ingest(app, mail(sender=FLEET, body="BPW-0310 x 6"))
    assert (first.status, first.summary) == (
        "processed",
        "answered: Fleet Parts Ltd is cut off, notice sent",
    )
    assert (second.status, second.summary) == (
        "ignored",
        "not answered: Fleet Parts Ltd is cut off, told before",
    )
    (notice,) = [m for m in outbox(app) if m.kind == "contract_ended"]
    assert "contract with Fleet Parts Ltd has ended" in parts(notice.raw)["plain"]
    assert len(json.loads(call(cli, "orders", "list", "--json").output)) == 1


def test_deactivating_a_supplier_hands_its_lines_to_managers(
    app: App, environ: dict[str, str]
) -> None:
    """`partners deactivate` cuts a supplier off at once: managers get the lines it was to
    supply in open orders, and a price list it mails afterwards is not taken."""
    seed_demo(app)
    number = order_of(app, ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))[1])["number"]
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    assert call(cli, "partners", "deactivate", SUPPLIER).output == "partner 1 deactivated\n"
    (told,) = [m for m in outbox(app) if m.kind == "partner_cutoff"]
    text = parts(told.raw)["plain"]
    assert "it was deactivated" in text
    assert f"{number}: BPW-0310 x 2" in text
    call(cli, "partners", "deactivate", SUPPLIER)
    assert len([m for m in outbox(app) if m.kind == "partner_cutoff"]) == 1

    prices = ("prices.csv", "text/csv", b"sku;name;price\nBPW-0310;Drum;1.00\n")
    _, outcome = ingest(app, mail(sender=SUPPLIER, body="new prices", attachments=[prices]))
    assert outcome.summary == "answered: Balkan Truck Parts SRL is cut off, notice sent"
    with app.uow() as uow:
        assert len(uow.session.scalars(select(PriceList)).all()) == 1
    call(cli, "partners", "deactivate", "nobody@nowhere.example", code=1)
