"""Short phrases the reply templates show through filters, per language.

They live in code rather than in templates so that a test can check that every `Rejection`
has words in every language: a new reason cannot reach a partner as a bare enum value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mailbot.domain.lines import Rejection


@dataclass(frozen=True, slots=True)
class Phrase:
    """A reason in words; `with_detail` is used when the line carries a detail (`{detail}`)."""

    plain: str
    with_detail: str = ""

    def format(self, detail: str) -> str:
        """The phrase, with `detail` filled in when there is one and the phrase can use it."""
        if detail and self.with_detail:
            return self.with_detail.format(detail=detail)
        return self.plain


@dataclass(frozen=True, slots=True)
class Place:
    """How a language says where a line came from: the message text or a named file."""

    body: str
    file: str

    def format(self, source: str, row: int) -> str:
        """`source` ("body" or a file name) and `row` in words."""
        if source == "body":
            return self.body.format(row=row)
        if row == 0:  # the file as a whole
            return source
        return self.file.format(source=source, row=row)


P = Phrase

REASONS: Final[Mapping[str, Mapping[Rejection, Phrase]]] = {
    "en": {
        Rejection.UNREADABLE_FILE: P(
            "the file could not be read", "the file could not be read ({detail})"
        ),
        Rejection.TOO_MANY_FILES: P(
            "not read: too many files", "not read: at most {detail} files are read from one message"
        ),
        Rejection.WINMAIL_DAT: P(
            "Outlook packed the attachments into its own winmail.dat format, which we cannot "
            "open: please send the file again as an ordinary attachment (in Outlook, write the "
            "message as HTML or plain text instead of Rich Text)"
        ),
        Rejection.MISSING_SKU: P("no SKU given"),
        Rejection.UNREADABLE_QUANTITY: P("the quantity could not be read"),
        Rejection.NON_POSITIVE_QUANTITY: P("the quantity must be greater than zero"),
        Rejection.FRACTIONAL_QUANTITY: P("the quantity must be a whole number"),
        Rejection.QUANTITY_TOO_LARGE: P(
            "the quantity is too large", "the quantity is above the maximum of {detail}"
        ),
        Rejection.UNKNOWN_SKU: P("unknown SKU"),
        Rejection.OUT_OF_STOCK: P("out of stock"),
        Rejection.INSUFFICIENT_STOCK: P(
            "not enough in stock", "not enough in stock: only {detail} available"
        ),
        Rejection.NO_OFFER_IN_CURRENCY: P(
            "not offered in the currency of the order", "not offered in {detail}"
        ),
        Rejection.MISSING_PRICE: P("no price given"),
        Rejection.UNREADABLE_PRICE: P("the price could not be read"),
        Rejection.NEGATIVE_PRICE: P("the price is negative"),
        Rejection.UNKNOWN_CURRENCY: P("unknown currency", "unknown currency “{detail}”"),
        Rejection.DUPLICATE_SKU: P("the SKU appears more than once"),
        Rejection.TOO_MANY_ROWS: P("too many rows", "too many rows: at most {detail} are read"),
        # The parser's detail for NO_COLUMNS is an English sentence; the headers it saw are
        # in the line's text, which the templates show next to the reason.
        Rejection.NO_COLUMNS: P("no SKU and quantity columns found"),
        Rejection.AMBIGUOUS_SKU: P(
            "this fits more than one item: which one do you mean?",
            "this fits more than one item: which one do you mean, {detail}?",
        ),
        Rejection.UNCLEAR_QUANTITY: P(
            "how many do you need? Please write the quantity as one number"
        ),
    },
    "ru": {
        Rejection.UNREADABLE_FILE: P(
            "файл не удалось прочитать", "файл не удалось прочитать ({detail})"
        ),
        Rejection.TOO_MANY_FILES: P(
            "не прочитан: слишком много файлов",
            "не прочитан: из одного письма читается не более {detail} файлов",
        ),
        Rejection.WINMAIL_DAT: P(
            "Outlook упаковал вложения в свой формат winmail.dat, который мы не можем открыть: "
            "пришлите файл ещё раз обычным вложением (в Outlook выберите формат письма HTML или "
            "«Обычный текст» вместо RTF)"
        ),
        Rejection.MISSING_SKU: P("не указан артикул"),
        Rejection.UNREADABLE_QUANTITY: P("не удалось прочитать количество"),
        Rejection.NON_POSITIVE_QUANTITY: P("количество должно быть больше нуля"),
        Rejection.FRACTIONAL_QUANTITY: P("количество должно быть целым числом"),
        Rejection.QUANTITY_TOO_LARGE: P(
            "слишком большое количество", "количество больше допустимого (не более {detail})"
        ),
        Rejection.UNKNOWN_SKU: P("артикул не найден"),
        Rejection.OUT_OF_STOCK: P("нет в наличии"),
        Rejection.INSUFFICIENT_STOCK: P(
            "недостаточно на складе", "недостаточно на складе: в наличии только {detail} шт."
        ),
        Rejection.NO_OFFER_IN_CURRENCY: P(
            "нет предложения в валюте заказа", "нет предложения в валюте {detail}"
        ),
        Rejection.MISSING_PRICE: P("не указана цена"),
        Rejection.UNREADABLE_PRICE: P("не удалось прочитать цену"),
        Rejection.NEGATIVE_PRICE: P("цена не может быть отрицательной"),
        Rejection.UNKNOWN_CURRENCY: P("неизвестная валюта", "неизвестная валюта «{detail}»"),
        Rejection.DUPLICATE_SKU: P("артикул указан повторно"),
        Rejection.TOO_MANY_ROWS: P(
            "слишком много строк", "слишком много строк: обрабатывается не более {detail}"
        ),
        Rejection.NO_COLUMNS: P("не найдены столбцы артикула и количества"),
        Rejection.AMBIGUOUS_SKU: P(
            "подходит к нескольким позициям: какую вы имеете в виду?",
            "подходит к нескольким позициям: какую вы имеете в виду — {detail}?",
        ),
        Rejection.UNCLEAR_QUANTITY: P(
            "сколько вам нужно? Пожалуйста, укажите количество одним числом"
        ),
    },
    "ro": {
        Rejection.UNREADABLE_FILE: P(
            "fișierul nu a putut fi citit", "fișierul nu a putut fi citit ({detail})"
        ),
        Rejection.TOO_MANY_FILES: P(
            "necitit: prea multe fișiere",
            "necitit: dintr-un mesaj se citesc cel mult {detail} fișiere",
        ),
        Rejection.WINMAIL_DAT: P(
            "Outlook a pus atașamentele în formatul său winmail.dat, pe care nu îl putem "
            "deschide: vă rugăm să retrimiteți fișierul ca atașament obișnuit (în Outlook, "
            "scrieți mesajul ca HTML sau text simplu, nu Rich Text)"
        ),
        Rejection.MISSING_SKU: P("lipsește codul articolului"),
        Rejection.UNREADABLE_QUANTITY: P("cantitatea nu a putut fi citită"),
        Rejection.NON_POSITIVE_QUANTITY: P("cantitatea trebuie să fie mai mare decât zero"),
        Rejection.FRACTIONAL_QUANTITY: P("cantitatea trebuie să fie un număr întreg"),
        Rejection.QUANTITY_TOO_LARGE: P(
            "cantitatea este prea mare", "cantitatea depășește maximul de {detail}"
        ),
        Rejection.UNKNOWN_SKU: P("cod necunoscut"),
        Rejection.OUT_OF_STOCK: P("stoc epuizat"),
        Rejection.INSUFFICIENT_STOCK: P(
            "stoc insuficient", "stoc insuficient: doar {detail} buc. disponibile"
        ),
        Rejection.NO_OFFER_IN_CURRENCY: P(
            "nu există ofertă în moneda comenzii", "nu există ofertă în {detail}"
        ),
        Rejection.MISSING_PRICE: P("lipsește prețul"),
        Rejection.UNREADABLE_PRICE: P("prețul nu a putut fi citit"),
        Rejection.NEGATIVE_PRICE: P("prețul este negativ"),
        Rejection.UNKNOWN_CURRENCY: P("monedă necunoscută", "monedă necunoscută „{detail}”"),
        Rejection.DUPLICATE_SKU: P("codul apare de mai multe ori"),
        Rejection.TOO_MANY_ROWS: P(
            "prea multe rânduri", "prea multe rânduri: se citesc cel mult {detail}"
        ),
        Rejection.NO_COLUMNS: P("nu au fost găsite coloanele pentru cod și cantitate"),
        Rejection.AMBIGUOUS_SKU: P(
            "se potrivește cu mai multe articole: pe care îl doriți?",
            "se potrivește cu mai multe articole: pe care îl doriți, {detail}?",
        ),
        Rejection.UNCLEAR_QUANTITY: P(
            "de câte bucăți aveți nevoie? Vă rugăm să scrieți cantitatea ca un singur număr"
        ),
    },
}

PLACES: Final[Mapping[str, Place]] = {
    "en": Place(body="message text, line {row}", file="{source}, row {row}"),
    "ru": Place(body="текст письма, строка {row}", file="{source}, строка {row}"),
    "ro": Place(body="textul mesajului, rândul {row}", file="{source}, rândul {row}"),
}
