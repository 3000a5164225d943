"""The cabinet in a real browser (Debian's Chromium driven by Playwright) on real uvicorn over
loopback: a client signs in through the link it receives by mail and agrees its quote (in
English), the supplier confirms part of it and uploads a price list (in Romanian), the client
sees that and opens its price list page, and a manager corrects the shipping method, reads the
new list's changes, then reads a quarantined message with hostile HTML (no script of it runs),
retries it and opens the outbox (in Russian). Every page is checked at 1280 px and at 390 px
(nothing wider than the window) and by axe-core (no serious or critical violation), and saved as
a screenshot under `.artefacts/cabinet/`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import PRICE_LIST, SUPPLIER, seed_demo
from mailbot.http.server import HttpServer
from mailbot.services.partners.registry import add_partner
from tests.cabinet import link_for
from tests.lifecycle import CLIENT, quote
from tests.mail import mail
from tests.pipeline import ingest
from tests.servers import free_port

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1280, 390)
MANAGER = "desk@distributor.example"
ARTEFACTS = Path(__file__).resolve().parents[2] / ".artefacts" / "cabinet"
AXE = Axe()
# The demo list with one price changed and one row without a price.
NEW_LIST = (PRICE_LIST.replace("84.00", "88.00") + "NO-PRICE;Bolt;BPW;brakes;;EUR;1\n").encode()

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def cabinet(config: Config, app: App) -> Iterator[tuple[App, str]]:
    port = free_port()
    http = config.http.model_copy(update={"enabled": True, "port": port})
    served = bootstrap(config.model_copy(update={"http": http}), engine=app.engine, clock=app.clock)
    seed_demo(served)
    add_partner(
        served.uow, name="Отдел заказов", role="manager", addresses=[MANAGER], language="ru",
        group="", currency="EUR", now=served.clock.now(),
    )  # fmt: skip
    server = HttpServer(served)
    server.start()
    try:
        yield served, f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def look(page: Page, name: str) -> None:
    """The page fits 1280 and 390 px without scrolling sideways, axe finds nothing serious,
    and a screenshot of each width is kept."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"{name} at {width} px is {sizes[0]} px wide"
        page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"), full_page=True)
    found = AXE.run(page).response["violations"]
    serious = [v["id"] for v in found if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"


def signed_in(chromium: Browser, app: App, base: str, address: str, name: str) -> Page:
    """A new browser that asks for a link as `address`, opens the one mailed and signs in."""
    page = chromium.new_context(bypass_csp=True).new_page()  # bypass: only for axe's script
    page.goto(f"{base}/sign-in")
    look(page, f"{name}-sign-in")
    page.fill("#address", address)
    page.click("form button[type=submit]")
    look(page, f"{name}-link-sent")
    page.goto(base + link_for(app, address))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/orders")
    look(page, f"{name}-orders")
    return page


def test_an_order_steered_from_the_cabinet_in_three_languages(
    cabinet: tuple[App, str], chromium: Browser
) -> None:
    app, base = cabinet
    number = quote(app)

    client = signed_in(chromium, app, base, CLIENT, "client-en")
    client.click(f"text={number}")
    look(client, "client-en-quote")
    client.click("button:has-text('Agree')")
    client.wait_for_selector(".done")
    assert "sent to suppliers" in client.inner_text("dl.facts")
    look(client, "client-en-agreed")

    supplier = signed_in(chromium, app, base, SUPPLIER, "supplier-ro")
    supplier.click(f"text={number}")
    supplier.fill("input[name='q:SAF-2234']", "3")
    supplier.click("button:has-text('Confirmă')")
    supplier.wait_for_selector(".done")
    assert "confirmat parțial" in supplier.inner_text("main")
    look(supplier, "supplier-ro-partial")
    supplier.click("header a[href='/pricelists']")
    look(supplier, "supplier-ro-pricelists")
    upload = {"name": "preturi.csv", "mimeType": "text/csv", "buffer": NEW_LIST}
    supplier.set_input_files("input[type=file]", upload)
    supplier.click("main form button[type=submit]")
    supplier.wait_for_selector(".done")
    assert "NO-PRICE" in supplier.inner_text("main")  # its rejected row, with the reason
    look(supplier, "supplier-ro-report")

    client.reload()
    assert "partly confirmed" in client.inner_text("main")
    row = client.locator("tr", has_text="SAF-2234").inner_text()
    assert re.search(r"\b3\b", row), row
    client.click("header a[href='/account']")
    assert number in client.inner_text("main")  # the debit of its AGREE
    look(client, "client-en-account")
    client.click("header a[href='/prices']")
    look(client, "client-en-prices")

    manager = signed_in(chromium, app, base, MANAGER, "manager-ru")
    manager.click(f"text={number}")
    correction = manager.locator("form[action$='/matrix']")
    correction.locator("select[name=field]").select_option("shipped_at")
    correction.locator("input[name=value]").fill("2026-11-20T16:45:00+02:00")
    correction.locator("input[name=reason]").fill("по телефону")
    correction.locator("button").click()
    manager.wait_for_selector(".done")
    assert "16:45" in manager.inner_text("main")  # the corrected shipping time, in Bucharest
    look(manager, "manager-ru-corrected")
    manager.click("header a[href='/dashboard']")
    look(manager, "manager-ru-dashboard")
    manager.click("header a[href='/pricelists']")
    look(manager, "manager-ru-pricelists")
    manager.click("main table a >> nth=0")  # the version the supplier just uploaded
    assert "88" in manager.locator("tr", has_text="BPW-0310").inner_text()
    look(manager, "manager-ru-pricelist")

    hostile = mail(
        sender=CLIENT,
        subject="Hello",
        body="",
        html='<p>Hi</p><script>alert(1)</script><img src="x" onerror="alert(2)">',
        attachments=[("a.html", "text/html", b"x")],
    )
    held, outcome = ingest(app, hostile.replace(f"From: {CLIENT}".encode(), b"From: Nobody", 1))
    assert outcome.status == "quarantined"
    dialogs: list[str] = []
    manager.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    manager.click("header a[href='/quarantine']")
    look(manager, "manager-ru-quarantine")
    manager.click(f"a[href='/quarantine/{held}']")
    manager.click("details summary")  # the HTML source, shown as text
    assert "<script>alert(1)</script>" in manager.inner_text("details")
    look(manager, "manager-ru-quarantined")
    manager.click("button:has-text('Обработать заново')")
    manager.wait_for_selector(".done")
    manager.click("header a[href='/outbox']")
    look(manager, "manager-ru-outbox")
    manager.click("main table a >> nth=0")
    look(manager, "manager-ru-outgoing")
    assert dialogs == []  # the page bypasses the CSP for axe, yet no script of the mail ran
