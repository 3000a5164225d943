"""Price lists in the web cabinet, in process: a supplier uploads its list and reads the
import report (a broken file changes nothing), a manager sees every supplier's versions and
releases or rejects a held one, recorded with who acted and why, and a client downloads its
own price list as the PRICES mail attaches it; each route for each role, another partner of
the same role, and a signed-out visitor."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.http.app import create_app
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.export import price_list_files
from tests.cabinet import sign_in
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import CLIENT
from tests.pipeline import outbox

OWN_SUPPLIER = "sales@other-parts.example"  # an English-speaking supplier without a list yet
OTHER_CLIENT = "zakaz@vector-trans.example"
MANAGER = "manager@distributor.example"
FIRST = b"sku;name;price\nP-1;Pad;10.00\nP-2;Drum;20.00\nP-3;Disc;abc\nP-4;Hose;40.00\n"
TENFOLD = b"sku;name;price\nP-1;Pad;100.00\nP-2;Drum;200.00\nP-5;Belt;50.00\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seeded(app: App) -> App:
    seed_demo(app)
    add_partner(
        app.uow, name="Other Parts", role="supplier", addresses=[OWN_SUPPLIER], language="en",
        group="", currency="EUR", now=app.clock.now(),
    )  # fmt: skip
    return app


@pytest.fixture
def people(app: App) -> App:
    return seeded(app)


def browser_for(app: App, address: str) -> tuple[TestClient, str]:
    """A browser signed in as `address`, and its forms' CSRF token."""
    client = TestClient(create_app(app))
    return client, sign_in(client, app, address)


@pytest.fixture
def supplier(people: App) -> Iterator[tuple[TestClient, str]]:
    client, csrf = browser_for(people, OWN_SUPPLIER)
    with client:
        yield client, csrf


def upload(
    browser: TestClient, csrf: str, payload: bytes, name: str = "list.csv"
) -> tuple[int, str]:
    answer = browser.post(
        "/pricelists", data={"csrf": csrf}, files={"file": (name, payload, "text/csv")}
    )
    return answer.status_code, answer.text


def versions_of(app: App, address: str) -> list[tuple[int, str]]:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        return [(v.id, v.status) for v, _ in uow.versions.newest(partner.id)]


def test_each_route_answers_only_its_readers(people: App) -> None:
    """Suppliers and managers see price lists, a supplier only its own versions; only a
    supplier uploads, only a manager decides, only a client downloads; the rest get 404, and
    a signed-out visitor is sent to sign in."""
    app = people
    own, own_csrf = browser_for(app, OWN_SUPPLIER)
    assert upload(own, own_csrf, FIRST)[0] == 200
    ((mine, _),) = versions_of(app, OWN_SUPPLIER)
    ((theirs, _),) = versions_of(app, SUPPLIER)
    readers = {
        "manager": browser_for(app, MANAGER),
        "client": browser_for(app, CLIENT),
        "supplier": (own, own_csrf),
        "another supplier": browser_for(app, SUPPLIER),
        "another client": browser_for(app, OTHER_CLIENT),
    }
    expected = {
        ("GET", "/pricelists"): {"manager": 200, "client": 404, "supplier": 200,
                                 "another supplier": 200, "another client": 404},
        ("GET", f"/pricelists/{mine}"): {"manager": 200, "client": 404, "supplier": 200,
                                         "another supplier": 404, "another client": 404},
        ("GET", f"/pricelists/{theirs}"): {"manager": 200, "client": 404, "supplier": 404,
                                           "another supplier": 200, "another client": 404},
        ("POST", f"/pricelists/{mine}/release"): {"manager": 409, "client": 404,
                                                  "supplier": 404, "another supplier": 404,
                                                  "another client": 404},
        ("POST", f"/pricelists/{mine}/reject"): {"manager": 409, "client": 404, "supplier": 404,
                                                 "another supplier": 404, "another client": 404},
        ("POST", "/pricelists"): {"manager": 404, "client": 404, "another client": 404},
        ("GET", "/prices"): {"manager": 404, "client": 200, "supplier": 404,
                             "another supplier": 404, "another client": 200},
        ("GET", "/prices/xlsx"): {"manager": 404, "client": 200, "supplier": 404,
                                  "another supplier": 404, "another client": 200},
        ("GET", "/prices/pdf"): {"manager": 404, "client": 404, "supplier": 404},
        ("GET", "/pricelists/99999"): {"manager": 404, "supplier": 404},
        ("GET", "/pricelists/v1"): {"manager": 404, "supplier": 404},
    }  # fmt: skip
    signed_out = TestClient(create_app(app))
    for (method, path), statuses in expected.items():
        for reader, status in statuses.items():
            browser, csrf = readers[reader]
            if method == "GET":
                answer = browser.get(path)
            else:
                files = {"file": ("x.csv", TENFOLD, "text/csv")}
                answer = browser.post(path, data={"csrf": csrf, "reason": "checked"}, files=files)
            assert answer.status_code == status, (method, path, reader, answer.text[:300])
        if method == "GET":
            away = signed_out.get(path, follow_redirects=False)
        else:
            away = signed_out.post(path, data={"csrf": "x", "reason": "x"}, follow_redirects=False)
        assert (away.status_code, away.headers.get("location")) == (303, "/sign-in"), path
    assert versions_of(app, OWN_SUPPLIER) == [(mine, "active")]  # nothing above changed it
    forged = own.post("/pricelists", data={"csrf": "forged"}, files={"file": ("x.csv", FIRST)})
    assert forged.status_code == 403
    manager, _ = readers["manager"]
    refused = manager.post(f"/pricelists/{mine}/reject", data={"csrf": "forged", "reason": "x"})
    assert refused.status_code == 403
    assert versions_of(app, OWN_SUPPLIER) == [(mine, "active")]


