"""Setting up voucher tests: clients, inbound messages to cause reservations, campaigns."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert, select

from mailbot.domain.money import Money
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.storage.models import InboundMessage, Order, Partner, PartnerAddress
from mailbot.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
HOLD = NOW + timedelta(days=3)
TERMS = {"benefit": {"kind": "percent", "value": "10"}, "exclusive": False, "restrictions": []}


def add_clients(engine: Engine, count: int, start: int = 0) -> list[int]:
    """`count` client companies, each with two addresses; their ids."""
    ids = []
    with UnitOfWork(engine) as uow:
        for n in range(start, start + count):
            addresses = [PartnerAddress(address=f"{who}@client{n}.example") for who in ("a", "b")]
            client = Partner(name=f"Client {n}", role="client", language="en", group="",
                             currency="EUR", active=True, created_at=NOW,
                             addresses=addresses)  # fmt: skip
            uow.partners.add(client)
            ids.append(client.id)
        uow.commit()
    return ids


def add_inbound(engine: Engine, count: int, start: int = 0) -> list[int]:
    """`count` stored inbound messages (the mail that causes reservations); their ids."""
    rows = [
        {"sha256": hashlib.sha256(str(n).encode()).hexdigest(), "message_id": f"<{n}@test>",
         "source": "test", "raw": b"", "size": 0, "received_at": NOW, "status": "processed",
         "attempts": 1, "last_error": "", "outcome": ""}
        for n in range(start, start + count)
    ]  # fmt: skip
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(InboundMessage), rows)
        uow.commit()
        query = select(InboundMessage.id).order_by(InboundMessage.id.desc()).limit(count)
        return sorted(uow.session.scalars(query))


def promotional(engine: Engine, code: str = "WINTER25", *, limit: int | None = None,
                per_client: int | None = None, budget: Money | None = None,
                name: str = "Winter") -> None:  # fmt: skip
    """A promotional campaign of 10 percent with the given limits."""
    create_campaign(lambda: UnitOfWork(engine), name=name, kind="promotional", terms=TERMS,
                    limits=Limits(limit, per_client, budget), now=NOW, code=code)  # fmt: skip


def add_order(engine: Engine, client_id: int, inbound_id: int, number: str = "ORD-1") -> int:
    """A quoted order of the client, caused by the inbound message; its id."""
    with UnitOfWork(engine) as uow:
        order = Order(number=number, client_id=client_id, status="quoted", currency="EUR",
                      total=Decimal("500.00"), inbound_message_id=inbound_id,
                      created_at=NOW)  # fmt: skip
        uow.orders.add(order)
        uow.commit()
        return order.id
