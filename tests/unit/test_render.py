"""Rendering replies: languages, locale formatting, escaping, fallbacks and overrides."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.money import Money
from mailbot.domain.quotes import Quote, QuotedLine
from mailbot.outbound.formatting import Formatter, locale_for
from mailbot.outbound.phrases import REASONS
from mailbot.outbound.render import Renderer, RenderError
from mailbot.services.orders.supplier_orders import Problem
from mailbot.services.outbox.reply_limits import HeldReply

LANGUAGES = ("en", "ru", "ro")
TEMPLATES = (
    "quote",
    "no_order",
    "pricelist_report",
    "not_understood",
    "pricelist_held",
    "pricelist_stale",
    "order_answer",
    "balance",
    "order_file",
    "supplier_answer",
    "order_held",
    "reply_digest",
    "address_bouncing",
    "mail_undeliverable",
    "deadline_reminder",
    "deadline_escalation",
    "quote_expired",
    "contract_ended",
    "partner_cutoff",
    "digest",
)
RECEIVED = datetime(2024, 3, 5, 14, 7, tzinfo=UTC)
NBSP = "\xa0"


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def quoted(sku: str, name: str, quantity: int, price: str) -> QuotedLine:
    unit = eur(price)
    return QuotedLine(sku, name, quantity, unit, (unit * quantity).rounded(), 1, Origin("o.csv", 2))


def make_quote(*lines: QuotedLine, rejected: tuple[RejectedLine, ...] = ()) -> Quote:
    return Quote(currency="EUR", lines=lines, rejected=rejected)


STOCK = RejectedLine(Origin("body", 2), Rejection.INSUFFICIENT_STOCK, "ABC-9", "10", "3")
UNKNOWN = RejectedLine(Origin("order.csv", 4), Rejection.UNKNOWN_SKU, "QQ-1", "3")
QUOTE = make_quote(quoted("ABC-1", "Widget", 2, "617.25"), rejected=(UNKNOWN, STOCK))
STEP = {
    "status": "agreed",
    "step": "agreed",
    "at": RECEIVED,
    "role": "client",
    "actor": "Acme Ltd",
    "note": "",
}
COMPARED = {
    "sku": "ABC-1",
    "name": "Widget",
    "ordered": 4,
    "confirmed": 3,
    "quantity": 4,
    "order": "ORD-2026-000042",  # the cut-off notice lists lines by order
}
# What the order mails read, with outcomes both the client's and the supplier's mails have.
ORDER_CONTEXT: dict[str, object] = {
    "outcome": "accepted",
    "order_status": "sent",
    "steps": [STEP],
    "shipments": [{"date": date(2024, 3, 9), "method": "DHL"}],
    "lines": [COMPARED],
    "orders": [],
    "owed": eur("120.50"),
    "in_credit": eur("0"),
    "credit_limit": eur("1000"),
    "entries": [{"at": RECEIVED, "kind": "debit", "amount": eur("120.50"), "note": "order"}],
    "confirm_by": None,
    "files": ["ORD-000042.xlsx", "ORD-000042.csv"],
    "cancelled": False,
    "refusals": [],
    "part_status": "partial",
    "ship_date": date(2024, 3, 9),
    "ship_method": "DHL",
    "client_name": "Fleet Parts",
    "client_address": "buying@fleet.example",
}
DAMAGED = RejectedLine(Origin("order.xlsx", 0), Rejection.UNREADABLE_FILE, detail="not a zip")


def context(quote: Quote = QUOTE, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "partner_name": "Acme Ltd",
        "order_number": "ORD-000042",
        "quote": quote,
        "total": quote.total,
        "received_at": RECEIVED,
        "rejected": [UNKNOWN],
        "problems": [DAMAGED],
        "filename": "prices.xlsx",
        "imported": 120,
        "changes": None,
        "held": (),
        "days": 14,
        "suppliers": [
            {
                "name": "Acme Supply",
                "address": "sales@acme.example",
                "imported_at": RECEIVED,
                "age_days": 20,
                "source": "prices.xlsx",
            }
        ],
        "supplier_name": "Balkan Parts",
        "supplier_address": "sales@balkan.example",
        "version_id": 7,
        "replies": [HeldReply("Quote ORD-000042", "Dear Acme Ltd,\n<b>2 lines</b>", RECEIVED)],
        "address": "buying@acme.example",
        "failed_recipient": "buying@acme.example",
        "status": "5.1.1",
        "holder": "Acme Ltd",
        "subject": "Quote ORD-000042",
        "sent_at": RECEIVED,
        "suppress_after": 3,
        "outbound_id": 12,
        "written_at": RECEIVED,
        "error": "relay refused buying@acme.example: 550 5.1.1 no such user",
        "permanent": True,
        "kind": "client_agreement",
        "due_at": RECEIVED,
        "example_day": date(2024, 3, 5),
        "party_name": "Balkan Parts",
        "party_address": "sales@balkan.example",
        "cut_name": "Balkan Parts",
        "cut_address": "sales@balkan.example",
        "cut_role": "supplier",
        "cut_at": RECEIVED,
        "reason": "contract_end",
        "orders": [{"number": "ORD-2026-000042", "status": "quoted", "total": eur("10")}],
        "lines": [{"order": "ORD-2026-000042", "sku": "ABC-1", "quantity": 2}],
        "since": RECEIVED,
        "until": RECEIVED,
        "new_orders": [{"client": "Acme Ltd", "count": 2, "totals": [eur("12.50")]}],
        "new_count": 2,
        "waiting_clients": [],
        "waiting_suppliers": [],
        "overdue": [{"order": "ORD-1", "kind": "shipping", "party": "Balkan", "due_at": RECEIVED}],
        "vouchers": [],
        "imports": [],
        "quarantined_new": 1,
        "quarantined_total": 3,
        "outbound": [{"status": "sent", "count": 4}],
        "matrix_name": "orders-2024-03-05.xlsx",
        **ORDER_CONTEXT,
    }
    values.update(extra)
    return values


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(None, "Europe/Bucharest")


def test_every_rejection_has_words_in_every_language() -> None:
    """Each Rejection member has a message id, translated in ru and ro, so none can be forgotten."""
    assert set(REASONS) == set(Rejection)
    english = Formatter("en", UTC)
    for reason, phrase in REASONS.items():
        assert phrase.plain.strip(), reason
        assert not phrase.with_detail or "%(detail)s" in phrase.with_detail, reason
        for language in ("ru", "ro"):
            translated = Formatter(language, UTC).reason(reason)
            assert translated != english.reason(reason), (language, reason)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rejection_renders_through_the_filter(language: str) -> None:
    """The reason filter gives a sentence for every member, with or without a detail."""
    formatter = Formatter(language, UTC)
    for reason in Rejection:
        for detail in ("", "7"):
            text = formatter.reason(RejectedLine(Origin("body", 1), reason, "X", "y", detail))
            assert text
            assert reason.value not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "not enough in stock: only 3 available"),
        ("ru", "недостаточно на складе: в наличии только 3 шт."),
        ("ro", "stoc insuficient: doar 3 buc. disponibile"),
    ],
)
def test_insufficient_stock_names_the_available_quantity(language: str, expected: str) -> None:
    """insufficient_stock shows the detail as the quantity still available."""
    assert Formatter(language, UTC).reason(STOCK) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "unknown SKU"),
        ("ru", "артикул не найден"),
        ("ro", "cod necunoscut"),
    ],
)
def test_unknown_sku_in_each_language(language: str, expected: str) -> None:
    """unknown_sku reads naturally in each language."""
    assert Formatter(language, UTC).reason(UNKNOWN) == expected


def test_numeric_detail_is_formatted_for_the_locale() -> None:
    """A count in a detail uses the locale's grouping (10,000 / 10 000 / 10.000)."""
    line = RejectedLine(Origin("body", 1), Rejection.QUANTITY_TOO_LARGE, "A", "99999", "10000")
    assert Formatter("en", UTC).reason(line).endswith("maximum of 10,000")
    assert f"10{NBSP}000" in Formatter("ru", UTC).reason(line)
    assert Formatter("ro", UTC).reason(line).endswith("maximul de 10.000")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,234.50"), ("ru", f"1{NBSP}234,50{NBSP}€"), ("ro", f"1.234,50{NBSP}EUR")],
)
def test_money_is_formatted_for_the_locale(
    renderer: Renderer, language: str, expected: str
) -> None:
    """The quote total appears in both parts as the reader's locale writes money."""
    mail = renderer.render("quote", language, context())
    assert expected in mail.text
    assert expected in mail.html


