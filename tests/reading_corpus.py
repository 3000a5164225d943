"""A seeded corpus of order mails written the way purchasing clerks write them, each with the
lines a person would price and the lines a person would ask about.

Each mail comes from one of three clients (`CLIENTS`, English, Russian and Romanian) and has
one shape (`SHAPES`): a plain body, items over two lines, Outlook HTML, HTML-only mail, an
HTML table, inline and attached forwards, a reply on top of an earlier quote, a CSV, an XLSX
or a PDF purchase order. Lines are written in many notations (`reading_words.BODY_LINES`) with
SKUs typed as clerks type them (`_written`). The same count and seed give the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from tests import reading_words as words
from tests.reading_catalogue import CatalogueItem, catalogue, colliding, separator_free
from tests.reading_files import (
    CREATED,
    Cell,
    csv_file,
    outlook_html,
    pdf_file,
    pdf_unicode,
    simple_html,
    xlsx_file,
)

__all__ = ["CLIENTS", "CatalogueItem", "CorpusMail", "ExpectedLine", "catalogue", "corpus"]

CLIENTS = words.CLIENTS
DESK = "orders@distributor.example"
ASK_SHARE = 0.12
LANGUAGES = ("en", "ru", "ro")
# Cyrillic letters that look like Latin ones, as Russian keyboards type them into SKUs.
LOOK_ALIKES = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


@dataclass(frozen=True)
class ExpectedLine:
    """A line a person would price: the catalogue SKU exactly as in the price list, the
    quantity, and the SKU as the clerk wrote it."""

    sku: str
    quantity: int
    written: str = ""


@dataclass(frozen=True)
class CorpusMail:
    """One mail as raw RFC 5322 bytes, with what reading it right gives: the lines to price and
    the written SKUs of the lines to ask about."""

    name: str
    language: str
    shape: str
    raw: bytes
    expected: tuple[ExpectedLine, ...]
    asks: tuple[str, ...]


@dataclass(frozen=True)
class _Line:
    """One line of an order as the clerk means it; `ask` names why a person would ask
    ("range", "available", "unreadable", "ambiguous"), "" for a line to price."""

    item: CatalogueItem
    written: str
    quantity: int
    ask: str = ""


@dataclass(frozen=True)
class _Mail:
    """What a shape builds: the message and the order lines written into it."""

    message: EmailMessage
    lines: tuple[_Line, ...]


class _Writer:
    """The state of one mail being written: its random source, language and catalogue."""

    def __init__(self, rng: random.Random, language: str, items: Sequence[CatalogueItem]) -> None:
        self.rng, self.language, self.items = rng, language, items

    def pick(self, table: words.Words) -> str:
        return self.rng.choice(table[self.language])

    def name(self, item: CatalogueItem) -> str:
        return words.NAMES.get(self.language, {}).get(item.name, item.name)

    def unit(self) -> str:
        return self.pick(words.UNITS)


# --- what a line says ---------------------------------------------------------------------


def _quantity(rng: random.Random) -> int:
    return rng.choice((1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 8, 10, 12, 16, 20, 24, 50))


def _written(w: _Writer, item: CatalogueItem) -> str:
    """The SKU as a clerk types it: as listed, lower case, without separators, a dash for a
    space, the brand in front, or (Russian clerks) Cyrillic look-alike letters."""
    sku, rng = item.sku, w.rng
    ways = ["listed"] * 9 + ["lower"] * 2
    if separator_free(sku) != sku.upper():
        ways += ["compact"] * 3
    if " " in sku:
        ways += ["dash"] * 2
    if not sku.upper().startswith(item.brand):
        ways += ["brand"] * 2
    if w.language == "ru" and sku.translate(LOOK_ALIKES) != sku:
        ways += ["cyrillic"] * 2
    way = rng.choice(ways)
    if way == "lower":
        return sku.lower()
    if way == "compact":
        return separator_free(sku)
    if way == "dash":
        return sku.replace(" ", "-")
    if way == "brand":
        return f"{item.brand.title() if rng.random() < 0.5 else item.brand} {sku}"
    if way == "cyrillic":
        return sku.translate(LOOK_ALIKES)
    return sku


def _lines(w: _Writer) -> tuple[_Line, ...]:
    """1-8 lines of distinct items, and now and then one line to ask about among them."""
    colliding_skus = {item.sku for pair in colliding(tuple(w.items)) for item in pair}
    plain = [item for item in w.items if item.sku not in colliding_skus]
    count = w.rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8))
    lines = [
        _Line(item, _written(w, item), _quantity(w.rng)) for item in w.rng.sample(plain, count)
    ]
    if w.rng.random() < ASK_SHARE:
        lines.insert(w.rng.randint(0, len(lines)), _ask(w, plain))
    return tuple(lines)


def _ask(w: _Writer, plain: Sequence[CatalogueItem]) -> _Line:
    kind = w.rng.choice(("range", "available", "unreadable", "ambiguous"))
    if kind == "ambiguous":
        first, _ = w.rng.choice(colliding(tuple(w.items)))
        number = separator_free(first.sku)[3:]
        written = w.rng.choice((f"SAF{number}", f"saf{number}", f"SAF-{number}"))
        return _Line(first, written, _quantity(w.rng), kind)
    item = w.rng.choice(plain)
    return _Line(item, _written(w, item), 0, kind)


def _range(w: _Writer) -> dict[str, int]:
    low = w.rng.randint(1, 5)
    return {"a": low, "b": low + w.rng.randint(1, 3)}


def body_line(w: _Writer, line: _Line) -> str:
    """The line in a mail body, in one of the language's notations."""
    fields: dict[str, object] = {"sku": line.written, "name": w.name(line.item)}
    if line.ask in words.ASK_LINES:
        return w.pick(words.ASK_LINES[line.ask]).format(**fields, **_range(w))
    template = w.pick(words.BODY_LINES)
    price = f"{line.item.price:.2f}"
    return template.format(**fields, q=line.quantity, unit=w.unit(), price=price)


