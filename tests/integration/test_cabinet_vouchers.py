"""Vouchers in the cabinet: a manager's campaigns, issuing and exporting codes; a client's own
codes; nobody else may look (404)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.http.app import create_app
from mailbot.services.vouchers.campaigns import Limits, create_campaign, simple_terms
from tests.cabinet import sign_in
from tests.lifecycle import CLIENT

MANAGER = "manager@distributor.example"


@pytest.fixture
def seeded(app: App) -> App:
    seed_demo(app)
    create_campaign(
        app.uow, name="WINTER", kind="serial", terms=simple_terms(percent=Decimal(10)),
        limits=Limits(max_redemptions=100, per_client=1), now=app.clock.now(), prefix="WNT",
    )  # fmt: skip
    return app


@pytest.fixture
def browser(seeded: App) -> Iterator[TestClient]:
    with TestClient(create_app(seeded)) as client:
        yield client


def test_a_manager_issues_a_clients_codes_and_the_client_sees_them(
    seeded: App, browser: TestClient
) -> None:
    csrf = sign_in(browser, seeded, MANAGER)
    assert "WINTER" in browser.get("/vouchers").text
    page = browser.get("/vouchers/WINTER")
    assert page.status_code == 200
    assert '"percent"' in page.text  # the terms, escaped JSON
    issued = browser.post(
        "/vouchers/WINTER/codes", data={"csrf": csrf, "count": "2", "clients": CLIENT}
    )
    assert issued.status_code == 200
    assert "Done: the codes are issued." in issued.text
    bad = browser.post(
        "/vouchers/WINTER/codes", data={"csrf": csrf, "count": "1", "clients": "x@nowhere.example"}
    )
    assert bad.status_code == 422
    exported = browser.get("/vouchers/WINTER/codes.csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="codes.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row[1] for row in rows[1:]} == {CLIENT}
    assert browser.get("/vouchers/WINTER/codes.xlsx").content[:2] == b"PK"
    assert browser.get("/vouchers/NOPE").status_code == 404
    with seeded.uow() as uow:
        (event,) = uow.events.listed(kind="voucher.codes_issued")
    assert event.payload["by"] == f"{MANAGER} (cabinet)"
    with TestClient(create_app(seeded)) as client:
        sign_in(client, seeded, CLIENT)
        mine = client.get("/codes").text
        for row in rows[1:]:
            assert row[0] in mine
        assert client.get("/vouchers").status_code == 404
        assert client.get("/vouchers/WINTER/codes.csv").status_code == 404


def test_suppliers_and_other_clients_see_no_codes(seeded: App, browser: TestClient) -> None:
    sign_in(browser, seeded, SUPPLIER)
    assert browser.get("/codes").status_code == 404
    assert browser.get("/vouchers").status_code == 404
    with TestClient(create_app(seeded)) as other:
        sign_in(other, seeded, "zakaz@vector-trans.example")
        assert "WNT" not in other.get("/codes").text.split("<main>")[1]


def test_a_manager_defines_a_campaign_from_the_page(seeded: App, browser: TestClient) -> None:
    csrf = sign_in(browser, seeded, MANAGER)
    form = {
        "csrf": csrf, "name": "AUTUMN", "kind": "promotional", "code": "AUTUMN5",
        "benefit": "percent", "value": "5", "limit": "10", "per_client": "",
    }  # fmt: skip
    defined = browser.post("/vouchers", data=form)
    assert defined.status_code == 200
    assert "Done: the campaign is defined." in defined.text
    bad = browser.post("/vouchers", data={**form, "name": "X", "code": "X5", "value": "150"})
    assert bad.status_code == 422
    assert "at most 100" in bad.text
    with seeded.uow() as uow:
        campaign = uow.vouchers.campaign("AUTUMN")
        assert campaign is not None
        assert (campaign.max_redemptions, campaign.created_by) == (10, f"{MANAGER} (cabinet)")
        assert uow.vouchers.campaign("X") is None