def test_money_is_rounded_half_up_to_the_minor_unit() -> None:
    """An unrounded amount is shown rounded half-up, as the domain rounds."""
    assert Formatter("en", UTC).money(eur("0.125")) == "€0.13"
    assert Formatter("en", UTC).money(Money(Decimal("1234.5"), "JPY")) == "JP¥1,235"


# Amounts that change when rounded (one to a negative zero, which Babel shows), and others.
AMOUNTS = (
    *("0.005", "-0.001", "-0.00", "999.995", "-12.345"),
    *("0", "1", "7.5", "1234.5", "1e6", "-98765432.1"),
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_remembered_money_and_numbers_are_what_babel_writes(language: str) -> None:
    """money and number give Babel's strings, the first time and from memory alike."""
    formatter = Formatter(language, UTC)
    locale = locale_for(language)
    for _ in range(2):
        for text in AMOUNTS:
            for currency in ("EUR", "RON", "RUB", "JPY", "USD"):
                rounded = Money(Decimal(text), currency).rounded()
                expected = format_currency(rounded.amount, currency, locale=locale)
                assert formatter.money(Money(Decimal(text), currency)) == expected
            assert formatter.number(Decimal(text)) == format_decimal(Decimal(text), locale=locale)
        for number in (0, -0.0, 7, 1234567, -3, 2.5, 1e-7, Decimal("1.000"), Decimal("-0")):
            assert formatter.number(number) == format_decimal(number, locale=locale)


# One formatter per language for every example, so that later examples read from memory.
FORMATTERS = {language: Formatter(language, UTC) for language in LANGUAGES}


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=3),
    currency=st.sampled_from(["EUR", "RON", "RUB", "JPY"]),
    language=st.sampled_from(LANGUAGES),
)
def test_money_matches_babel_for_any_amount(amount: Decimal, currency: str, language: str) -> None:
    """For any amount the formatted money equals Babel's, however often it was seen before."""
    rounded = Money(amount, currency).rounded()
    expected = format_currency(rounded.amount, currency, locale=locale_for(language))
    assert FORMATTERS[language].money(Money(amount, currency)) == expected
    assert FORMATTERS[language].money(Money(amount, currency)) == expected


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Bucharest", "5 March 2024, 16:07 GMT+02:00"),
        ("Asia/Tokyo", "5 March 2024, 23:07 GMT+09:00"),
        ("America/New_York", "5 March 2024, 09:07 GMT-05:00"),
    ],
)
def test_datetime_is_shown_in_the_configured_zone(zone: str, expected: str) -> None:
    """received_at (aware UTC) is shown in the configured zone with its offset."""
    mail = Renderer(None, zone).render("not_understood", "en", context())
    assert expected in mail.text
    assert expected in mail.html


