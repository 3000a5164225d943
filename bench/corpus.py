"""A deterministic corpus of order mail from many clients, for the benchmarks.

Each message is what a partner's mail client would send: body orders with greetings,
signatures and quoted earlier mail, CSV files in the encodings Russian offices use, XLSX
files with Romanian headers, bodies in Windows-1251 and KOI8-R, and now and then a logo.
The same seed and clients give the same bytes, so two runs measure the same work.

The mail comes from `bench_clients(n)`: English, Russian and Romanian clients in turn, as the
three demo clients are. Each message's language is drawn at random, and its sender is the
next client of that language, so the messages are spread evenly over the senders and none
passes the per-address reply limit (`replies.max_per_hour`) unless the corpus outgrows it.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html import escape

import xlsxwriter

from mailbot.demo import PRICE_LIST

DESK = "orders@distributor.example"
_ROWS = [row.split(";") for row in PRICE_LIST.splitlines()[1:] if row]
KNOWN_SKUS = tuple(row[0] for row in _ROWS)
NAMES = {row[0]: row[1] for row in _ROWS}
STOCK = {row[0]: int(row[6]) for row in _ROWS}
LANGUAGES = ("en", "ru", "ro")  # the demo clients' languages, in the demo's order
UNKNOWN_SKUS = ("IVECO-5801", "SCANIA-1448", "VOLVO-2099", "MB-A0004", "RENAULT-7421", "KRONE-33")
START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)

# Per language: greeting, opening sentence, closing, signature, how a quoted reply begins.
_WORDS = {
    "en": (
        "Hello,",
        "Please quote the following parts:",
        "Thank you,",
        "Fleet Parts Ltd, purchasing\nTel. +44 20 7946 0958",
        "On Fri, 30 Oct 2026 at 10:31, Order desk <orders@distributor.example> wrote:",
    ),
    "ru": (
        "Добрый день!",
        "Просим выставить счёт на следующие позиции:",
        "С уважением,",
        "ООО «Вектор-Транс», отдел снабжения\nтел. +7 495 123-45-67",
        "30.10.2026 10:31, Order desk <orders@distributor.example> пишет:",
    ),
    "ro": (
        "Bună ziua,",
        "Vă rugăm să ne trimiteți oferta pentru:",
        "Mulțumim,",
        "AutoTrans Cluj SRL, achiziții\nTel. 0264 123 456",
        "În vin., 30 oct. 2026 la 10:31, Order desk <orders@distributor.example> a scris:",
    ),
}
_UNIT = {"en": "pcs", "ru": "шт", "ro": "buc"}
_HEADERS = {
    "en": ("SKU", "Description", "Qty"),
    "ru": ("Артикул", "Наименование", "Кол-во"),
    "ro": ("Cod articol", "Denumire", "Cantitate"),
}
_KOI8_SUBSTITUTES = str.maketrans({"—": "-", "«": '"', "»": '"', "€": "EUR"})
_SUBJECTS = {"en": "Order", "ru": "Заказ", "ro": "Comandă"}


_CLIENTS = {  # per language: the address and the name of client n, and its group
    "en": ("buying@fleet{n:03d}.example", "Fleet Parts {n} Ltd", "fleet"),
    "ru": ("zakaz@vector{n:03d}.example", "ООО Вектор-Транс {n}", "fleet"),
    "ro": ("achizitii@autotrans{n:03d}.example", "AutoTrans {n} SRL", "workshop"),
}


@dataclass(frozen=True, slots=True)
class Client:
    """A client the corpus writes from, as `mailbot partners add` registers it."""

    address: str
    name: str
    language: str
    group: str


def bench_clients(count: int) -> tuple[Client, ...]:
    """`count` clients with distinct addresses, their languages taking turns (en, ru, ro)."""
    if count < len(LANGUAGES):
        raise ValueError(f"at least {len(LANGUAGES)} clients: one per language")
    clients = []
    for n in range(1, count + 1):
        language = LANGUAGES[(n - 1) % len(LANGUAGES)]
        address, name, group = _CLIENTS[language]
        clients.append(Client(address.format(n=n), name.format(n=n), language, group))
    return tuple(clients)


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated message: its bytes, its kind, its sender, how many order lines it holds
    and how many of them the demo price list can price (a known SKU, enough in stock)."""

    raw: bytes
    kind: str
    message_id: str
    sender: str
    lines: int
    priced: int


