"""A supplier's answer to an order file: confirmed, confirmed in part, or shipped.

- "CONFIRMED" (or its Russian or Romanian word) alone on the first line confirms every line;
- confirmed quantities, as lines in the body ("BPW-0310 x 2") or in the order file sent back
  with its "Confirmed quantity" column filled in, confirm those lines in that quantity; a line
  not mentioned (or left blank) is confirmed as ordered, and 0 means none can be delivered;
- "SHIPPED 2026-11-25 DHL" (date, then the delivery method) says the goods left on that date.

The words are data (`CONFIRMED_WORDS`, `SHIPPED_WORDS`, `CONFIRMED_HEADERS`). Checking the
answer against the order (whose lines, how many, whether the goods can have left that day) is
the service's job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from mailbot.domain.lines import RejectedLine, RequestedLine
from mailbot.parsers.columns import HEADER_SEARCH_ROWS, header_key
from mailbot.parsers.commands import normalise_words
from mailbot.parsers.order_lines import OrderLines, order_lines_from_rows
from mailbot.parsers.order_text import order_lines_from_text

Rows = Sequence[tuple[int, Sequence[str]]]

CONFIRMED_WORDS: Final = (
    *("CONFIRMED", "CONFIRM", "WE CONFIRM", "ORDER CONFIRMED", "OK"),
    *("ПОДТВЕРЖДАЕМ", "ПОДТВЕРЖДАЮ", "ПОДТВЕРЖДЕНО", "ЗАКАЗ ПОДТВЕРЖДЁН", "ЗАКАЗ ПОДТВЕРЖДЕН"),
    *("CONFIRMAT", "CONFIRMĂM", "COMANDA CONFIRMATĂ", "CONFIRMATĂ"),
)
SHIPPED_WORDS: Final = (
    *("SHIPPED", "DISPATCHED", "SENT"),
    *("ОТГРУЖЕНО", "ОТГРУЖЕН", "ОТПРАВЛЕНО", "ОТПРАВЛЕН"),
    *("EXPEDIAT", "EXPEDIATĂ", "LIVRAT"),
)
# The header of the order file's column for confirmed quantities, in each language.
CONFIRMED_HEADERS: Final = {
    "en": "Confirmed quantity",
    "ru": "Подтверждено",
    "ro": "Cantitate confirmată",
}
_HEADER_KEYS: Final = {
    header_key(text)
    for text in (*CONFIRMED_HEADERS.values(), "confirmed", "confirmed qty", "confirmat")
}
_CONFIRMED: Final = {normalise_words(word) for word in CONFIRMED_WORDS}
_SHIPPED = re.compile(
    r"^\s*(?:" + "|".join(re.escape(w) for w in SHIPPED_WORDS) + r")\b[\s:,.-]*(?P<rest>.*)$",
    re.IGNORECASE,
)
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})")


@dataclass(frozen=True, slots=True)
class Shipment:
    """A "shipped" line: the date (None when unreadable, then `date_text` says what was
    written) and the delivery method."""

    date: date | None
    method: str
    date_text: str


@dataclass(frozen=True, slots=True)
class SupplierAnswer:
    confirmed: bool
    quantities: tuple[RequestedLine, ...]
    unreadable: tuple[RejectedLine, ...]
    shipment: Shipment | None

    @property
    def empty(self) -> bool:
        """Whether the answer says nothing mailbot understands."""
        return not (self.confirmed or self.quantities or self.unreadable or self.shipment)


def read_supplier_answer(text: str, tables: Sequence[tuple[str, Rows]] = ()) -> SupplierAnswer:
    """What a supplier's reply says; `text` is its body without quoted mail, `tables` the rows
    of its spreadsheet attachments by file name."""
    lines = text.splitlines()
    shipment = None
    rest: list[str] = []
    for line in lines:
        match = _SHIPPED.match(unicodedata.normalize("NFC", line))
        if match is not None and shipment is None:
            shipment = _shipment(match["rest"])
        else:
            rest.append(line)
    first = next((line for line in rest if line.strip()), "")
    confirmed = normalise_words(first) in _CONFIRMED
    parts = [_from_table(name, rows) for name, rows in tables]
    parts.append(order_lines_from_text("\n".join(rest)))
    found = OrderLines.combine(*parts)
    unreadable = tuple(line for line in found.rejected if not _left_blank(line))
    return SupplierAnswer(confirmed, found.lines, unreadable, shipment)


def _from_table(name: str, rows: Rows) -> OrderLines:
    """The confirmed quantities of a sheet: its "Confirmed quantity" column if it has one,
    else its quantity column."""
    for _, cells in rows[:HEADER_SEARCH_ROWS]:
        for cell in cells:
            if header_key(cell) in _HEADER_KEYS:
                return order_lines_from_rows(rows, name, {"quantity": cell})
    return order_lines_from_rows(rows, name)


def _left_blank(line: RejectedLine) -> bool:
    return not line.text.strip() and line.detail == "no quantity"


def _shipment(rest: str) -> Shipment:
    text = rest.strip()
    for pattern in (_ISO, _DAY_FIRST):
        match = pattern.match(text)
        if match is not None:
            method = text[match.end() :].strip(" \t,;:.-")
            return Shipment(_date(match), method, match.group(0))
    written = text.split()[0] if text else ""
    return Shipment(None, " ".join(text.split()[1:]), written)


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