def test_a_readers_own_zone_wins_over_the_configured_one() -> None:
    """A mail rendered for a reader with a zone of its own shows times there; others not."""
    renderer = Renderer(None, "Europe/Bucharest")
    tokyo = renderer.render("not_understood", "en", context(), "Asia/Tokyo")
    assert "5 March 2024, 23:07 GMT+09:00" in tokyo.text
    assert (
        "5 March 2024, 16:07 GMT+02:00" in renderer.render("not_understood", "en", context()).text
    )
    with pytest.raises(RenderError, match="Mars/Olympus"):
        renderer.render("not_understood", "en", context(), "Mars/Olympus")


def test_datetime_in_russian_and_romanian() -> None:
    """Month names and summer-time offsets follow the language and the zone's rules."""
    summer = datetime(2024, 7, 1, 9, 30, tzinfo=UTC)
    assert Formatter("ru", ZoneInfo("Europe/Bucharest")).moment(summer) == (
        "1 июля 2024\u202fг., 12:30 GMT+03:00"
    )
    assert Formatter("ro", ZoneInfo("Europe/Bucharest")).moment(summer) == (
        "1 iulie 2024, 12:30 GMT+03:00"
    )


def test_naive_datetime_is_taken_as_utc() -> None:
    """A naive datetime (as SQLite returns them) is read as UTC, not as local time."""
    formatter = Formatter("en", ZoneInfo("Europe/Bucharest"))
    assert formatter.moment(datetime(2024, 3, 5, 14, 7)) == formatter.moment(RECEIVED)


def test_date_and_number_filters() -> None:
    """date shows the local calendar day; number groups digits per locale."""
    formatter = Formatter("en", ZoneInfo("Asia/Tokyo"))
    assert formatter.day(datetime(2024, 3, 5, 20, 0, tzinfo=UTC)) == "6 March 2024"
    assert formatter.day(date(2024, 3, 5)) == "5 March 2024"
    assert Formatter("ru", UTC).number(1234567) == f"1{NBSP}234{NBSP}567"
    assert Formatter("ro", UTC).number(Decimal("1234.5")) == "1.234,5"