def test_an_upload_imports_the_list_and_shows_its_report(
    people: App, supplier: tuple[TestClient, str]
) -> None:
    """The rows are imported and applied at once (the first list), the row that could not be
    read is named with its row number and reason, and the history lists the version."""
    browser, csrf = supplier
    history = browser.get("/pricelists")
    assert 'enctype="multipart/form-data"' in history.text
    assert 'href="/pricelists"' in history.text  # the nav's link for a supplier
    status, page = upload(browser, csrf, FIRST, name="C:\\lists\\march.csv")
    assert status == 200
    assert "Rows imported</dt><dd>3<" in page
    assert "Rows rejected</dt><dd>1<" in page
    assert "row 4" in page  # the header is row 1: "P-3;Disc;abc" is row 4
    assert "P-3" in page
    assert "The price list is active now." in page
    assert "This is the first price list we have received from you." in page
    ((version, state),) = versions_of(people, OWN_SUPPLIER)
    assert state == "active"
    listed = browser.get("/pricelists").text
    assert f'href="/pricelists/{version}"' in listed
    assert "march.csv" in listed  # the name without the uploader's folders
    assert "active" in listed
    with people.uow() as uow:
        events = uow.events.listed(kind=EventType.PRICE_LIST_IMPORTED.value, price_list=version)
    assert [e.payload["by"] for e in events] == [f"{OWN_SUPPLIER} (cabinet)"]


def test_a_broken_file_gets_a_clear_report_and_loses_nothing(
    people: App, supplier: tuple[TestClient, str]
) -> None:
    browser, csrf = supplier
    assert upload(browser, csrf, FIRST)[0] == 200
    before = versions_of(people, OWN_SUPPLIER)
    status, page = upload(browser, csrf, b"PK\x03\x04 not really a workbook", name="list.xlsx")
    assert status == 422
    assert "What went wrong:" in page
    assert "the file could not be read" in page
    assert "nothing was changed: your active price list stays" in page
    status, page = upload(browser, csrf, b"sku;name;price\nA-1;Pad;-5\nA-2;Drum;\n")
    assert status == 422
    assert "These rows were not imported:" in page
    assert "row 2" in page
    assert "row 3" in page
    missing = browser.post("/pricelists", data={"csrf": csrf})
    assert missing.status_code == 422
    assert "Choose a price list file to upload." in missing.text
    assert versions_of(people, OWN_SUPPLIER) == before
    assert "Traceback" not in page


def test_an_upload_has_the_limits_of_a_mailed_list(
    config: Config, engine: Engine, transport: RecordingTransport, clock: FixedClock
) -> None:
    """No larger than the largest mail mailbot takes (`smtp_ingress.max_message_bytes`: larger
    is refused unread), and no more rows than `price_lists.max_rows`."""
    ingress = config.smtp_ingress.model_copy(update={"max_message_bytes": 1000})
    lists = config.price_lists.model_copy(update={"max_rows": 5})
    small = config.model_copy(update={"smtp_ingress": ingress, "price_lists": lists})
    app = seeded(bootstrap(small, engine=engine, transport=transport, clock=clock))
    browser, csrf = browser_for(app, OWN_SUPPLIER)
    rows = [b"P-%d;Pad;1.00\n" % n for n in range(200)]
    assert upload(browser, csrf, b"sku;name;price\n" + b"".join(rows))[0] == 413
    big = b"sku;name;price\n" + b"".join(b"P-%d;Pad;1.00\n" % n for n in range(20_000))
    status, page = upload(browser, csrf, big)
    assert status == 413
    assert "the most we take, so nothing was imported" in page
    status, page = upload(browser, csrf, b"sku;name;price\n" + b"".join(rows[:8]))
    assert status == 422
    assert "too many rows: at most 5 are read" in page
    assert versions_of(app, OWN_SUPPLIER) == []
    assert upload(browser, csrf, b"sku;name;price\n" + b"".join(rows[:3]))[0] == 200


