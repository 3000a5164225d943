"""The event schemas shipped with the package, and docs/events.md beside them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from mailbot.domain.events import VERSIONS, Envelope, EventType, InboundType, money
from mailbot.events.schemas import problems, schema, schema_types

DOCS = Path(__file__).parents[2] / "docs" / "events.md"


def sample(kind: str, payload: dict[str, object], aggregate: str = "order") -> dict[str, object]:
    return Envelope(
        message_id=str(uuid.uuid4()),
        type=kind,
        version=1,
        occurred_at=datetime(2026, 11, 20, 7, 30, tzinfo=UTC),
        aggregate_type=aggregate,
        aggregate_id="ORD-2026-000001",
        sequence=1,
        payload=payload,
    ).to_json()


STEP = {
    "order": "ORD-2026-000001",
    "client": 2,
    "status": "agreed",
    "previous": "quoted",
    "actor": 2,
    "note": "",
    "total": money(Decimal("480.60"), "EUR"),
}


def test_every_event_type_has_its_schema_and_no_schema_is_left_over() -> None:
    """Each type the code can record has a schema naming it, its version and its aggregate."""
    inbound = {kind.value for kind in InboundType}
    assert schema_types() == {kind.value for kind in EventType} | inbound
    for kind in EventType:
        properties = schema(kind.value)["properties"]
        assert properties["type"] == {"const": kind.value}
        assert properties["version"] == {"const": VERSIONS[kind]}
        assert properties["aggregate"]["properties"]["type"] == {"const": kind.aggregate.value}


def test_docs_list_every_event_type() -> None:
    """docs/events.md has a row for every type."""
    text = DOCS.read_text()
    kinds = [*EventType, *InboundType]
    assert [kind for kind in kinds if f"| `{kind.value}` |" not in text] == []


def test_a_valid_event_passes() -> None:
    """An order step as the code writes it is valid."""
    assert problems(sample("order.agreed", STEP)) == []


def test_an_amount_as_a_json_number_is_refused() -> None:
    """Amounts are decimal strings beside a currency, never numbers (which lose cents)."""
    total = {"amount": 480.6, "currency": "EUR"}
    found = problems(sample("order.agreed", {**STEP, "total": total}))
    assert len(found) == 1
    assert found[0].startswith("payload/total/amount:")


def test_a_field_no_schema_knows_and_a_missing_one_are_refused() -> None:
    """A payload is exactly what its schema says: an extra field or a missing one fails."""
    assert problems(sample("order.agreed", {**STEP, "surprise": 1}))
    missing = dict(STEP)
    del missing["client"]
    assert problems(sample("order.agreed", missing))


def test_a_wrong_aggregate_an_unknown_type_and_a_local_time_are_refused() -> None:
    """The envelope is checked too: the aggregate a type belongs to, a known type, UTC."""
    assert problems(sample("order.agreed", STEP, aggregate="partner"))
    assert problems(sample("order.teleported", STEP)) == ["unknown event type 'order.teleported'"]
    local = sample("order.agreed", STEP)
    local["occurred_at"] = "2026-11-20T09:30:00+02:00"
    assert problems(local)
