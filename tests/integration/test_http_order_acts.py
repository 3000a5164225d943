"""Acting on an order over the API: a client's AGREE and CANCEL, a supplier's confirmation
(whole or in part) and shipment, under the same rules as the same answers by mail, each
recorded with the key that acted; a key acts only on what is its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key
from tests.fakes import FixedClock
from tests.lifecycle import CLIENT, agree_and_send, last_to, quote

OTHER_CLIENT = "zakaz@vector-trans.example"


@pytest.fixture
def http(app: App) -> Iterator[TestClient]:
    seed_demo(app)
    with TestClient(create_app(app)) as client:
        yield client


def key(app: App, role: str) -> dict[str, str]:
    _, secret = issue_key(app.uow, role, ApiRole.parse(role), now=app.clock.now(), by=None)
    return {"Authorization": f"Bearer {secret}"}


def events(app: App, kind: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        return [event.payload for event in uow.events.listed(kind=kind)]


def test_a_client_agrees_over_the_api_as_by_mail(app: App, http: TestClient) -> None:
    """AGREE by key: the order is agreed, debited and its file mailed to the supplier; the
    step names the key; a second AGREE is 409 with the reason and changes nothing."""
    number = quote(app)
    fleet = key(app, f"client:{CLIENT}")
    agreed = http.post(f"/api/v1/orders/{number}/agree", headers=fleet)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "sent"
    assert [step["status"] for step in agreed.json()["transitions"]] == [
        "quoted",
        "agreed",
        "sent",
    ]
    assert last_to(app, SUPPLIER, "order_file").order_id is not None
    assert last_to(app, CLIENT, "order_answer") is not None
    (payload,) = events(app, "order.agreed")
    assert payload["by"] == f"client:{CLIENT} (HTTP API)"
    debited = events(app, "ledger.entry_booked")
    assert [entry["kind"] for entry in debited] == ["debit"]
    again = http.post(f"/api/v1/orders/{number}/agree", headers=fleet)
    assert again.status_code == 409
    assert again.json()["detail"] == f"order {number} is sent: already agreed"
    assert events(app, "ledger.entry_booked") == debited
    assert len(events(app, "order.agreed")) == 1


def test_a_key_acts_only_on_its_own_orders(app: App, http: TestClient) -> None:
    """Another client's order is 404, like one that does not exist; a supplier may not agree
    and a client may not confirm (403)."""
    number = quote(app)
    other = key(app, f"client:{OTHER_CLIENT}")
    for act in ("agree", "cancel"):
        hidden = http.post(f"/api/v1/orders/{number}/{act}", headers=other)
        missing = http.post(f"/api/v1/orders/ORD-2099-999999/{act}", headers=other)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"] == f"no order {number}"
    supplier = key(app, f"supplier:{SUPPLIER}")
    assert http.post(f"/api/v1/orders/{number}/agree", headers=supplier).status_code == 403
    fleet = key(app, f"client:{CLIENT}")
    confirm = http.post(f"/api/v1/orders/{number}/confirmation", json={}, headers=fleet)
    assert confirm.status_code == 403
    assert http.post(f"/api/v1/orders/{number}/agree").status_code == 401
    assert events(app, "order.agreed") == events(app, "order.cancelled") == []


def test_a_client_cancels_and_a_manager_cancels_with_a_reason(app: App, http: TestClient) -> None:
    fleet = key(app, f"client:{CLIENT}")
    mine = quote(app)
    cancelled = http.post(f"/api/v1/orders/{mine}/cancel", headers=fleet)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert http.post(f"/api/v1/orders/{mine}/cancel", headers=fleet).status_code == 409
    theirs = quote(app)
    reason = {"reason": "the client phoned"}
    by_desk = http.post(f"/api/v1/orders/{theirs}/cancel", json=reason, headers=key(app, "manager"))
    assert by_desk.status_code == 200, by_desk.text
    assert by_desk.json()["transitions"][-1]["note"] == "the client phoned"
    first, second = events(app, "order.cancelled")
    assert (first["order"], first["by"]) == (mine, f"client:{CLIENT} (HTTP API)")
    assert (second["order"], second["by"]) == (theirs, "manager (HTTP API)")


def test_a_supplier_confirms_then_ships_and_the_client_is_told(app: App, http: TestClient) -> None:
    """Confirmed whole, the order is confirmed; shipped on a day and by a method, it is
    shipped and the client is mailed; each step names the supplier and its key."""
    number = agree_and_send(app)
    supplier = key(app, f"supplier:{SUPPLIER}")
    confirmed = http.post(f"/api/v1/orders/{number}/confirmation", json={}, headers=supplier)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    (part,) = confirmed.json()["suppliers"]
    assert part["status"] == "confirmed"
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(days=1))
    shipment = {"date": "2026-11-21", "method": "DPD"}
    shipped = http.post(f"/api/v1/orders/{number}/shipment", json=shipment, headers=supplier)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    (part,) = shipped.json()["suppliers"]
    assert (part["ship_date"], part["ship_method"]) == ("2026-11-21", "DPD")
    told = last_to(app, CLIENT, "order_answer")
    assert b"DPD" in told.raw
    (said,) = events(app, "order.supplier_shipped")
    assert said["by"] == f"supplier:{SUPPLIER} (HTTP API)"
    again = http.post(f"/api/v1/orders/{number}/shipment", json=shipment, headers=supplier)
    assert again.status_code == 409


def test_a_partial_confirmation_waits_for_the_client(app: App, http: TestClient) -> None:
    """One line confirmed in part: the client is asked, and its AGREE over the API takes the
    confirmed quantities (the total is lowered, the difference credited)."""
    number = agree_and_send(app)
    supplier = key(app, f"supplier:{SUPPLIER}")
    partial = {"lines": [{"sku": "SAF-2234", "quantity": 3}]}
    answered = http.post(f"/api/v1/orders/{number}/confirmation", json=partial, headers=supplier)
    assert answered.status_code == 200, answered.text
    (part,) = answered.json()["suppliers"]
    assert part["status"] == "partial"
    assert answered.json()["status"] == "sent"
    fleet = key(app, f"client:{CLIENT}")
    before = http.get(f"/api/v1/orders/{number}", headers=fleet).json()["total"]
    agreed = http.post(f"/api/v1/orders/{number}/agree", headers=fleet)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "confirmed"
    assert Decimal(agreed.json()["total"]) < Decimal(before)
    assert len(events(app, "order.partial_accepted")) == 1


def test_an_answer_that_breaks_a_rule_is_refused_with_every_problem(
    app: App, http: TestClient
) -> None:
    """More than ordered, a line not the supplier's and a shipment after today: 422 with each
    problem, and nothing changes."""
    number = agree_and_send(app)
    supplier = key(app, f"supplier:{SUPPLIER}")
    wrong = {"lines": [{"sku": "SAF-2234", "quantity": 9}, {"sku": "NOPE-1", "quantity": 1}]}
    refused = http.post(f"/api/v1/orders/{number}/confirmation", json=wrong, headers=supplier)
    assert refused.status_code == 422
    assert [(p["kind"], p["sku"]) for p in refused.json()["problems"]] == [
        ("too_many", "SAF-2234"),
        ("not_yours", "NOPE-1"),
    ]
    assert refused.json()["problems"][0]["ordered"] == 5
    later = {"date": "2027-01-01", "method": "DPD"}
    future = http.post(f"/api/v1/orders/{number}/shipment", json=later, headers=supplier)
    assert future.status_code == 422
    assert [p["kind"] for p in future.json()["problems"]] == ["date_future"]
    order = http.get(f"/api/v1/orders/{number}", headers=supplier).json()
    assert order["status"] == "sent"
    assert order["suppliers"][0]["status"] == "sent"
    assert events(app, "order.supplier_confirmed") == []


def test_a_manager_answers_for_a_supplier_it_names(app: App, http: TestClient) -> None:
    number = agree_and_send(app)
    manager = key(app, "manager")
    unnamed = http.post(f"/api/v1/orders/{number}/confirmation", json={}, headers=manager)
    assert unnamed.status_code == 422
    named = {"supplier": SUPPLIER}
    confirmed = http.post(f"/api/v1/orders/{number}/confirmation", json=named, headers=manager)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    supplier = key(app, f"supplier:{SUPPLIER}")
    other = {"supplier": "sales@other-parts.example", "date": "2026-11-20"}
    posing = http.post(f"/api/v1/orders/{number}/shipment", json=other, headers=supplier)
    assert posing.status_code == 403