def test_where_names_the_file_or_the_message_text() -> None:
    """The where filter says which file and row, or which line of the message text."""
    assert Formatter("en", UTC).where(UNKNOWN) == "order.csv, row 4"
    assert Formatter("ru", UTC).where(STOCK) == "текст письма, строка 2"
    assert Formatter("ro", UTC).where(Origin("a.xlsx", 7)) == "a.xlsx, rândul 7"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_renders_in_every_language(
    renderer: Renderer, name: str, language: str
) -> None:
    """All five mails exist in en, ru and ro with a one-line subject, a text and an HTML part."""
    mail = renderer.render(name, language, context())
    assert mail.subject
    assert "\n" not in mail.subject
    assert "Acme Ltd" in mail.text
    assert "Acme Ltd" in mail.html
    assert f'<html lang="{language}">' in mail.html
    assert "{{" not in mail.text + mail.html


def test_templates_differ_by_language(renderer: Renderer) -> None:
    """Russian and Romanian are real translations, with their own letters."""
    ru = renderer.render("quote", "ru", context())
    ro = renderer.render("quote", "ro", context())
    assert ru.subject == "Предложение ORD-000042"
    assert ro.subject == "Ofertă ORD-000042"
    assert "Итого" in ru.text
    assert "ț" in ro.text or "ș" in ro.text


def test_quote_lists_lines_rejections_and_how_to_agree(renderer: Renderer) -> None:
    """The quote shows each priced line, each rejected line with row and reason, and AGREE."""
    mail = renderer.render("quote", "en", context())
    assert mail.subject == "Quote ORD-000042"
    assert "ABC-1 — Widget" in mail.text
    assert "2 × €617.25 = €1,234.50" in mail.text
    assert "order.csv, row 4: QQ-1 “3” — unknown SKU" in mail.text
    assert "message text, line 2: ABC-9 “10” — not enough in stock: only 3 available" in mail.text
    assert "Reply AGREE to confirm or CANCEL to cancel." in mail.text
    assert "<table" in mail.html
    assert "<td>Widget<br>" in mail.html
    assert "<strong>AGREE</strong>" in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_quote_rows_are_styled_from_the_head(renderer: Renderer, language: str) -> None:
    """Table rows carry classes, not inline styles, so a 400-line quote stays small."""
    lines = [quoted(f"BPW-{i:04d}", f"Brake disc {i}", i % 7 + 1, f"{i}.25") for i in range(400)]
    html = renderer.render("quote", language, context(make_quote(*lines, rejected=(STOCK,)))).html
    rows = [row for row in html.splitlines() if row.startswith(("<tr><td", '<tr class="top">'))]
    assert len(rows) == 2 * 401  # each line's SKU on a row of its own, above its name and amount
    assert not any("style=" in row for row in rows)
    assert len(html.encode()) < 400 * 200


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_class_has_a_rule_in_the_style_block(renderer: Renderer, name: str) -> None:
    """Each class the HTML uses is given a look by the layout's <style> in the head."""
    html = renderer.render(name, "en", context()).html
    head, _, body = html.partition("</head>")
    style = head.partition("<style>")[2].partition("</style>")[0]
    used = {c for found in re.findall(r'class="([^"]*)"', body) for c in found.split()}
    defined = set(re.findall(r"\.([a-z][\w-]*)", style))
    assert used <= defined


@pytest.mark.parametrize("language", LANGUAGES)
def test_quote_without_priced_lines_says_so(renderer: Renderer, language: str) -> None:
    """A quote with no priced line says nothing could be priced and offers nothing to agree."""
    empty = make_quote(rejected=(UNKNOWN,))
    mail = renderer.render("quote", language, context(empty))
    assert "AGREE" not in mail.text
    assert "AGREE" not in mail.html
    phrase = {"en": "none of its lines", "ru": "ни для одной", "ro": "niciunul"}[language]
    assert phrase in mail.text
    assert phrase in mail.html


def test_no_order_lists_problems_and_accepted_formats(renderer: Renderer) -> None:
    """no_order repeats the problems and shows the attachment types and the line format."""
    mail = renderer.render("no_order", "en", context())
    assert "order.xlsx: the file could not be read (not a zip)" in mail.text
    assert "CSV, XLSX, XLS, ODS, or a PDF with text" in mail.text
    assert "ABC-123 x 5" in mail.text
    assert "order.csv, row 4" in mail.html


