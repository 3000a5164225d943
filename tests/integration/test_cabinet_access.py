"""Who may open each page of the cabinet: every route for a manager, the order's client,
another client, the order's supplier, another supplier and a signed-out visitor. What is not
a reader's is 404, as what does not exist; a signed-out visitor is sent to sign in; a form
posted without the reader's CSRF token does nothing (403)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.http.app import create_app
from mailbot.services.partners.registry import add_partner
from tests.cabinet import sign_in
from tests.lifecycle import CLIENT, agree_and_send

OTHER_CLIENT = "zakaz@vector-trans.example"
OTHER_SUPPLIER = "sales@other-parts.example"
MANAGER = "manager@distributor.example"
READERS = ("manager", "client", "other client", "supplier", "other supplier", "signed out")
ADDRESSES = {
    "manager": MANAGER,
    "client": CLIENT,
    "other client": OTHER_CLIENT,
    "supplier": SUPPLIER,
    "other supplier": OTHER_SUPPLIER,
}
OUT = 303  # sent to the sign-in page

# route → the status each reader gets, in the order of READERS; {number}, {client},
# {pricelist}, {message} and {mail} are filled in with the order, its client's partner id, the
# supplier's list, the client's first message and the order file mailed to the supplier.
GETS: dict[str, tuple[int, ...]] = {
    "/orders": (200, 200, 200, 200, 200, OUT),
    "/orders/{number}": (200, 200, 404, 200, 404, OUT),
    "/dashboard": (200, 404, 404, 404, 404, OUT),
    "/account": (404, 200, 200, 404, 404, OUT),
    "/codes": (404, 200, 200, 404, 404, OUT),
    "/partners": (200, 404, 404, 404, 404, OUT),
    "/partners/{client}": (200, 404, 404, 404, 404, OUT),
    "/vouchers": (200, 404, 404, 404, 404, OUT),
    "/pricelists": (200, 404, 404, 200, 200, OUT),
    "/pricelists/{pricelist}": (200, 404, 404, 200, 404, OUT),
    "/prices": (404, 200, 200, 404, 404, OUT),
    "/prices/xlsx": (404, 200, 200, 404, 404, OUT),
    "/quarantine": (200, 404, 404, 404, 404, OUT),
    "/quarantine/{message}": (200, 404, 404, 404, 404, OUT),
    "/quarantine/{message}/files/1": (404, 404, 404, 404, 404, OUT),  # the order has no file
    "/outbox": (200, 404, 404, 404, 404, OUT),
    "/outbox/{mail}": (200, 404, 404, 404, 404, OUT),
    "/outbox/{mail}/files/1": (200, 404, 404, 404, 404, OUT),
}
# form → the status each signed-in reader's post gets with its own CSRF token (nothing that
# would change the order is let through to another partner).
POSTS: dict[str, tuple[int, ...]] = {
    "/orders/{number}/agree": (404, 409, 404, 404, 404),
    "/orders/{number}/confirmation": (404, 404, 404, 200, 404),
    "/orders/{number}/matrix": (200, 404, 404, 404, 404),
    "/partners/{client}/payments": (200, 404, 404, 404, 404),
    "/pricelists/{pricelist}/reject": (409, 404, 404, 404, 404),  # the supplier's list is active
    "/quarantine/{message}/retry": (409, 404, 404, 404, 404),  # it was processed
    "/outbox/{mail}/retry": (200, 404, 404, 404, 404),  # pending: made due now
    "/outbox/{mail}/cancel": (200, 404, 404, 404, 404),
}
FORMS = {
    "/orders/{number}/confirmation": {"q:BPW-0310": "2"},
    "/orders/{number}/matrix": {
        "supplier": SUPPLIER,
        "field": "ship_method",
        "value": "DPD",
        "reason": "phone",
    },
    "/partners/{client}/payments": {"amount": "1"},
    "/pricelists/{pricelist}/reject": {"reason": "checked"},
}


@pytest.fixture
def world(app: App) -> Iterator[tuple[App, dict[str, str], dict[str, tuple[TestClient, str]]]]:
    seed_demo(app)
    add_partner(
        app.uow, name="Other Parts", role="supplier", addresses=[OTHER_SUPPLIER],
        language="en", group="", currency="EUR", now=app.clock.now(),
    )  # fmt: skip
    number = agree_and_send(app)
    with app.uow() as uow:
        client = uow.partners.by_address(CLIENT)
        assert client is not None
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        ((version, _),) = uow.versions.newest(supplier.id)
        (order_file,) = [mail for mail in uow.sent.list() if mail.recipient == SUPPLIER]
        values = {
            "number": number,
            "client": str(client.id),
            "pricelist": str(version.id),
            "message": str(uow.inbox.with_status(None)[-1].id),
            "mail": str(order_file.id),
        }
    browsers: dict[str, tuple[TestClient, str]] = {}
    for reader, address in ADDRESSES.items():
        browser = TestClient(create_app(app))
        browsers[reader] = (browser, sign_in(browser, app, address))
    browsers["signed out"] = (TestClient(create_app(app)), "")
    yield app, values, browsers
    for browser, _ in browsers.values():
        browser.close()


def test_every_page_answers_each_reader_as_it_should(
    world: tuple[App, dict[str, str], dict[str, tuple[TestClient, str]]],
) -> None:
    _, values, browsers = world
    for route, expected in GETS.items():
        path = route.format(**values)
        got = tuple(
            browsers[reader][0].get(path, follow_redirects=False).status_code for reader in READERS
        )
        assert (route, dict(zip(READERS, got, strict=True))) == (
            route,
            dict(zip(READERS, expected, strict=True)),
        )


def test_every_form_answers_each_reader_as_it_should(
    world: tuple[App, dict[str, str], dict[str, tuple[TestClient, str]]],
) -> None:
    _, values, browsers = world
    signed_in = READERS[:-1]
    for route, expected in POSTS.items():
        path, form = route.format(**values), FORMS.get(route, {})
        forged = browsers["manager"][0].post(path, data={**form, "csrf": "forged"})
        assert (route, forged.status_code) == (route, 403)
        got = tuple(
            browsers[reader][0].post(path, data={**form, "csrf": browsers[reader][1]}).status_code
            for reader in signed_in
        )
        assert (route, dict(zip(signed_in, got, strict=True))) == (
            route,
            dict(zip(signed_in, expected, strict=True)),
        )
        out = browsers["signed out"][0].post(path, data=form, follow_redirects=False)
        assert (route, out.status_code) == (route, OUT)
