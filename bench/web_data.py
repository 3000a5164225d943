"""The web benchmark's data: clients, suppliers, a manager and N orders with their lines and
supplier parts, drawn from `random.Random(seed)` and written in bulk through SQLAlchemy Core
(executemany), not through the mail pipeline: 20,000 orders take seconds, not an hour.

Ids are given explicitly, so the generator knows, without reading back, which orders each page
of the manager's list must show (`Made`); on PostgreSQL the id sequences are moved past them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert, text

from mailbot.domain.orders import OrderStatus, SupplierOrderStatus
from mailbot.storage.models import Base  # the tables are declared there

MANAGER = "desk@distributor.example"
CLIENTS = 200
SUPPLIERS = 8
CLIENTS_FROM = 2 + SUPPLIERS  # partner ids: the manager 1, suppliers 2.., clients after them
START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 5000  # rows per executemany
# How often each status comes up (about as a desk that ships most of what it quotes sees it).
STATUS_WEIGHTS: Mapping[OrderStatus, int] = {
    OrderStatus.RECEIVED: 3,
    OrderStatus.QUOTED: 12,
    OrderStatus.HELD: 2,
    OrderStatus.AGREED: 5,
    OrderStatus.SENT: 15,
    OrderStatus.CONFIRMED: 15,
    OrderStatus.SHIPPED: 20,
    OrderStatus.CLOSED: 20,
    OrderStatus.CANCELLED: 5,
    OrderStatus.EXPIRED: 3,
}
# The statuses whose order files went to the suppliers: only these have supplier parts.
SENT_ON: Mapping[OrderStatus, SupplierOrderStatus] = {
    OrderStatus.SENT: SupplierOrderStatus.SENT,
    OrderStatus.CONFIRMED: SupplierOrderStatus.CONFIRMED,
    OrderStatus.SHIPPED: SupplierOrderStatus.SHIPPED,
    OrderStatus.CLOSED: SupplierOrderStatus.SHIPPED,
}


@dataclass(frozen=True, slots=True)
class Made:
    """One order as written: what the manager's list must show for it."""

    id: int
    number: str
    status: OrderStatus
    client: str  # the client's address
    suppliers: tuple[str, ...]  # its parts' supplier names, in supplier id order


def client_address(index: int) -> str:
    return f"buying@fleet{index:03d}.example"