def test_pricelist_report_counts_rows(renderer: Renderer) -> None:
    """The price list report gives the imported and rejected counts and each rejected row."""
    mail = renderer.render("pricelist_report", "en", context(imported=1200))
    assert mail.subject == "Price list prices.xlsx: 1,200 rows imported, 1 rejected"
    assert "Rows imported: 1,200" in mail.text
    assert "order.csv, row 4: QQ-1 “3” — unknown SKU" in mail.text
    clean = renderer.render("pricelist_report", "ru", context(rejected=[], imported=1))
    assert "Все строки загружены." in clean.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_unreadable_price_list_reports_the_problem(renderer: Renderer, language: str) -> None:
    """A price list that could not be read lists the problem and never claims success."""
    values = context(imported=0, rejected=(), problems=[DAMAGED])
    mail = renderer.render("pricelist_report", language, values)
    damaged = {
        "en": "the file could not be read",
        "ru": "файл не удалось прочитать",
        "ro": "fișierul nu a putut fi citit",
    }[language]
    success = {"en": "All rows", "ru": "Все строки", "ro": "Toate rândurile"}[language]
    nothing = {"en": "No rows could", "ru": "ни одной строки", "ro": "niciun rând"}[language]
    for part in (mail.text, mail.html):
        assert f"order.xlsx: {damaged} (not a zip)" in part
        assert nothing in part
        assert success not in part


def test_pricelist_report_problems_are_optional(renderer: Renderer) -> None:
    """The price list report renders without a `problems` key in the context."""
    values = context()
    del values["problems"]
    assert "All rows" not in renderer.render("pricelist_report", "en", values).text


def test_partner_text_is_escaped_in_html_only(renderer: Renderer) -> None:
    """Names, SKUs, written text and file names from partners are escaped in HTML."""
    evil = "<script>alert(1)</script>"
    line = RejectedLine(Origin(evil, 1), Rejection.UNKNOWN_CURRENCY, evil, evil, evil)
    quote = make_quote(quoted(evil, evil, 1, "1"), rejected=(line,))
    for name in TEMPLATES:
        mail = renderer.render(
            name,
            "en",
            context(quote, partner_name=evil, rejected=[line], filename=evil, problems=[line]),
        )
        assert "<script>" not in mail.html, name
        assert "&lt;script&gt;" in mail.html, name
        assert evil in mail.text, name


def test_unknown_language_falls_back_to_english(renderer: Renderer) -> None:
    """A language without templates gets the English mail with English formatting."""
    mail = renderer.render("quote", "de", context())
    assert mail == renderer.render("quote", "en", context())
    assert renderer.render("quote", "../ru", context()).subject == "Quote ORD-000042"


def test_regional_language_tags_use_the_language(renderer: Renderer) -> None:
    """ru-RU, RU and ro_RO pick the Russian and Romanian templates."""
    assert renderer.render("quote", "ru-RU", context()).subject == "Предложение ORD-000042"
    assert renderer.render("quote", "RU", context()).subject == "Предложение ORD-000042"
    assert renderer.render("quote", "ro_RO", context()).subject == "Ofertă ORD-000042"


def test_override_folder_wins_file_by_file(tmp_path: Path) -> None:
    """A template in the override folder replaces the packaged one; the rest stay packaged."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "quote.subject.j2").write_text(
        "{{ _('Your quote %(number)s is ready', number=order_number) }}"
    )
    renderer = Renderer(tmp_path, "UTC")
    mail = renderer.render("quote", "en", context())
    assert mail.subject == "Your quote ORD-000042 is ready"
    assert "Reply AGREE" in mail.text
    russian = renderer.render("quote", "ru", context())
    assert russian.subject == "Your quote ORD-000042 is ready"  # no catalogue has these words
    assert "Здравствуйте, Acme Ltd!" in russian.text


def test_templates_compiled_once_still_follow_their_source(tmp_path: Path) -> None:
    """Compiled templates are shared by every renderer of the process, keyed by the source:
    two override folders with the same file name keep their own words, and an edited override
    is read again."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, words in ((first, "First"), (second, "Second")):
        (folder / "mail").mkdir(parents=True)
        (folder / "mail" / "quote.subject.j2").write_text(f"{words} {{{{ order_number }}}}")
    one, other = Renderer(first, "UTC"), Renderer(second, "UTC")
    assert one.render("quote", "en", context()).subject == "First ORD-000042"
    assert other.render("quote", "ru", context()).subject == "Second ORD-000042"
    assert one.render("quote", "ro", context()).subject == "First ORD-000042"
    edited = first / "mail" / "quote.subject.j2"
    edited.write_text("Edited {{ order_number }}")
    os.utime(edited, (edited.stat().st_atime, edited.stat().st_mtime + 5))
    assert one.render("quote", "en", context()).subject == "Edited ORD-000042"
    assert Renderer(first, "UTC").render("quote", "ru", context()).subject == "Edited ORD-000042"