def test_a_held_version_released_by_the_manager_becomes_active(
    people: App, supplier: tuple[TestClient, str]
) -> None:
    """Prices ten times as high are held; the manager, told by mail, sees the version with its
    changes, and releases it with a reason: it is active, and its history names the manager."""
    app = people
    browser, csrf = supplier
    upload(browser, csrf, FIRST)
    status, page = upload(browser, csrf, TENFOLD)
    assert status == 200
    assert "This price list has not been applied yet:" in page
    held, first = versions_of(app, OWN_SUPPLIER)
    assert (held[1], first[1]) == ("held", "active")
    assert [m.recipient for m in outbox(app) if m.kind == "pricelist_held"] == [MANAGER]
    manager, manager_csrf = browser_for(app, MANAGER)
    listed = manager.get("/pricelists", params={"supplier": OWN_SUPPLIER}).text
    assert f'href="/pricelists/{held[0]}"' in listed
    assert "Balkan Truck Parts" not in listed  # filtered to one supplier
    assert "Balkan Truck Parts" in manager.get("/pricelists").text
    page = manager.get(f"/pricelists/{held[0]}").text
    assert "held for review" in page
    assert "Changed prices: 2" in page  # the diff against the active list
    assert "New items: 1" in page
    assert "Items no longer listed: 1" in page
    assert "€100.00" in page  # P-1's new price beside its old one
    assert "€10.00" in page
    no_reason = manager.post(f"/pricelists/{held[0]}/release", data={"csrf": manager_csrf})
    assert no_reason.status_code == 422
    assert versions_of(app, OWN_SUPPLIER)[0][1] == "held"
    released = manager.post(
        f"/pricelists/{held[0]}/release",
        data={"csrf": manager_csrf, "reason": "new season prices, agreed by phone"},
    )
    assert released.status_code == 200
    assert "Done: the version is released and active now." in released.text
    assert "new season prices, agreed by phone" in released.text
    assert f"{MANAGER} (cabinet)" in released.text
    assert versions_of(app, OWN_SUPPLIER) == [(held[0], "active"), (first[0], "replaced")]
    with app.uow() as uow:
        (event,) = uow.events.listed(kind=EventType.PRICE_LIST_RELEASED.value)
        offers = {offer.sku: offer for _, offer in uow.prices.offers_in("EUR")}
    assert event.payload["by"] == f"{MANAGER} (cabinet)"
    assert event.payload["reason"] == "new season prices, agreed by phone"
    assert offers["P-1"].price == Money(Decimal("100.00"), "EUR")
    again = manager.post(
        f"/pricelists/{held[0]}/reject", data={"csrf": manager_csrf, "reason": "too late"}
    )
    assert again.status_code == 409
    assert "not held" in again.text


def test_a_rejected_version_leaves_the_active_list(
    people: App, supplier: tuple[TestClient, str]
) -> None:
    app = people
    browser, csrf = supplier
    upload(browser, csrf, FIRST)
    upload(browser, csrf, TENFOLD)
    held, first = versions_of(app, OWN_SUPPLIER)
    manager, manager_csrf = browser_for(app, MANAGER)
    rejected = manager.post(
        f"/pricelists/{held[0]}/reject", data={"csrf": manager_csrf, "reason": "a typo, surely"}
    )
    assert rejected.status_code == 200
    assert "Done: the version is rejected; the active list stays." in rejected.text
    assert versions_of(app, OWN_SUPPLIER) == [(held[0], "rejected"), (first[0], "active")]
    assert "a typo, surely" in browser.get(f"/pricelists/{held[0]}").text  # the supplier sees why


def test_the_clients_download_is_a_spreadsheet_with_its_prices(people: App) -> None:
    """The file a PRICES mail attaches: the same rows, the client's own prices."""
    app = people
    browser, _ = browser_for(app, CLIENT)
    page = browser.get("/prices")
    assert 'href="/prices/xlsx"' in page.text
    assert 'href="/prices"' in page.text  # the nav's link for a client
    answer = browser.get("/prices/xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == 'attachment; filename="prices-2026-11-20.xlsx"'
    with app.uow() as uow:
        client = uow.partners.by_address(CLIENT)
        assert client is not None
        mailed = price_list_files(uow, client, app.rules.pricing, now=app.clock.now())
    downloaded = rows_of(answer.content)
    assert downloaded == rows_of(mailed.files[0].payload)
    header, *rows = downloaded
    assert header[0] == "SKU"
    assert "BPW-0310" in [row[0] for row in rows]
    assert len(rows) == mailed.items == 6


def rows_of(payload: bytes) -> list[list[object]]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(payload)).get_sheet_by_index(0)
    return [list(row) for row in sheet.to_python(skip_empty_area=False)]