def fill(engine: Engine, orders: int, seed: int) -> list[Made]:
    """Write the partners and `orders` orders into the migrated, empty database behind
    `engine`; what was written, in id order."""
    rng = random.Random(seed)
    partners = _partners()
    made: list[Made] = []
    # In the order they are inserted (each refers to the ones before).
    rows: dict[str, list[dict[str, Any]]] = {
        "inbound_messages": [],
        "orders": [],
        "order_lines": [],
        "supplier_orders": [],
    }
    line_id = part_id = 0
    suppliers = [p for p in partners if p["role"] == "supplier"]
    for order_id in range(1, orders + 1):
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        client = rng.randrange(CLIENTS)
        at = START + timedelta(minutes=10 * order_id)
        chosen = sorted(rng.sample(suppliers, rng.choice((1, 1, 2, 2, 3))), key=lambda p: p["id"])
        total = Decimal(0)
        for position in range(1, rng.randint(2, 6) + 1):
            line_id += 1
            quantity = rng.randint(1, 20)
            price = Decimal(rng.randint(50, 250_000)) / 100
            total += price * quantity
            rows["order_lines"].append(
                _line(line_id, order_id, position, quantity, price, rng.choice(chosen)["id"])
            )
        part = SENT_ON.get(status)
        if part is not None:
            for supplier in chosen:
                part_id += 1
                rows["supplier_orders"].append(_part(part_id, order_id, supplier["id"], part, at))
        rows["inbound_messages"].append(_message(order_id, at))
        number = f"ORD-{at.year}-{order_id:06d}"
        rows["orders"].append(
            {
                "id": order_id,
                "number": number,
                "client_id": CLIENTS_FROM + client,
                "status": status,
                "currency": "EUR",
                "total": total,
                "inbound_message_id": order_id,
                "created_at": at,
                "quoted_at": None if status == OrderStatus.RECEIVED else at,
                "secret": None,
            }
        )
        names = tuple(p["name"] for p in chosen) if part is not None else ()
        made.append(Made(order_id, number, status, client_address(client), names))
    with engine.begin() as connection:
        _insert(connection, "partners", partners)
        _insert(connection, "partner_addresses", _addresses(partners))
        for table, table_rows in rows.items():
            _insert(connection, table, table_rows)
        if connection.dialect.name == "postgresql":
            for table in ("partners", "partner_addresses", *rows):
                moved = (
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
                connection.execute(text(moved))
    with engine.connect() as connection:  # the planner's statistics, as a live database has them
        connection.execute(text("ANALYZE"))
        connection.commit()
    return made


def _partners() -> list[dict[str, Any]]:
    def partner(id_: int, name: str, role: str, address: str) -> dict[str, Any]:
        return {
            "id": id_,
            "name": name,
            "role": role,
            "language": "en",
            "group": "",
            "currency": "EUR",
            "active": True,
            "created_at": START,
            "timezone": "",
            "address": address,
        }

    found = [partner(1, "The desk", "manager", MANAGER)]
    found += [
        partner(2 + i, f"Supplier {i + 1:02d}", "supplier", f"sales@supplier{i + 1:02d}.example")
        for i in range(SUPPLIERS)
    ]
    found += [
        partner(CLIENTS_FROM + i, f"Fleet {i:03d}", "client", client_address(i))
        for i in range(CLIENTS)
    ]
    return found


def _addresses(partners: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": p["id"], "partner_id": p["id"], "address": p["address"]} for p in partners]


def _insert(connection: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    table = Base.metadata.tables[name]
    columns = set(table.columns.keys())
    for start in range(0, len(rows), BATCH):
        chunk = [
            {k: v for k, v in row.items() if k in columns} for row in rows[start : start + BATCH]
        ]
        connection.execute(insert(table), chunk)


def _message(order_id: int, at: datetime) -> dict[str, Any]:
    raw = f"Message-ID: <order-{order_id}@bench.example>\r\n\r\nBPW-0310 x 2\r\n".encode()
    return {
        "id": order_id,
        "sha256": f"{order_id:064x}",
        "message_id": f"<order-{order_id}@bench.example>",
        "source": "smtp",
        "raw": raw,
        "size": len(raw),
        "received_at": at,
        "status": "processed",
        "attempts": 1,
        "last_error": "",
        "outcome": "",
        "processed_at": at,
    }


def _line(
    id_: int, order_id: int, position: int, quantity: int, price: Decimal, supplier_id: int
) -> dict[str, Any]:
    return {
        "id": id_,
        "order_id": order_id,
        "position": position,
        "sku": f"SKU-{id_ % 997:04d}",
        "name": "Brake pad set",
        "quantity": quantity,
        "unit_price": price,
        "line_total": price * quantity,
        "supplier_id": supplier_id,
        "source": "body",
        "row": position,
        "rejection": None,
        "detail": "",
        "text": "",
        "confirmed_quantity": None,
    }


def _part(
    id_: int, order_id: int, supplier_id: int, status: SupplierOrderStatus, at: datetime
) -> dict[str, Any]:
    shipped = status == SupplierOrderStatus.SHIPPED
    confirmed = status != SupplierOrderStatus.SENT
    return {
        "id": id_,
        "order_id": order_id,
        "supplier_id": supplier_id,
        "status": status,
        "sent_at": at,
        "confirmed_at": at + timedelta(hours=2) if confirmed else None,
        "shipped_at": at + timedelta(days=1) if shipped else None,
        "ship_date": (at + timedelta(days=1)).date() if shipped else None,
        "ship_method": "DHL" if shipped else "",
        "outbound_message_id": None,
    }
