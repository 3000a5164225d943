"""The catalogues: every message translated with its placeholders, plural forms per language,
and a new language picked up from a catalogue alone."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from mailbot.domain.vouchers import Problem
from mailbot.outbound import voucher_phrases
from mailbot.outbound.formatting import Formatter
from mailbot.outbound.render import Renderer
from mailbot.outbound.translations import (
    LOCALE_DIR,
    PACKAGE,
    SOURCE_LANGUAGE,
    Catalogues,
    catalogue_path,
)
from tests.unit.test_render import context, eur

ROOT = Path(__file__).resolve().parents[2]
# The keywords the README's `pybabel extract` passes, besides Babel's defaults.
KEYWORDS = {"N_": None, "Nn_": (1, 2), "_": None, "gettext": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}  # fmt: skip
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = tuple(language for language in PACKAGE.languages if language != SOURCE_LANGUAGE)


def catalogue(language: str) -> Catalog:
    with catalogue_path(LOCALE_DIR, language).open("rb") as po:
        return read_po(po)


def extracted() -> set[tuple[str | None, str]]:
    """(context, singular id) of every message in the code and templates, as pybabel finds it."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS)
    return {
        (found_context, message if isinstance(message, str) else message[0])
        for _, _, message, _, found_context in found
    }


def ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def forms(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def test_ru_and_ro_have_catalogues() -> None:
    """The package writes in English, Romanian and Russian; the list comes from the catalogues."""
    assert PACKAGE.languages == ("en", "ro", "ru")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_in_the_catalogue_and_translated(language: str) -> None:
    """Each message the code and templates use has a translation in every form, none fuzzy,
    and the catalogue holds no message the code no longer uses."""
    held = catalogue(language)
    messages = [message for message in held if message.id]
    assert {(message.context, ids(message)[0]) for message in messages} == extracted()
    for message in messages:
        assert not message.fuzzy, message.id
        assert all(form.strip() for form in forms(message)), message.id
        if not isinstance(message.id, str):
            assert len(forms(message)) == held.num_plurals, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders(language: str) -> None:
    """A translation names the same %(name)s placeholders as its English id, in every form."""
    for message in catalogue(language):
        if not message.id:
            continue
        expected = {name for text in ids(message) for name in PLACEHOLDER.findall(text)}
        for form in forms(message):
            assert set(PLACEHOLDER.findall(form)) == expected, (message.id, form)


@pytest.mark.parametrize(
    ("language", "count", "words"),
    [
        ("ru", 1, "1 заказ,"),
        ("ru", 2, "2 заказа,"),
        ("ru", 5, "5 заказов,"),
        ("ru", 21, "21 заказ,"),
        ("ro", 1, "1 comandă,"),
        ("ro", 2, "2 comenzi,"),
        ("ro", 20, "20 de comenzi,"),
        ("en", 1, "1 order,"),
        ("en", 2, "2 orders,"),
    ],
)
def test_counts_take_the_languages_plural_form(language: str, count: int, words: str) -> None:
    """The digest counts a client's new orders in the plural form the catalogue's rule picks."""
    new_orders = [{"client": "Acme Ltd", "count": count, "totals": [eur("12.50")]}]
    renderer = Renderer(None, "UTC")
    mail = renderer.render("digest", language, context(new_orders=new_orders))
    assert f"Acme Ltd: {words}" in mail.text
    assert f"Acme Ltd: {words}" in mail.html


def test_one_earlier_order_is_singular() -> None:
    """A voucher for new clients tells a client with one earlier order "1 earlier order"."""
    plural = voucher_phrases.PROBLEMS[Problem.NOT_NEW]
    assert not isinstance(plural, str)
    english = plural.translate(PACKAGE.translations("en"), 1) % {"actual": "1"}
    assert english == "for new clients only; you have 1 earlier order"
    romanian = plural.translate(PACKAGE.translations("ro"), 20) % {"actual": "20"}
    assert romanian.endswith("aveți 20 de comenzi anterioare")


def test_a_voucher_on_one_line_says_line() -> None:
    """A discount on one line and on several take the singular and the plural."""
    english = PACKAGE.translations("en")
    assert voucher_phrases.APPLIED.translate(english, 1).endswith("off on line %(positions)s")
    russian = PACKAGE.translations("ru")
    assert voucher_phrases.APPLIED.translate(russian, 21).endswith("на строку %(positions)s")
    assert voucher_phrases.APPLIED.translate(russian, 5).endswith("на строки %(positions)s")


def write_german(folder: Path) -> None:
    """A small German catalogue: the quote's subject, the greeting and one plural."""
    german = Catalog(locale="de_DE", domain="mailbot")
    german.add("Quote %(number)s", "Angebot %(number)s")
    german.add("Dear %(name)s,", "Guten Tag %(name)s,")
    german.add(
        ("%(client)s: %(num)s order, %(totals)s", "%(client)s: %(num)s orders, %(totals)s"),
        ("%(client)s: %(num)s Auftrag, %(totals)s", "%(client)s: %(num)s Aufträge, %(totals)s"),
    )
    german.add("unknown SKU", "unbekannte Artikelnummer")
    path = catalogue_path(folder / "locale", "de")
    path.parent.mkdir(parents=True)
    with path.open("wb") as po:
        write_po(po, german)


def test_a_catalogue_in_the_override_folder_adds_a_language(tmp_path: Path) -> None:
    """A deployment's `locale/de/LC_MESSAGES/mailbot.po` next to its templates makes mailbot
    write German, with German number formats, and English where the catalogue has no words."""
    write_german(tmp_path)
    renderer = Renderer(tmp_path, "UTC")
    assert renderer.language("de-AT") == "de"
    assert "de" not in PACKAGE.languages
    mail = renderer.render("quote", "de", context())
    assert mail.subject == "Angebot ORD-000042"
    assert mail.text.startswith("Guten Tag Acme Ltd,")
    assert '<html lang="de">' in mail.html
    assert "unbekannte Artikelnummer" in mail.text
    assert "Kind regards," in mail.text  # not in the German catalogue
    assert "1.234,50\xa0€" in Formatter("de", UTC, Catalogues((tmp_path / "locale",))).money(
        eur("1234.50")
    )
    digest = renderer.render("digest", "de", context())
    assert "Acme Ltd: 2 Aufträge," in digest.text
