"""What a held-out order mail is, and the few helpers that write one with the email package.

The held-out mails (`tests.holdout_orders`) are written by hand, one literal each, the way
purchasing clerks write; they are not drawn from the reading corpus's generator, so they check
the reader on notations and layouts its authors did not think of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP

from tests.reading_corpus import CLIENTS, CorpusMail, ExpectedLine

DESK = "orders@distributor.example"


@dataclass(frozen=True)
class Holdout:
    """One held-out mail scored like a corpus mail, with the SKUs as written that are on no
    price list: a careful person reports each of them as unknown, never prices or drops it."""

    mail: CorpusMail
    unknown: tuple[str, ...] = ()


def line(sku: str, quantity: int, written: str = "") -> ExpectedLine:
    """A line a person prices: the catalogue SKU, the quantity, the SKU as the clerk wrote it."""
    return ExpectedLine(sku, quantity, written or sku)


def message(language: str, subject: str, text: str = "", *, html: str = "") -> EmailMessage:
    """A mail from the language's client to the desk with a text body, an HTML body or both
    (then as alternatives)."""
    out = EmailMessage(policy=SMTP)
    out["From"] = f"{CLIENTS[language][1]} <{CLIENTS[language][0]}>"
    out["To"] = DESK
    out["Subject"] = subject
    out["Date"] = "Thu, 03 Dec 2026 09:12:00 +0200"
    if text:
        out.set_content(text)
        if html:
            out.add_alternative(html, subtype="html")
    else:
        out.set_content(html, subtype="html")
    return out


def holdout(
    name: str,
    shape: str,
    msg: EmailMessage,
    expected: Sequence[ExpectedLine],
    *,
    asks: Sequence[str] = (),
    unknown: Sequence[str] = (),
) -> Holdout:
    """A held-out mail: `name` starts with its language ("md" for Moldova, whose client is the
    Romanian one), `asks` and `unknown` are SKUs as written in the mail."""
    language = {"md": "ro"}.get(name.split("_", 1)[0], name.split("_", 1)[0])
    mail = CorpusMail(name, language, shape, msg.as_bytes(), tuple(expected), tuple(asks))
    return Holdout(mail, tuple(unknown))


def earlier_quote(number: str, rows: Sequence[tuple[str, str, int, str]]) -> list[str]:
    """The lines of an earlier quote from the desk as its English text mail shows them:
    `rows` are (SKU, name, quantity, unit price)."""
    out = [
        "Dear client,",
        "",
        f"Thank you for your order. Here is our quote for order {number}, "
        "received on 2 Dec 2026, 16:05.",
        "",
    ]
    for n, (sku, name, quantity, price) in enumerate(rows, start=1):
        out.append(f"{n:3d}. {sku} — {name}")
        total = quantity * Decimal(price)
        out.append(f"     {quantity} × €{price} = €{total} · in stock")
    return [*out, "", "Reply AGREE to confirm or CANCEL to cancel.", "", "Kind regards,",
            "Order desk"]  # fmt: skip
