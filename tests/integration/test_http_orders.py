"""`GET /api/v1/orders[/{number}]`: a manager sees every order whole; a supplier only the
orders with its lines, and of them only its own lines; anyone else may not look."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key
from mailbot.services.partners.registry import add_partner
from tests.lifecycle import agree_and_send
from tests.mail import mail
from tests.pipeline import FLEET, ingest

OTHER_SUPPLIER = "sales@other-parts.example"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    seed_demo(app)
    add_partner(
        app.uow,
        name="Other Parts",
        role="supplier",
        addresses=[OTHER_SUPPLIER],
        language="en",
        group="",
        currency="EUR",
        now=app.clock.now(),
    )
    for body in ("BPW-0310 x 2\nWABCO-4324 x 1", "SAF-2234 x 4"):
        ingest(app, mail(sender=FLEET, body=body))
    with TestClient(create_app(app)) as client:
        yield client


def key(app: App, role: str) -> dict[str, str]:
    _, secret = issue_key(app.uow, role, ApiRole.parse(role), now=app.clock.now(), by=None)
    return {"Authorization": f"Bearer {secret}"}


def test_a_manager_lists_pages_and_sees_an_order_whole(app: App, client: TestClient) -> None:
    manager = key(app, "manager")
    listed = client.get("/api/v1/orders", headers=manager).json()["orders"]
    assert len(listed) == 2
    _, oldest = listed
    page = client.get("/api/v1/orders?limit=1&offset=1", headers=manager).json()["orders"]
    assert [row["number"] for row in page] == [oldest["number"]]
    quoted = client.get("/api/v1/orders?status=quoted", headers=manager).json()["orders"]
    assert len(quoted) == 2
    assert client.get("/api/v1/orders?status=closed", headers=manager).json()["orders"] == []
    whole = client.get(f"/api/v1/orders/{oldest['number']}", headers=manager).json()
    assert [line["sku"] for line in whole["lines"]] == ["BPW-0310"]
    assert [line["sku"] for line in whole["rejected"]] == ["WABCO-4324"]
    assert [step["status"] for step in whole["transitions"]] == ["quoted"]
    assert whole["outbox"][0]["kind"] == "quote"


def test_a_supplier_sees_only_its_orders_and_lines(app: App, client: TestClient) -> None:
    mine = key(app, f"supplier:{SUPPLIER}")
    listed = client.get("/api/v1/orders", headers=mine).json()["orders"]
    assert len(listed) == 2
    order = client.get(f"/api/v1/orders/{listed[1]['number']}", headers=mine).json()
    assert set(order) == {"number", "status", "currency", "created_at", "lines", "suppliers"}
    assert [line["sku"] for line in order["lines"]] == ["BPW-0310"]
    other = key(app, f"supplier:{OTHER_SUPPLIER}")
    assert client.get("/api/v1/orders", headers=other).json()["orders"] == []
    hidden = client.get(f"/api/v1/orders/{listed[1]['number']}", headers=other)
    missing = client.get("/api/v1/orders/ORD-2099-999999", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == f"no order {listed[1]['number']}"


def test_other_roles_may_not_look_at_orders(app: App, client: TestClient) -> None:
    for role in ("shop", "pos", "call_centre", "marketing", "monitoring"):
        assert client.get("/api/v1/orders", headers=key(app, role)).status_code == 403
    assert client.get("/api/v1/orders").status_code == 401


def test_a_client_sees_its_own_orders_whole_and_no_one_elses(app: App, client: TestClient) -> None:
    fleet = key(app, "client:buying@fleetparts.example")
    mine = client.get("/api/v1/orders", headers=fleet).json()["orders"]
    assert len(mine) == 2
    whole = client.get(f"/api/v1/orders/{mine[0]['number']}", headers=fleet).json()
    assert whole["transitions"][0]["status"] == "quoted"
    assert [m["kind"] for m in whole["outbox"]] == ["quote"]
    assert len(whole["messages"]) == 1
    # Asking for another client's orders by filter changes nothing: the key's own scope wins.
    vector = key(app, "client:zakaz@vector-trans.example")
    assert client.get("/api/v1/orders", headers=vector).json()["orders"] == []
    theirs = client.get("/api/v1/orders?client=buying@fleetparts.example", headers=vector).json()[
        "orders"
    ]
    assert theirs == []
    assert client.get(f"/api/v1/orders/{mine[0]['number']}", headers=vector).status_code == 404
    with pytest.raises(Exception, match="not a registered client"):
        key(app, f"client:{SUPPLIER}")


def test_a_client_sees_its_own_mail_about_an_order_not_the_order_files(app: App) -> None:
    """Agreed, the order goes to its supplier as an order file: the manager sees that mail,
    the client only the mail between it and mailbot."""
    seed_demo(app)
    number = agree_and_send(app)
    with TestClient(create_app(app)) as http:
        manager = http.get(f"/api/v1/orders/{number}", headers=key(app, "manager")).json()
        fleet = key(app, "client:buying@fleetparts.example")
        theirs = http.get(f"/api/v1/orders/{number}", headers=fleet).json()
    assert SUPPLIER in {mail["recipient"] for mail in manager["outbox"]}
    assert SUPPLIER not in {mail["recipient"] for mail in theirs["outbox"]}
    assert {mail["recipient"] for mail in theirs["outbox"]} == {"buying@fleetparts.example"}
    assert len(theirs["messages"]) == 2  # the order and the AGREE


def test_a_manager_corrects_the_matrix_with_a_reason_and_it_is_recorded(app: App) -> None:
    """The shipping method and the day of a supplier's shipment, corrected over HTTP: the
    part shows them, the status does not move, and the correction is an event with the old
    and new values, the reason and the key; a supplier may not, a bad value is 422."""
    seed_demo(app)
    number = agree_and_send(app)
    matrix = f"/api/v1/orders/{number}/matrix"
    correction = {"supplier": SUPPLIER, "field": "ship_method", "value": "DHL", "reason": "phone"}
    with TestClient(create_app(app)) as http:
        manager = key(app, "manager")
        corrected = http.patch(matrix, json=correction, headers=manager)
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["ship_method"] == "DHL"
        day = {**correction, "field": "ship_date", "value": "2026-12-01"}
        assert http.patch(matrix, json=day, headers=manager).json()["ship_date"] == "2026-12-01"
        local = {**correction, "field": "confirmed_at", "value": "2026-12-01T10:00:00"}
        assert http.patch(matrix, json=local, headers=manager).status_code == 422
        other = {**correction, "supplier": OTHER_SUPPLIER}
        assert http.patch(matrix, json=other, headers=manager).status_code == 404
        supplier = key(app, f"supplier:{SUPPLIER}")
        assert http.patch(matrix, json=correction, headers=supplier).status_code == 403
        whole = http.get(f"/api/v1/orders/{number}", headers=manager).json()
    assert whole["status"] == "sent"
    with app.uow() as uow:
        first, second = uow.events.listed(kind="order.matrix_corrected")
    assert first.payload["before"] == ""
    assert (first.payload["after"], first.payload["reason"]) == ("DHL", "phone")
    assert first.payload["by"] == "manager (HTTP API)"
    assert second.payload["after"] == "2026-12-01"