def quantity_cell(w: _Writer, line: _Line, *, decimals: bool) -> Cell:
    """The quantity as a spreadsheet cell: a number, or the words of an ask."""
    if line.ask in words.ASK_CELLS:
        return w.pick(words.ASK_CELLS[line.ask]).format(**_range(w))
    return float(line.quantity) if decimals else line.quantity


# --- bodies -------------------------------------------------------------------------------


def _marker(w: _Writer) -> Callable[[int], str]:
    style = w.rng.choice(("", "", "", "{n}) ", "{n}. ", "- ", "* ", "• "))
    return lambda n: style.format(n=n)


def order_text(w: _Writer, lines: Sequence[_Line], *, two_lines: bool = False) -> list[str]:
    """The order lines of a body: a list marker per line, items over two lines when asked."""
    marker, out = _marker(w), []
    for n, line in enumerate(lines, start=1):
        if two_lines and not line.ask:
            out.append(f"{marker(n)}{line.written} {w.name(line.item)}")
            out.append(w.pick(words.QUANTITY_LINES).format(q=line.quantity))
        else:
            out.append(marker(n) + body_line(w, line))
    return out


def _total(w: _Writer, lines: Sequence[_Line]) -> list[str]:
    if w.rng.random() < 0.3:
        return [w.pick(words.TOTALS).format(n=sum(line.quantity for line in lines))]
    return []


def wrap(w: _Writer, middle: Sequence[str], *, intro: bool = True) -> list[str]:
    """A body around `middle`: greeting, intro, `middle`, perhaps a delivery note, closing,
    the person and the signature with phones, addresses and company codes."""
    text = [w.pick(words.GREETINGS), ""]
    if intro:
        text += [w.pick(words.INTROS), ""]
    text += [*middle, ""]
    if w.rng.random() < 0.3:
        text += [w.pick(words.DELIVERY), ""]
    text += [w.pick(words.CLOSINGS), w.pick(words.PEOPLE)]
    if w.rng.random() < 0.5:
        text.append("--")
    return [*text, w.pick(words.SIGNATURES)]


def order_body(w: _Writer, lines: Sequence[_Line], *, two_lines: bool = False) -> list[str]:
    return wrap(w, [*order_text(w, lines, two_lines=two_lines), "", *_total(w, lines)])