def test_missing_value_is_a_render_error(renderer: Renderer) -> None:
    """A context without a value the template uses fails loudly instead of printing nothing."""
    values = context()
    del values["order_number"]
    with pytest.raises(RenderError, match="order_number"):
        renderer.render("quote", "ru", values)


def test_unknown_template_and_zone_are_render_errors(renderer: Renderer) -> None:
    """A mail name without templates, or an unknown time zone, raises RenderError."""
    with pytest.raises(RenderError):
        renderer.render("no_such_mail", "en", context())
    with pytest.raises(RenderError, match="Mars/Olympus"):
        Renderer(None, "Mars/Olympus")


CLIENT_OUTCOMES = (
    *("agreed", "held", "released", "accepted", "already_agreed", "already_cancelled"),
    *("expired", "nothing_to_agree", "cancelled", "cancelled_by_desk", "too_late", "partial"),
    *("confirmed", "shipped", "status", "unknown", "recent", "which"),
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_order_answer_outcome_has_words(renderer: Renderer, language: str) -> None:
    """Each outcome of a client's order mail renders in each language with its own subject."""
    subjects = set()
    for outcome in CLIENT_OUTCOMES:
        mail = renderer.render("order_answer", language, context(outcome=outcome))
        assert "ORD-000042" in mail.subject or outcome in ("recent", "which"), outcome
        subjects.add(mail.subject)
    assert len(subjects) >= len(CLIENT_OUTCOMES) - 2  # the two cancellations share one


@pytest.mark.parametrize("language", LANGUAGES)
def test_partial_confirmation_shows_ordered_against_confirmed(
    renderer: Renderer, language: str
) -> None:
    """The partial mail lists ordered and confirmed quantities and how to agree or cancel."""
    mail = renderer.render("order_answer", language, context(outcome="partial"))
    word = {"en": "AGREE", "ru": "СОГЛАСЕН", "ro": "DE ACORD"}[language]
    for part in (mail.text, mail.html):
        assert "ABC-1" in part
        assert word in part
    assert "4, " in mail.text
    assert " 3" in mail.text


REFUSALS = ("not_yours", "too_many", "fractional", "unreadable", "unreadable_file", "date_future",
            "date_before_order", "date_unreadable")  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_of_a_supplier_answer_has_words(renderer: Renderer, language: str) -> None:
    """Each reason a supplier's answer is refused reads as a sentence naming what was wrong."""
    refusals = [Problem(kind, "SKU-9", "77", 5, date(2024, 3, 5)) for kind in REFUSALS]
    values = context(outcome="refused", refusals=refusals)
    mail = renderer.render("supplier_answer", language, values)
    assert mail.text.count("77") >= 4
    assert "%(" not in mail.text + mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_order_file_states_the_deadline_only_when_known(renderer: Renderer, language: str) -> None:
    """An order file shows the time to confirm by when there is one, and nothing otherwise."""
    due = datetime(2024, 3, 7, 15, 0, tzinfo=UTC)
    without = renderer.render("order_file", language, context())
    with_due = renderer.render("order_file", language, context(confirm_by=due))
    assert "17:00" in with_due.text  # Bucharest time
    assert "17:00" not in without.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_expired_quote_names_the_codes_it_released(renderer: Renderer, language: str) -> None:
    """The expiry notice lists the voucher codes that can be used again, and only when any."""
    due = datetime(2024, 3, 7, 15, 0, tzinfo=UTC)
    values = context(due_at=due, kind="client_agreement")
    released = renderer.render("quote_expired", language, {**values, "released_codes": ["WIN25"]})
    assert "WIN25" in released.text
    assert "WIN25" in released.html
    assert "WIN25" not in renderer.render("quote_expired", language, values).text
