"""Order lines written in the text of a mail: one item a line (or over two), or a table.

Where the catalogue is known, a line is read around the SKUs on offer found in it, whatever
their notation (`WVA 29030 x 3`, `8 pcs BPW-0389-0100`, `Volvo 24231995 — 2 шт.`, `1) SAF6343
Bush, qty: 4`); the quantity comes from the words around the SKU (see `quantities`). A line
without a known SKU is still read when it has an order line's shape ("ABC-123 x 5"), so that an
unknown SKU is reported rather than lost. Prose, dates, phone numbers and addresses are not lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.domain.lines import Rejection
from mailbot.parsers.catalogue import Catalogue, Found, joined
from mailbot.parsers.columns import find_header, is_total_row
from mailbot.parsers.order_lines import (
    BODY,
    NO_CATALOGUE,
    REQUIRED,
    Collector,
    LineBudget,
    OrderLines,
    cell_quantity,
    columns_of,
    looks_like_sku,
)
from mailbot.parsers.quantities import (
    UNITS,
    QuantityReading,
    counts,
    read_explicit_quantity,
    read_quantity,
)


def _sku(name: str) -> str:
    """A SKU in free text: letters, digits and . - / _ inside. It must also hold a letter and
    a digit (checked apart), which keeps dates, times, phone numbers and plain words out."""
    return rf"(?P<{name}>\w(?:[\w.\-/]*\w)?)"


def _quantity(name: str) -> str:
    """No "+" and no leading zero: "+40 721…" and "0721…" are phone numbers, not quantities."""
    return rf"(?P<{name}>-?(?:[1-9][\d.,]*|0(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)"


_SEPARATOR = r"(?:\s+[xх]\s*|\s*[×*;,|:=\t]\s*|\s*[–—]\s*|\s+-\s+)"
_ORDER_LINE = re.compile(
    rf"(?:{_sku('sku1')}{_SEPARATOR}{_quantity('quantity1')}(?:\s*{UNITS})?"
    rf"|{_sku('sku2')}\s+{_quantity('quantity2')}\s*{UNITS}"
    rf"|{_quantity('quantity3')}(?:\s*{UNITS})?\s*[xх×*]\s*{_sku('sku3')})"
    r"(?:\s*\([^()]*\))?\s*[.!]?",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"(?:[-*•·▪]|\d{1,3}[.)]|#\d{1,3}|pos\.?\s*\d{1,3}[.:)]?)\s+", re.I)
_RULE_CELL = re.compile(r":?-{2,}:?")
_MAX_LINE = 300
_GLUED = re.compile(r"(.*\d)([xх×*]\d{1,4}[.,]?)", re.IGNORECASE)
_LEADING_COUNT = re.compile(r"(?<!\S)\d+\s*[xх×*]\s*$", re.IGNORECASE)
_COUNTED = re.compile(rf"(?<![\w.,])\d+\s*{UNITS}(?!\w)", re.IGNORECASE)
_MAX_COUNTED_LINE = 80  # longer lines with "4 pcs" in them are sentences, not order lines
_BRAND = re.compile(r"[A-Z]{2,8}")  # "WVA", "KNORR" in front of a number


def order_lines_from_text(
    text: str,
    catalogue: Catalogue = NO_CATALOGUE,
    source: str = BODY,
    budget: LineBudget | None = None,
) -> OrderLines:
    """The order lines written in a text, with Origin(`source`, line number).

    Reads "SKU x 5", "5 x SKU", "SKU; 5", "SKU — 5 pcs", "SKU<TAB>5" and the like, one a
    line, and tables with a header row whose cells are split by "|" or TAB (as html2text
    renders HTML tables). With a `catalogue`, also any notation of the SKUs on offer. Each
    line spends one of `budget`: TooManyLinesError stops the reading when it runs out.
    """
    lines = list(enumerate(text.splitlines(), start=1))
    return order_lines_from_lines(lines, catalogue, source, budget)


def order_lines_from_lines(
    lines: Sequence[tuple[int, str]],
    catalogue: Catalogue,
    source: str,
    budget: LineBudget | None = None,
) -> OrderLines:
    """As `order_lines_from_text`, for lines that carry their own numbers (a PDF's lines)."""
    reader = _TextReader(Collector(source, budget=budget), catalogue, lines)
    reader.read()
    return reader.collector.result()


class _TextReader:
    def __init__(
        self, collector: Collector, catalogue: Catalogue, lines: Sequence[tuple[int, str]]
    ) -> None:
        self.collector = collector
        self.catalogue = catalogue
        self.numbers = [number for number, _ in lines]
        self.lines = [text for _, text in lines]

    def read(self) -> None:
        index = 0
        while index < len(self.lines):
            end = index
            while end < len(self.lines) and _is_table_line(self.lines[end]):
                end += 1
            if end - index >= 2 and self._read_block(index, end):
                index = end
            else:
                index = self._read_line(index)

    def _read_block(self, start: int, end: int) -> bool:
        """Lines start..end-1, all table rows: read by their header (or, with a catalogue, by
        their content); False when they have neither, to be read line by line."""
        rows = [(self.numbers[index], _cells(self.lines[index])) for index in range(start, end)]
        if self.catalogue:
            found = columns_of(rows, None, self.catalogue)
        else:
            header = find_header(rows, REQUIRED)
            found = None if header is None else (header[0] + 1, header[1])
        if found is None:
            return False
        first_data_row, mapping = found
        for index, (number, cells) in enumerate(rows, start=start):
            if number >= first_data_row:
                self.collector.add_mapped(number, cells, mapping, self.catalogue)
            else:
                self._read_line(index)  # a line above the header row
        return True

    def _read_line(self, index: int) -> int:
        """Read line `index`; the index of the next line to read (two when an item's quantity
        stood on the line below it)."""
        text = _content(self.lines[index])
        if not text:
            return index + 1
        tokens = _unglued(text.split())
        spans = self.catalogue.find_in(tokens) if self.catalogue else []
        if not spans and self.catalogue and counts(text):
            # A short SKU ("C 4") is looked for only on a line that plainly counts something.
            spans = self.catalogue.find_in(tokens, short=True)
        if not spans:
            self._read_shape(self.numbers[index], text, tokens)
            return index + 1
        readings = _quantities(tokens, spans)
        if len(spans) == 1 and not readings[0].found:
            below = self._quantity_below(index)
            if below is not None:
                self.collector.add_found(self.numbers[index], spans[0][2], below)
                return index + 2
        for (_, _, found), reading in zip(spans, readings, strict=True):
            self.collector.add_found(self.numbers[index], found, reading)
        return index + 1

    def _quantity_below(self, index: int) -> QuantityReading | None:
        """The quantity on the line below `index` ("qty 4"), when that line holds no SKU."""
        if index + 1 >= len(self.lines):
            return None
        text = _content(self.lines[index + 1])
        if not text or self.catalogue.find_in(text.split()):
            return None
        reading = read_explicit_quantity(text)
        return reading if reading.found else None

    def _read_shape(self, number: int, text: str, tokens: Sequence[str]) -> None:
        """A line without a known SKU (`tokens`: its words, quantities glued to a SKU split
        off): a line when it has an order line's shape."""
        match = _ORDER_LINE.fullmatch(text.strip("|").strip())
        if match is not None:
            sku = match["sku1"] or match["sku2"] or match["sku3"]
            quantity = match["quantity1"] or match["quantity2"] or match["quantity3"]
            found = self.catalogue.find(sku) if self.catalogue else None
            if found is not None and found.skus:
                self.collector.add_found(number, found, cell_quantity(quantity))
            elif any(char.isalpha() for char in sku) and any(char.isdigit() for char in sku):
                self.collector.add(number, sku, quantity)
            return
        if not self.catalogue:
            return
        if is_total_row(tokens, ""):
            return  # "Итого: 7 шт. на сумму 45 600,00 руб." sums up the lines above it
        # "WVA 29031 x 3" with a SKU the catalogue does not know: unknown, not ignored.
        shaped = [i for i, token in enumerate(tokens) if _sku_token(tokens, i)]
        if not shaped and _counted(text):
            # "Brake drums for the BPW axle — 4 pcs": an order line without its SKU.
            self.collector.refuse(number, Rejection.MISSING_SKU, text)
        if len(shaped) != 1:
            return
        end = shaped[0] + 1
        start = end - 2 if end >= 2 and _BRAND.fullmatch(tokens[end - 2]) else end - 1
        reading = read_quantity(" ".join(tokens[:start]), " ".join(tokens[end:]))
        if reading.value is not None and reading.explicit:
            written = joined(tokens[start:end])
            self.collector.add(number, written, str(reading.value))


def _sku_token(tokens: Sequence[str], index: int) -> bool:
    """Whether token `index` reads as (the number of) a SKU: SKU-shaped, or a number of three
    digits or more after a brand word ("WK 940")."""
    token = joined([tokens[index]])
    if looks_like_sku(token):
        return True
    after_brand = index > 0 and _BRAND.fullmatch(tokens[index - 1]) is not None
    return after_brand and token.isdigit() and len(token) >= 3


def _unglued(tokens: list[str]) -> list[str]:
    """Tokens with a quantity glued to a SKU split off: "24231995x2" is "24231995", "x2"."""
    split: list[str] = []
    for token in tokens:
        glued = _GLUED.fullmatch(token)
        split.extend((glued[1], glued[2]) if glued else (token,))
    return split


def _counted(text: str) -> bool:
    """Whether a short line counts pieces of something ("Brake drum — 4 pcs")."""
    return len(text) <= _MAX_COUNTED_LINE and _COUNTED.search(text) is not None


def _quantities(
    tokens: Sequence[str], spans: Sequence[tuple[int, int, Found]]
) -> list[QuantityReading]:
    """The quantity of each SKU span of a line, from the words around it. Between two SKUs, a
    count written quantity first ("… x 2, 4 x LF 3349") belongs to the SKU after it, the
    rest to the SKU before it."""
    starts = [start for start, _, _ in spans]
    ends = [end for _, end, _ in spans]
    befores = [" ".join(tokens[: starts[0]])]
    afters: list[str] = []
    for end, start in zip(ends, [*starts[1:], len(tokens)], strict=True):
        between = " ".join(tokens[end:start])
        if start == len(tokens):  # after the last SKU: all its own
            afters.append(between)
            continue
        leading = _LEADING_COUNT.search(between)
        cut = leading.start() if leading is not None else len(between)
        afters.append(between[:cut])
        befores.append(between[cut:])
    return [read_quantity(before, after) for before, after in zip(befores, afters, strict=True)]


def _content(line: str) -> str:
    """A line's text without list markers; "" for lines that are never order lines."""
    text = line.strip()
    if not text or text.startswith(">") or len(text) > _MAX_LINE:
        return ""
    marker = _LIST_MARKER.match(text)
    if marker is not None:
        text = text[marker.end() :]
    return text.strip()


def _is_table_line(line: str) -> bool:
    return ("|" in line or "\t" in line.strip()) and not line.lstrip().startswith(">")


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if "|" not in stripped:
        return [cell.strip() for cell in stripped.split("\t")]
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    return ["" if _RULE_CELL.fullmatch(cell) else cell for cell in cells]
