"""The words that name each kind of column, per field and language: data that
`columns` matches headers against (inflections, abbreviations and typos are its work).

Write a header as a clerk would, in lower case; punctuation, diacritics and the number
words below ("No.", "Nr", "№", "#", "номер") are evened out before matching, so
"part no", "part #" and "part number" are one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Field(StrEnum):
    """What a column holds. On a tie between fields, the earlier one here wins."""

    SKU = "sku"
    NAME = "name"
    QUANTITY = "quantity"
    PRICE = "price"
    CURRENCY = "currency"
    STOCK = "stock"
    BRAND = "brand"
    CATEGORY = "category"
    DELIVERY_DAYS = "delivery_days"
    VOUCHER = "voucher"
    POSITION = "position"  # the line's number in the table ("Pos", "№ п/п", "Nr. crt.")
    UNIT = "unit"  # the unit of measure ("pcs", "kg"), never the quantity


@dataclass(frozen=True)
class Words:
    """The headers that name one field in one language."""

    names: tuple[str, ...]
    # Headers that name the field only when no other column names it outright: in
    # "Item | SKU | Qty" the SKU column is "SKU", not "Item".
    weak: tuple[str, ...] = ()


# Each of these stands for "number" in a header.
NUMBER_WORDS: Final = ("#", "№", "no", "nr", "num", "number", "numar", "номер")

VOCABULARY: Final[dict[Field, dict[str, Words]]] = {
    Field.SKU: {
        "en": Words(
            names=(
                *("sku", "article", "article no", "art", "art no", "no art", "part no"),
                *("part number", "catalog no", "catalogue no", "item no", "item code"),
                *("product code", "product no", "oem", "oem no", "mpn", "manufacturer part no"),
            ),
            weak=("item", "code", "part", "reference", "ref"),
        ),
        "ru": Words(
            names=(
                *("артикул", "код товара", "код детали", "код запчасти", "каталожный номер"),
                *("номер детали", "кат номер", "номер по каталогу", "oem номер"),
            ),
            weak=("код", "обозначение"),
        ),
        "ro": Words(
            names=(
                *("cod articol", "articol", "cod produs", "cod piesa", "referinta"),
                *("nr catalog", "cod catalog", "cod material", "nr articol", "nr piesa"),
            ),
            weak=("cod",),
        ),
    },
    Field.NAME: {
        "en": Words(
            names=("name", "description", "item description", "product name", "part name"),
            weak=("product", "title", "designation"),
        ),
        "ru": Words(
            names=(
                *("наименование", "название", "описание", "наименование товара"),
                *("наименование детали", "наименование запчасти", "наименование продукции"),
                "номенклатура",
            ),
            weak=("товар", "деталь", "запчасть"),
        ),
        "ro": Words(
            names=("denumire", "descriere", "denumire produs", "denumire piesa"),
            weak=("produs", "piesa"),
        ),
    },
    Field.QUANTITY: {
        "en": Words(
            names=(
                *("qty", "quantity", "order qty", "qty ordered", "order quantity", "ordered qty"),
                *("quantity ordered", "pcs", "units", "qty pcs"),
            ),
            weak=("count",),
        ),
        "ru": Words(
            names=(
                *("количество", "кол во", "кол", "колво", "к во", "шт", "кол во шт"),
                *("количество шт", "заказ шт", "заказано", "кол заказа"),
            ),
            weak=("заказ",),
        ),
        "ro": Words(
            names=(
                *("cantitate", "cant", "buc", "bucati", "cantitate comandata", "nr buc"),
                *("nr bucati", "cantitate buc"),
            ),
        ),
    },
    Field.PRICE: {
        "en": Words(names=("price", "unit price", "net price", "cost", "price per unit")),
        "ru": Words(names=("цена", "стоимость", "цена за шт", "цена за единицу")),
        "ro": Words(names=("pret", "pret unitar", "pret unit")),
    },
    Field.CURRENCY: {
        "en": Words(names=("currency", "curr")),
        "ru": Words(names=("валюта",)),
        "ro": Words(names=("moneda", "valuta")),
    },
    Field.STOCK: {
        "en": Words(
            names=("stock", "availability", "in stock", "available", "qty available", "on hand")
        ),
        "ru": Words(names=("остаток", "наличие", "остатки", "в наличии", "склад")),
        "ro": Words(names=("stoc", "disponibil", "disponibilitate", "in stoc")),
    },
    Field.BRAND: {
        "en": Words(names=("brand", "make", "manufacturer", "maker")),
        "ru": Words(names=("бренд", "марка", "производитель")),
        "ro": Words(names=("marca", "producator", "fabricant")),
    },
    Field.CATEGORY: {
        "en": Words(names=("category", "group")),
        "ru": Words(names=("категория", "группа")),
        "ro": Words(names=("categorie", "grupa")),
    },
    Field.DELIVERY_DAYS: {
        "en": Words(
            names=("delivery days", "delivery time", "lead time", "lead time days"),
            weak=("days",),
        ),
        "ru": Words(names=("срок поставки", "срок", "срок доставки"), weak=("дней",)),
        "ro": Words(names=("termen de livrare", "termen", "termen livrare"), weak=("zile",)),
    },
    Field.VOUCHER: {
        "en": Words(
            names=(
                *("voucher", "promo", "promo code", "code promo", "promocode", "coupon"),
                *("coupon code", "voucher code", "discount code"),
            )
        ),
        "ru": Words(names=("промокод", "ваучер", "купон", "промо код")),
        "ro": Words(names=("cupon", "cod promo", "cod promotional", "cod voucher", "cod reducere")),
    },
    Field.POSITION: {
        "en": Words(names=("pos", "position", "no", "line", "line no")),
        "ru": Words(names=("no п п", "п п", "пп", "поз", "позиция", "no пп")),
        "ro": Words(names=("nr crt", "crt", "poz", "pozitie", "nr poz")),
    },
    Field.UNIT: {
        "en": Words(names=("unit", "uom", "unit of measure", "measure", "um")),
        "ru": Words(names=("ед", "ед изм", "единица", "единица измерения", "ед измерения")),
        "ro": Words(names=("unitate", "unitate de masura", "u m", "um")),
    },
}
