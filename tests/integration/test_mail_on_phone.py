"""Every HTML mail, read in a real browser (Debian's Chromium through Playwright) on a phone
(390 px) and on a desktop (1024 px): nothing cut off or scrolled sideways, every amount whole
on the screen, every SKU on one line. Checked as written and with the <style> block dropped,
as some mail clients do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from mailbot.outbound.render import Renderer
from tests.phone_mails import SKUS, VARIANTS, context, mail_names

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1024, "height": 768}
LANGUAGES = ("en", "ru", "ro")
STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)

# What the page reports: its width, and where each amount and each SKU landed. An amount is
# found in the text (en "MDL1,234,567.89", ru "1 234 567,89 MDL", ro "1.234.567,89 MDL"), so
# none can hide from the check; SKUs are the elements marked with the class `sku`, and every
# occurrence of a known SKU in the text must be inside one.
MEASURE = r"""
(skus) => {
  const money = /[−-]?(?:MDL[−-]?\d[\d.,\u00a0\u202f]*\d|\d[\d.,\u00a0\u202f]*\d\u00a0MDL)/g;
  // The line boxes a range lies on: its rectangles, sorted by top, start a new line where one
  // lies wholly below the line before (rectangles of one line overlap vertically).
  const place = (range) => {
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    rects.sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 1) lines += 1;
      bottom = Math.max(bottom, r.bottom);
    }
    return {
      lines: lines,
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
    };
  };
  const amounts = [];
  const unmarked = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(money)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      amounts.push({text: match[0], ...place(range)});
    }
    for (const sku of skus) {
      if (node.data.includes(sku) && !node.parentElement.closest(".sku")) {
        unmarked.push(sku + " in: " + node.data.slice(0, 80));
      }
    }
  }
  const marked = [...document.querySelectorAll(".sku")].map((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return {text: element.textContent, ...place(range)};
  });
  return {
    width: document.documentElement.scrollWidth,
    amounts: amounts,
    skus: marked,
    unmarked: unmarked,
  };
}
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session: Debian's, never a downloaded build."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One tab, reused: each check loads its mail into it at the width it needs."""
    tab = browser.new_page(viewport=PHONE)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(None, "Europe/Chisinau")


def cases() -> list[Any]:
    return [
        pytest.param(name, language, variant, id=f"{name}-{index}-{language}")
        for name in mail_names()
        for index, variant in enumerate(VARIANTS.get(name, [{}]))
        for language in LANGUAGES
    ]


def measure(page: Page, html: str, viewport: dict[str, int]) -> dict[str, Any]:
    page.set_viewport_size(viewport)
    page.set_content(html)
    result: dict[str, Any] = page.evaluate(MEASURE, list(SKUS))
    return result


def test_every_mail_kind_is_checked() -> None:
    """The mails checked are all the packaged HTML templates, so a new mail cannot be missed."""
    names = mail_names()
    assert "quote" in names
    assert "digest" in names
    assert len(names) >= 20


@pytest.mark.parametrize(("name", "language", "variant"), cases())
def test_mail_reads_on_a_phone_and_a_desktop(
    page: Page, renderer: Renderer, name: str, language: str, variant: dict[str, object]
) -> None:
    """At 390 and 1024 px, with and without the <style> block: no sideways scrolling, every
    amount whole and inside the screen, every SKU marked, on one line and inside the screen."""
    html = renderer.render(name, language, {**context(language), **variant}).html
    for label, document in (("styled", html), ("unstyled", STYLE.sub("", html))):
        for viewport in (PHONE, DESKTOP):
            width = viewport["width"]
            where = f"{name} {language} {label} at {width} px"
            found = measure(page, document, viewport)
            assert found["width"] <= width, f"{where}: scrolls sideways ({found['width']} px)"
            assert not found["unmarked"], f"{where}: SKUs not marked: {found['unmarked']}"
            for amount in found["amounts"]:
                assert amount["left"] >= 0, f"{where}: {amount}"
                assert amount["right"] <= width, f"{where}: amount cut off: {amount}"
                assert amount["lines"] == 1, f"{where}: amount broken: {amount}"
            for sku in found["skus"]:
                assert sku["right"] <= width, f"{where}: SKU cut off: {sku}"
                assert sku["lines"] == 1, f"{where}: SKU broken over lines: {sku}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_quote_shows_every_amount_and_sku(
    page: Page, renderer: Renderer, language: str
) -> None:
    """The quote's check is not empty: its line totals, totals and every SKU it lists are
    found on the phone's screen."""
    html = renderer.render("quote", language, context(language)).html
    found = measure(page, html, PHONE)
    shown = {sku["text"] for sku in found["skus"]}
    assert {SKUS[0], SKUS[1], SKUS[2], SKUS[3], SKUS[4]} <= shown
    assert len(found["amounts"]) >= 4 * 2 + 5