def per_sender(samples: Sequence[Sample]) -> Counter[str]:
    """How many of `samples` each sender wrote."""
    return Counter(sample.sender for sample in samples)


class Corpus:
    """Builds messages from one `random.Random`, so a seed always gives the same corpus."""

    def __init__(self, seed: int, clients: Sequence[Client]) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.clients = {
            language: [c for c in clients if c.language == language] for language in LANGUAGES
        }
        if not all(self.clients.values()):
            raise ValueError(f"the clients must include one of each language {LANGUAGES}")
        self._turns = dict.fromkeys(LANGUAGES, 0)

    def messages(self, count: int) -> list[Sample]:
        """`count` messages: about 45% body orders, 35% CSV files, 20% XLSX files."""
        builders = (self._body_order, self._csv_order, self._xlsx_order)
        return [
            self.rng.choices(builders, weights=(45, 35, 20))[0](number) for number in range(count)
        ]

    def _sender(self) -> tuple[str, str]:
        """The next message's (address, language): the language at random (one draw of three,
        as when the corpus came from the three demo clients), the sender the next client of
        that language, so that each client of a language writes as often as another."""
        language = self.rng.choice(LANGUAGES)
        clients, turn = self.clients[language], self._turns[language]
        self._turns[language] = turn + 1
        return clients[turn % len(clients)].address, language

    def _order(self, size: int) -> list[tuple[str, int]]:
        """`size` (SKU, quantity) pairs, about one SKU in eight unknown."""
        pairs = []
        for _ in range(size):
            sku = self.rng.choice(UNKNOWN_SKUS if self.rng.random() < 0.12 else KNOWN_SKUS)
            pairs.append((sku, self.rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20))))
        return pairs

    def _rows(self) -> int:
        """Rows in a file: mostly a handful, sometimes a few hundred (a fleet's service plan)."""
        return self.rng.choice((2, 3, 5, 8, 12, 20, 40)) if self.rng.random() < 0.9 else 400

    def _body_order(self, number: int) -> Sample:
        address, language = self._sender()
        greeting, opening, closing, signature, attribution = _WORDS[language]
        pairs = self._order(self.rng.choice((1, 2, 3, 4, 6, 9)))
        message = self._envelope(number, address, language)
        if language == "en" and self.rng.random() < 0.2:
            # Some mail programs send HTML alone; the order is a table in it.
            cells = "".join(f"<tr><td>{s}</td><td>{q}</td></tr>" for s, q in pairs)
            table = f"<table><tr><th>SKU</th><th>Qty</th></tr>{cells}</table>"
            markup = f"<p>{greeting}</p><p>{opening}</p>{table}<p>{closing}<br>{signature}</p>"
            message.set_content(f"<html><body>{markup}</body></html>", subtype="html")
            return self._sample(message, number, "body-html-table", pairs)
        lines = [self._line(sku, quantity, language) for sku, quantity in pairs]
        body = [greeting, "", opening, "", *lines, "", closing]
        # Outlook-style signatures have no "-- " delimiter; the parser must still skip them.
        body += ["-- ", signature] if self.rng.random() < 0.5 else [signature]
        if self.rng.random() < 0.35:
            body += ["", attribution, *(f"> {text}" for text in self._earlier(language))]
        charset = "utf-8"
        if language == "ru":
            charset = self.rng.choice(("utf-8", "windows-1251", "koi8-r"))
        text = "\n".join(body) + "\n"
        if charset == "koi8-r":
            text = text.translate(_KOI8_SUBSTITUTES)  # what a KOI8-R mail program writes
        message.set_content(text, charset=charset)
        if self.rng.random() < 0.4:
            markup = "".join(f"<p>{escape(line)}</p>" if line else "<br>" for line in body)
            message.add_alternative(f"<html><body>{markup}</body></html>", subtype="html")
        self._maybe_logo(message)
        return self._sample(message, number, "body-" + charset, pairs)

    def _line(self, sku: str, quantity: int, language: str) -> str:
        shapes = (
            f"{sku} x {quantity}",
            f"{quantity} x {sku}",
            f"{sku}; {quantity}",
            f"{sku} — {quantity} {_UNIT[language]}",
            f"- {sku} x {quantity}",
        )
        return self.rng.choice(shapes)

    def _earlier(self, language: str) -> list[str]:
        """The quote mailbot sent before, as the client's mail program quotes it."""
        greeting = _WORDS[language][0]
        lines = [greeting, "", "Quote ORD-2026-000042:", ""]
        for position, (sku, quantity) in enumerate(self._order(self.rng.randint(3, 30)), 1):
            lines += [f"  {position}. {sku} — {NAMES.get(sku, sku)}", f"     {quantity} x 84.00 €"]
        return [*lines, "", "Reply AGREE to confirm or CANCEL to cancel."]

    def _csv_order(self, number: int) -> Sample:
        address, language = self._sender()
        delimiter = "," if language == "en" or self.rng.random() < 0.2 else ";"
        encoding = {
            "en": "utf-8",
            "ro": "utf-8-sig",
            "ru": self.rng.choice(("utf-8-sig", "windows-1251", "koi8-r")),
        }[language]
        pairs = self._order(self._rows())
        rows = [_HEADERS[language]]
        rows += [(sku, NAMES.get(sku, ""), str(quantity)) for sku, quantity in pairs]
        if language == "ru" and self.rng.random() < 0.3:
            rows.append(("Итого", "", str(sum(quantity for _, quantity in pairs))))
        text = "".join(delimiter.join(_cell(c, delimiter) for c in row) + "\r\n" for row in rows)
        message = self._envelope(number, address, language)
        greeting, opening, closing, signature, _ = _WORDS[language]
        message.set_content(f"{greeting}\n\n{opening} (CSV)\n\n{closing}\n{signature}\n")
        message.add_attachment(
            text.encode(encoding), maintype="text", subtype="csv", filename=f"order-{number}.csv"
        )
        self._maybe_logo(message)
        return self._sample(message, number, "csv-" + encoding, pairs)

    def _xlsx_order(self, number: int) -> Sample:
        address, language = self._sender()
        pairs = self._order(self._rows())
        stream = io.BytesIO()
        workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
        workbook.set_properties({"created": START.replace(tzinfo=None)})
        sheet = workbook.add_worksheet("Comanda" if language == "ro" else "Order")
        sheet.write_row(0, 0, _HEADERS[language])
        for row, (sku, quantity) in enumerate(pairs, 1):
            sheet.write_row(row, 0, (sku, NAMES.get(sku, ""), quantity))
        workbook.close()
        message = self._envelope(number, address, language)
        greeting, opening, closing, signature, _ = _WORDS[language]
        message.set_content(f"{greeting}\n\n{opening} (XLSX)\n\n{closing}\n{signature}\n")
        message.add_attachment(
            stream.getvalue(),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"comanda-{number}.xlsx",
        )
        return self._sample(message, number, "xlsx", pairs)

    def _envelope(self, number: int, address: str, language: str) -> EmailMessage:
        message = EmailMessage(policy=SMTP)
        message["From"] = address
        message["To"] = DESK
        message["Subject"] = f"{_SUBJECTS[language]} {number}"
        message["Date"] = format_datetime(START + timedelta(minutes=7 * number))
        message["Message-ID"] = f"<bench-{self.seed}-{number}@{address.partition('@')[2]}>"
        return message

    def _maybe_logo(self, message: EmailMessage) -> None:
        # A signature logo: bulk that the parser carries but must not read as an order.
        if self.rng.random() < 0.3:
            logo = b"\x89PNG\r\n\x1a\n" + self.rng.randbytes(self.rng.randint(2_000, 20_000))
            message.add_attachment(logo, maintype="image", subtype="png", filename="logo.png")

    def _sample(
        self, message: EmailMessage, number: int, kind: str, pairs: Sequence[tuple[str, int]]
    ) -> Sample:
        # The email package draws MIME boundaries from the global random generator.
        for index, part in enumerate(message.walk()):
            if part.is_multipart():
                part.set_boundary(f"=_bench_{self.seed}_{number}_{index}")
        message_id = str(message["Message-ID"]).strip("<>")
        priced = sum(1 for sku, quantity in pairs if quantity <= STOCK.get(sku, 0))
        sender = str(message["From"])
        return Sample(message.as_bytes(), kind, message_id, sender, len(pairs), priced)


def _cell(cell: str, delimiter: str) -> str:
    return f'"{cell}"' if delimiter in cell else cell
