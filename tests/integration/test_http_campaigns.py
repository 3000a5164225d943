"""Campaigns over HTTP: marketing defines and issues; a supplier funds only campaigns on its
own brands or SKUs and sees only its own; the key that acted is recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key

CAMPAIGNS = "/api/v1/campaigns"
FLEET = "buying@fleetparts.example"
TEN_PERCENT = {"benefit": {"kind": "percent", "value": "10"}}


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    seed_demo(app)
    with TestClient(create_app(app)) as client:
        yield client


def key(app: App, name: str, role: str) -> dict[str, str]:
    _, secret = issue_key(app.uow, name, ApiRole.parse(role), now=app.clock.now(), by=None)
    return {"Authorization": f"Bearer {secret}"}


def test_marketing_defines_a_campaign_and_issues_its_codes(app: App, client: TestClient) -> None:
    marketing = key(app, "spring desk", "marketing")
    created = client.post(
        CAMPAIGNS,
        json={"name": "Winter", "kind": "serial", "prefix": "WNT", "terms": TEN_PERCENT,
              "max_redemptions": 100, "budget": {"amount": "500.00", "currency": "eur"}},
        headers=marketing,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    row = created.json()
    assert (row["name"], row["kind"], row["limit"], row["budget"]) == (
        "Winter", "serial", 100, "500.00 EUR",
    )  # fmt: skip
    assert row["created_by"] == "spring desk (HTTP API)"
    issued = client.post(
        f"{CAMPAIGNS}/Winter/codes", json={"count": 2, "clients": [FLEET]}, headers=marketing
    )
    codes = issued.json()["codes"]
    assert [code["client"] for code in codes] == [FLEET, FLEET]
    assert all(code["code"].startswith("WNT") for code in codes)
    listed = client.get(f"{CAMPAIGNS}/Winter/codes", headers=marketing).json()["codes"]
    assert sorted(c["code"] for c in listed) == sorted(c["code"] for c in codes)
    assert {c["state"] for c in listed} == {"free"}
    again = client.post(
        CAMPAIGNS, json={"name": "Winter", "kind": "serial", "prefix": "WNX", "terms": TEN_PERCENT},
        headers=marketing,
    )  # fmt: skip
    assert again.status_code == 422
    assert "exists already" in again.json()["detail"]


def test_a_supplier_funds_only_its_own_brands_and_sees_only_its_campaigns(
    app: App, client: TestClient
) -> None:
    supplier = key(app, "balkan", f"supplier:{SUPPLIER}")
    bpw_only = {**TEN_PERCENT, "restrictions": [{"rule": "brands", "brands": ["BPW"]}]}
    foreign = {**TEN_PERCENT, "restrictions": [{"rule": "brands", "brands": ["Bosch"]}]}
    anything = client.post(
        CAMPAIGNS, json={"name": "All", "kind": "serial", "terms": TEN_PERCENT}, headers=supplier
    )
    assert anything.status_code == 422
    assert "its own brands or SKUs" in anything.json()["detail"]
    bosch = client.post(
        CAMPAIGNS, json={"name": "Bosch", "kind": "serial", "terms": foreign}, headers=supplier
    )
    assert bosch.status_code == 422
    assert "Bosch" in bosch.json()["detail"]
    ours = client.post(
        CAMPAIGNS, json={"name": "BPW days", "kind": "serial", "prefix": "BPD", "terms": bpw_only},
        headers=supplier,
    )  # fmt: skip
    assert ours.status_code == 201
    names = [c["name"] for c in client.get(CAMPAIGNS, headers=supplier).json()["campaigns"]]
    assert names == ["BPW days"]  # not the demo's own SPRING10 campaign
    marketing = key(app, "desk", "marketing")
    all_names = [c["name"] for c in client.get(CAMPAIGNS, headers=marketing).json()["campaigns"]]
    assert "BPW days" in all_names
    assert len(all_names) == 2
    (demo,) = [name for name in all_names if name != "BPW days"]
    hidden = client.post(f"{CAMPAIGNS}/{demo}/codes", json={"count": 1}, headers=supplier)
    assert hidden.status_code == 404


def test_who_may_run_campaigns(app: App, client: TestClient) -> None:
    for role in ("shop", "pos", "call_centre", "monitoring"):
        assert client.get(CAMPAIGNS, headers=key(app, role, role)).status_code == 403
    manager = key(app, "boss", "manager")
    assert client.get(CAMPAIGNS, headers=manager).status_code == 200
    bad = client.post(CAMPAIGNS, json={"name": "X", "kind": "odd", "terms": {}}, headers=manager)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.kind"]
