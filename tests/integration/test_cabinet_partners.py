"""A manager's partner pages: the list, adding a partner, editing it, cutting it off and taking
it back, and booking a client's payment; nobody else may look (404)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.http.app import create_app
from tests.cabinet import sign_in
from tests.lifecycle import CLIENT

MANAGER = "manager@distributor.example"  # the demo's manager


@pytest.fixture
def manager(app: App) -> Iterator[tuple[TestClient, str]]:
    seed_demo(app)
    with TestClient(create_app(app)) as client:
        yield client, sign_in(client, app, MANAGER)


def partner_id(app: App, address: str) -> int:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        return partner.id


def test_only_a_manager_sees_the_partners(app: App, manager: tuple[TestClient, str]) -> None:
    browser, _ = manager
    assert CLIENT in browser.get("/partners").text
    assert SUPPLIER not in browser.get("/partners?role=client").text
    fleet = partner_id(app, CLIENT)
    assert browser.get(f"/partners/{fleet}").status_code == 200
    assert browser.get("/partners/999999").status_code == 404
    for address in (CLIENT, SUPPLIER):
        with TestClient(create_app(app)) as other:
            csrf = sign_in(other, app, address)
            assert other.get("/partners").status_code == 404
            assert other.get(f"/partners/{fleet}").status_code == 404
            paid = other.post(f"/partners/{fleet}/payments", data={"csrf": csrf, "amount": "5"})
            assert paid.status_code == 404
    with TestClient(create_app(app)) as stranger:
        assert stranger.get("/partners", follow_redirects=False).status_code == 303


def test_a_manager_adds_edits_and_cuts_off_a_partner(
    app: App, manager: tuple[TestClient, str]
) -> None:
    browser, csrf = manager
    new = {
        "csrf": csrf, "name": "Nord Fleet", "role": "client", "address": "buy@nord.example",
        "language": "ro", "currency": "EUR", "group": "fleet",
    }  # fmt: skip
    added = browser.post("/partners", data=new)
    assert added.status_code == 200
    assert "Done: the partner is added." in added.text
    again = browser.post("/partners", data=new)
    assert again.status_code == 422  # the address is taken
    nord = partner_id(app, "buy@nord.example")
    edit = {
        "csrf": csrf, "name": "Nord Fleet SRL", "language": "ro", "group": "fleet",
        "credit_limit": "1000", "timezone": "Europe/Chisinau", "contract_end": "",
        "add_address": "orders@nord.example", "remove_address": "",
    }  # fmt: skip
    saved = browser.post(f"/partners/{nord}", data=edit)
    assert "Done: the changes are saved." in saved.text
    bad = browser.post(f"/partners/{nord}", data={**edit, "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "Mars/Olympus" in bad.text
    with app.uow() as uow:
        partner = uow.partners.get(nord)
        assert partner is not None
        assert (partner.name, str(partner.credit_limit)) == ("Nord Fleet SRL", "1000")
        assert partner.timezone == "Europe/Chisinau"
        assert {a.address for a in partner.addresses} == {"buy@nord.example", "orders@nord.example"}
        (event,) = uow.events.listed(kind="partner.changed")
    assert event.payload["by"] == f"{MANAGER} (cabinet)"
    cut = browser.post(f"/partners/{nord}/deactivate", data={"csrf": csrf})
    assert "Done: the partner is cut off." in cut.text
    back = browser.post(f"/partners/{nord}/reactivate", data={"csrf": csrf})
    assert "Done: the partner is taken back." in back.text


def test_a_manager_books_a_clients_payment(app: App, manager: tuple[TestClient, str]) -> None:
    browser, csrf = manager
    fleet = partner_id(app, CLIENT)
    paid = browser.post(
        f"/partners/{fleet}/payments", data={"csrf": csrf, "amount": "150.50", "note": "bank"}
    )
    assert "Done: the payment is booked." in paid.text
    assert re.search(r"150[.,]50", paid.text)
    refused = browser.post(f"/partners/{fleet}/payments", data={"csrf": csrf, "amount": "-3"})
    assert refused.status_code == 422
    with app.uow() as uow:
        (entry,) = uow.events.listed(kind="ledger.entry_booked")
    assert entry.payload["by"] == f"{MANAGER} (cabinet)"
    supplier = partner_id(app, SUPPLIER)
    assert "Book the payment" not in browser.get(f"/partners/{supplier}").text
