"""The words of every language mailbot writes in: gettext catalogues read from `.po` files.

English is the source language: every message id is the English text, so English needs no
catalogue. Each other language is a catalogue `<folder>/<lang>/LC_MESSAGES/mailbot.po`; the
package's folder is `mailbot/locale`, and a deployment may add a folder of its own (see
`Catalogues`). The `.po` files are read at start and compiled in memory, so an installed
package needs no compile step.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_LANGUAGE: Final = "en"
DOMAIN: Final = "mailbot"
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"

# English readers are in Britain: a bare "en" would give Babel's en_US.
SOURCE_LOCALE: Final = "en_GB"


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """`message` unchanged: marks a message id that is translated later, where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Plural:
    """A message id with a plural: its singular and its plural English text."""

    singular: str
    plural: str

    def translate(self, translations: gettext.NullTranslations, count: int) -> str:
        """The form of `translations` for `count`."""
        return translations.ngettext(self.singular, self.plural, count)


def Nn_(singular: str, plural: str) -> Plural:  # noqa: N802 - a gettext marker, like N_
    """A message id with a plural, translated later where the count is known."""
    return Plural(singular, plural)


def catalogue_path(folder: Path, language: str) -> Path:
    """Where the catalogue of `language` lives under `folder`."""
    return folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_languages(folder: Path) -> tuple[str, ...]:
    """The languages that have a catalogue under `folder`, sorted."""
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            entry.name for entry in folder.iterdir() if catalogue_path(folder, entry.name).is_file()
        )
    )


class Catalogues:
    """The catalogues of `folders`, the first folder's winning for a language both have.

    Each catalogue is read once per process: `translations` and `locale` are cached.
    """

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(folders)

    @property
    def languages(self) -> tuple[str, ...]:
        """English and every language with a catalogue."""
        return _languages(self.folders)

    def written_in(self, language: str) -> str:
        """The language a reader of `language` ("ru", "ru-RU", "RU") is written to in: its
        own when it has a catalogue, else English."""
        tag = language.strip().lower().replace("_", "-").split("-")[0]
        return tag if tag in self.languages else SOURCE_LANGUAGE

    def translations(self, language: str) -> gettext.NullTranslations:
        """The gettext translations of `language`; English (no translation) without a catalogue."""
        return _translations(self.folders, language)

    def locale(self, language: str) -> Locale:
        """The Babel locale readers of `language` format numbers and dates in: the catalogue's
        `Language` (with its territory, "ru_RU"), else Babel's own, else British English."""
        return _locale(self.folders, language)


@cache
def _languages(folders: tuple[Path, ...]) -> tuple[str, ...]:
    found = {language for folder in folders for language in catalogue_languages(folder)}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def _catalogue_file(folders: tuple[Path, ...], language: str) -> Path | None:
    for folder in folders:
        path = catalogue_path(folder, language)
        if path.is_file():
            return path
    return None


@cache
def _translations(folders: tuple[Path, ...], language: str) -> gettext.NullTranslations:
    path = _catalogue_file(folders, language) if language != SOURCE_LANGUAGE else None
    if path is None:
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are guesses that nobody checked; English is better than a wrong sentence.
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def _locale(folders: tuple[Path, ...], language: str) -> Locale:
    path = _catalogue_file(folders, language) if language != SOURCE_LANGUAGE else None
    if path is not None:
        with path.open("rb") as po:
            declared = read_po(po, domain=DOMAIN).locale
        if declared is not None:
            return declared
    try:
        return Locale.parse(language if language != SOURCE_LANGUAGE else SOURCE_LOCALE)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LOCALE)


PACKAGE: Final = Catalogues((LOCALE_DIR,))