def _outlook_block(w: _Writer, sender: str, subject: str, to: str) -> list[str]:
    fields = words.OUTLOOK_FIELDS[w.language]
    values = (sender, "Thursday, November 19, 2026 4:12 PM", to, subject)
    return [
        "________________________________",
        *(f"{k}: {v}" for k, v in zip(fields, values, strict=True)),
    ]


def _desk_quote(w: _Writer, number: str) -> list[str]:
    """The lines of an earlier quote from the desk, as its mail showed them."""
    out = [f"Quote {number}", ""]
    total = Decimal(0)
    for n, item in enumerate(w.rng.sample(list(w.items), w.rng.randint(1, 4)), start=1):
        quantity = _quantity(w.rng)
        total += quantity * item.price
        out.append(
            f"{n}. {item.sku}  {item.name}  {quantity} x {item.price:.2f} EUR"
            f" = {quantity * item.price:.2f} EUR"
        )
    return [*out, "", f"Total: {total:.2f} EUR", "Reply AGREE to confirm this quote."]


# --- message assembly ---------------------------------------------------------------------


def _message(w: _Writer, subject: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = f"{CLIENTS[w.language][1]} <{CLIENTS[w.language][0]}>"
    message["To"] = DESK
    message["Subject"] = subject
    return message


def _text(w: _Writer, subject: str, lines: Sequence[str]) -> EmailMessage:
    message = _message(w, subject)
    message.set_content("\n".join(lines) + "\n")
    return message


def _attached(w: _Writer, filename: str, data: bytes, mime: str) -> EmailMessage:
    message = _text(w, w.pick(words.SUBJECTS), wrap(w, [w.pick(words.ATTACHED)], intro=False))
    maintype, _, subtype = mime.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


# --- shapes: each writes one mail ---------------------------------------------------------


def _body(w: _Writer) -> _Mail:
    lines = _lines(w)
    return _Mail(_text(w, w.pick(words.SUBJECTS), order_body(w, lines)), lines)


def _two_lines(w: _Writer) -> _Mail:
    lines = _lines(w)
    return _Mail(_text(w, w.pick(words.SUBJECTS), order_body(w, lines, two_lines=True)), lines)


def _body_html(w: _Writer) -> _Mail:
    lines = _lines(w)
    text = order_body(w, lines)
    message = _text(w, w.pick(words.SUBJECTS), text)
    message.add_alternative(outlook_html([*"\n".join(text).splitlines()], [], []), subtype="html")
    return _Mail(message, lines)


def _html_only(w: _Writer) -> _Mail:
    lines = _lines(w)
    message = _message(w, w.pick(words.SUBJECTS))
    message.set_content(simple_html("\n".join(order_body(w, lines)).splitlines()), subtype="html")
    return _Mail(message, lines)


def _html_table(w: _Writer) -> _Mail:
    lines = _lines(w)
    rows = table_rows(w, lines)
    before = [w.pick(words.GREETINGS), "", w.pick(words.INTROS)]
    signature = w.pick(words.SIGNATURES).split("\n")
    after = ["", w.pick(words.CLOSINGS), w.pick(words.PEOPLE), *signature]
    message = _message(w, w.pick(words.SUBJECTS))
    html = outlook_html(before, rows, after)
    if w.rng.random() < 0.5:
        tabbed = ["\t".join(str(cell) for cell in row) for row in rows]
        message.set_content("\n".join([*before, "", *tabbed, *after]) + "\n")
        message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return _Mail(message, lines)


def _forward_inline(w: _Writer) -> _Mail:
    lines = _lines(w)
    subject = w.pick(words.SUBJECTS)
    colleague = f"{w.pick(words.PEOPLE)} <depot@{CLIENTS[w.language][0].split('@')[1]}>"
    if w.rng.random() < 0.5:
        head = _outlook_block(w, colleague, subject, CLIENTS[w.language][0])
        prefix = "FW: "
    else:
        head = [words.GMAIL_FORWARD[w.language], f"From: {colleague}",
                "Date: Thu, 19 Nov 2026 at 16:12", f"Subject: {subject}",
                f"To: {CLIENTS[w.language][0]}"]  # fmt: skip
        prefix = "Fwd: "
    text = [w.pick(words.FORWARD_NOTES), "", w.pick(words.PEOPLE), "", *head, ""]
    return _Mail(_text(w, prefix + subject, [*text, *order_body(w, lines)]), lines)


def _forward_attached(w: _Writer) -> _Mail:
    lines = _lines(w)
    subject = w.pick(words.SUBJECTS)
    inner = _text(w, subject, order_body(w, lines))
    domain = CLIENTS[w.language][0].split("@")[1]
    inner.replace_header("From", f"{w.pick(words.PEOPLE)} <depot@{domain}>")
    inner.replace_header("To", CLIENTS[w.language][0])
    inner["Date"] = "Thu, 19 Nov 2026 16:12:00 +0200"
    message = _text(w, "Fwd: " + subject, [w.pick(words.FORWARD_NOTES), "", w.pick(words.PEOPLE)])
    message.add_attachment(inner)
    return _Mail(message, lines)


def _reply_to_quote(w: _Writer) -> _Mail:
    lines = _lines(w)
    number = f"ORD-2025-{w.rng.randint(100, 999):06d}"
    quote = _desk_quote(w, number)
    if w.rng.random() < 0.5:
        earlier = [words.QUOTE_INTRO[w.language], *(f"> {line}".rstrip() for line in quote)]
    else:
        desk = f"Order desk <{DESK}>"
        earlier = [*_outlook_block(w, desk, f"Quote {number}", CLIENTS[w.language][0]), "", *quote]
    top = [w.pick(words.ADD_ON_REPLY), "", *order_text(w, lines)]
    text = [*wrap(w, top, intro=False), "", *earlier]
    return _Mail(_text(w, f"Re: Quote {number}", text), lines)


def table_rows(w: _Writer, lines: Sequence[_Line], *, decimals: bool = False) -> list[list[Cell]]:
    """A header row and one row per line, in one of the column layouts clerks use; the
    quantity column is the last but one only in the layout with a price after it."""
    layout = w.rng.choice(
        (
            ("sku", "name", "qty"),
            ("pos", "sku", "name", "qty"),
            ("pos", "name", "sku", "brand", "qty"),
            ("name", "sku", "qty", "price"),
            ("sku", "qty"),
            ("pos", "brand", "sku", "name", "unit", "qty"),
        )
    )
    rows: list[list[Cell]] = [[w.pick(words.HEADERS[column]) for column in layout]]
    for n, line in enumerate(lines, start=1):
        cells: dict[str, Cell] = {
            "pos": n,
            "sku": line.written,
            "name": w.name(line.item),
            "brand": line.item.brand,
            "qty": quantity_cell(w, line, decimals=decimals),
            "price": f"{line.item.price:.2f}",
            "unit": w.unit(),
        }
        rows.append([cells[column] for column in layout])
    return rows


def _framed(w: _Writer, lines: Sequence[_Line], rows: list[list[Cell]]) -> list[list[Cell]]:
    """`rows` below a title and a date, above a totals row and a prepared-by footer, as clerks'
    templates have them."""
    width = len(rows[0])
    top: list[list[Cell]] = []
    if w.rng.random() < 0.6:
        number = str(w.rng.randint(100, 9999))
        top = [[w.pick(words.TITLES).format(n=number)], [w.pick(words.DATES)], []]
    bottom: list[list[Cell]] = []
    if w.rng.random() < 0.5:
        # The sum under the quantities, its label in the column before them.
        at = width - 2 if rows[0][-1] in words.HEADERS["price"][w.language] else width - 1
        total: list[Cell] = [""] * width
        total[at - 1] = w.pick(words.TABLE_TOTALS)
        total[at] = sum(line.quantity for line in lines)
        bottom.append(total)
    if w.rng.random() < 0.5:
        bottom += [[], [w.pick(words.PREPARED_BY)]]
    return [*top, *rows, *bottom]


def _csv(w: _Writer) -> _Mail:
    lines = _lines(w)
    rows = _framed(w, lines, table_rows(w, lines, decimals=w.rng.random() < 0.25))
    for row in rows:  # "2,00": quantities with decimals, as 1C exports them
        row[:] = [f"{c:.2f}".replace(".", ",") if isinstance(c, float) else c for c in row]
    delimiter = w.rng.choice((";", ",", "\t"))
    encodings = ("utf-8", "utf-8-sig", "cp1251") if w.language == "ru" else ("utf-8", "utf-8-sig")
    data = csv_file(rows, delimiter=delimiter, encoding=w.rng.choice(encodings))
    return _Mail(_attached(w, w.rng.choice(("order.csv", "zakaz.csv", "comanda.csv")),
                           data, "text/csv"), lines)  # fmt: skip


def _xlsx(w: _Writer) -> _Mail:
    lines = _lines(w)
    rows = _framed(w, lines, table_rows(w, lines, decimals=w.rng.random() < 0.3))
    empty, details, order = words.SHEETS[w.language]
    sheets: list[tuple[str, Sequence[Sequence[Cell]]]] = [(order, rows)]
    place = w.rng.random()
    if place < 0.25:
        sheets.insert(0, (empty, []))
    elif place < 0.45:
        sheets.insert(0, (details, [list(row) for row in words.COMPANY_ROWS[w.language]]))
    data = xlsx_file(sheets, active=0)
    name = w.rng.choice(("order.xlsx", "Comanda_noiembrie.xlsx", "заказ 20.11.xlsx"))
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _Mail(_attached(w, name, data, mime), lines)


def _pdf(w: _Writer) -> _Mail:
    lines = _lines(w)
    number = str(w.rng.randint(100, 9999))
    heading = [w.pick(words.TITLES).format(n=number), w.pick(words.DATES)]
    footer = [w.pick(words.PREPARED_BY), *w.pick(words.SIGNATURES).split("\n")[:2]]
    latin = w.language == "en"
    if w.rng.random() < 0.5:
        data = pdf_file(heading, table_rows(w, lines), footer, ruled=True, latin=latin)
    else:
        rows = [[f"{n}. {body_line(w, line)}"] for n, line in enumerate(lines, start=1)]
        data = pdf_file(heading, rows, footer, ruled=False, latin=latin)
    return _Mail(_attached(w, f"PO-{number}.pdf", data, "application/pdf"), lines)


SHAPES: tuple[tuple[str, Callable[[_Writer], _Mail], int], ...] = (
    ("body", _body, 16),
    ("body-two-lines", _two_lines, 5),
    ("body-html", _body_html, 7),
    ("html-only", _html_only, 5),
    ("html-table", _html_table, 8),
    ("forward-inline", _forward_inline, 10),
    ("forward-attached", _forward_attached, 5),
    ("reply-to-quote", _reply_to_quote, 8),
    ("csv", _csv, 12),
    ("xlsx", _xlsx, 14),
    ("pdf", _pdf, 10),
)


def _finish(message: EmailMessage, index: int, seed: int, domain: str) -> bytes:
    """Date, Message-ID and multipart boundaries fixed, so the same seed gives the same bytes."""
    message["Date"] = format_datetime(CREATED.replace(minute=index % 60, second=index // 60 % 60))
    message["Message-ID"] = f"<reading-{seed}-{index}@{domain}>"
    for number, part in enumerate(message.walk()):
        if part.get_content_maintype() == "multipart":
            part.set_boundary(f"=_reading_{seed}_{index}_{number}")
    return message.as_bytes()


def corpus(count: int, seed: int = 1) -> tuple[CorpusMail, ...]:
    """`count` mails from the three clients, each with its exact expectation."""
    rng = random.Random(f"corpus-{seed}")
    items = catalogue(seed)
    mails = []
    for index in range(count):
        name, build, _ = rng.choices(SHAPES, weights=[weight for *_, weight in SHAPES])[0]
        language = rng.choice(LANGUAGES)
        if name == "pdf" and not pdf_unicode():
            language = "en"  # without a Unicode font a PDF holds Latin letters only
        built = build(_Writer(rng, language, items))
        raw = _finish(built.message, index, seed, CLIENTS[language][0].split("@")[1])
        expected = tuple(
            ExpectedLine(line.item.sku, line.quantity, line.written)
            for line in built.lines
            if not line.ask
        )
        asks = tuple(line.written for line in built.lines if line.ask)
        mails.append(CorpusMail(f"{index:04d}-{language}-{name}", language, name, raw,
                                expected, asks))  # fmt: skip
    return tuple(mails)
