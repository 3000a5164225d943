"""PRICES by email, on SQLite and PostgreSQL: the client's price list comes back attached."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.services.inbox.handling import Outcome
from mailbot.storage.models import Event, OutboundMessage
from tests.mail import headers, mail, parts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ingest(app: App, raw: bytes) -> Outcome:
    stored = app.store(raw, "file")
    assert app.processor.claim(stored.id)
    return app.processor.process_claimed(stored.id)


def replies(app: App) -> list[OutboundMessage]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def attachments(raw: bytes) -> list[tuple[str, str, bytes]]:
    found = []
    for part in headers(raw).walk():
        if part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append((part.get_filename() or "", part.get_content_type(), payload))
    return found


@pytest.mark.parametrize(
    ("sender", "subject", "body", "words"),
    [
        ("buying@fleetparts.example", "PRICES", "", ("Your price list", "Items: 6")),
        ("zakaz@vector-trans.example", "Запрос", "Прайс-лист!\n\nСпасибо", ("Ваш прайс-лист",
         "Позиций в списке: 6")),
        ("achizitii@autotrans-cluj.example", "Re: Lista de prețuri", "Mulțumim",
         ("Lista dumneavoastră de prețuri", "Articole în listă: 6")),
    ],
)  # fmt: skip
def test_prices_command_is_answered_with_the_list_attached(
    app: App, sender: str, subject: str, body: str, words: tuple[str, str]
) -> None:
    """A client's PRICES mail gets, in its language and thread, its price list as XLSX."""
    seed_demo(app)
    raw = mail(sender=sender, subject=subject, body=body)
    outcome = ingest(app, raw)
    assert outcome.summary == "price list sent: 6 items, prices-2026-11-20.xlsx"
    (reply,) = replies(app)
    assert reply.kind == "price_list"
    sent = headers(reply.raw)
    assert sent["In-Reply-To"] == headers(raw)["Message-ID"]
    assert sent["Subject"].startswith(words[0])
    text = parts(reply.raw)
    assert words[1] in text["plain"]
    assert "prices-2026-11-20.xlsx" in text["html"]
    ((name, content_type, payload),) = attachments(reply.raw)
    assert (name, content_type) == ("prices-2026-11-20.xlsx", XLSX)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(payload)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 6
    with app.uow() as uow:
        assert uow.orders.count() == 0
        (event,) = uow.session.scalars(select(Event).where(Event.type == "partner.price_list_sent"))
        assert event.payload["items"] == 6


def test_a_client_who_asks_for_csv_too_gets_both_files(app: App) -> None:
    """With price_list_formats "xlsx,csv" the reply carries both files."""
    seed_demo(app)
    with app.uow() as uow:
        client = uow.partners.by_address("buying@fleetparts.example")
        assert client is not None
        client.price_list_formats = "xlsx,csv"
        uow.commit()
    ingest(app, mail(sender="buying@fleetparts.example", subject="pricelist"))
    (reply,) = replies(app)
    found = [(name, kind) for name, kind, _ in attachments(reply.raw)]
    assert found == [("prices-2026-11-20.xlsx", XLSX), ("prices-2026-11-20.csv", "text/csv")]
    csv_payload = attachments(reply.raw)[1][2]
    assert csv_payload.startswith(b"\xef\xbb\xbfSKU,Name,")


def test_an_order_that_mentions_prices_is_still_quoted(app: App) -> None:
    """An order whose text asks for prices is priced as an order, not sent the price list."""
    seed_demo(app)
    body = "Please send your best prices for:\nBPW-0310 x 2"
    raw = mail(sender="buying@fleetparts.example", subject="Price request", body=body)
    outcome = ingest(app, raw)
    assert outcome.summary.startswith("quoted ORD-")
    assert [reply.kind for reply in replies(app)] == ["quote"]


def test_suppliers_are_not_sent_price_lists(app: App) -> None:
    """PRICES from a supplier is not a client's request: no price list goes out."""
    seed_demo(app)
    ingest(app, mail(sender="sales@balkan-truck-parts.example", subject="PRICES"))
    assert [reply.kind for reply in replies(app)] == ["not_understood"]
