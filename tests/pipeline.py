"""Driving the processor in tests: store and process one message, read back orders and replies."""

from __future__ import annotations

from typing import Any

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.read_models import order_detail
from mailbot.services.inbox.handling import Outcome
from mailbot.storage.models import OutboundMessage
from tests.fakes import FixedClock, RecordingTransport

FLEET = "Fleet Parts Ltd <buying@fleetparts.example>"
VECTOR = "zakaz@vector-trans.example"


def ingest(app: App, raw: bytes) -> tuple[int, Outcome]:
    """Store `raw` and process it now, as `mailbot ingest` does; the message id and outcome."""
    stored = app.store(raw, "file")
    assert app.processor.claim(stored.id)
    return stored.id, app.processor.process_claimed(stored.id)


def outbox(app: App) -> list[OutboundMessage]:
    with app.uow() as uow:
        return list(uow.session.query(OutboundMessage).order_by(OutboundMessage.id))


def order_of(app: App, outcome: Outcome) -> dict[str, Any]:
    """The order an outcome like "quoted ORD-2026-000001: ..." names, as `orders show` gives it."""
    number = outcome.summary.split()[1].rstrip(":")
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None, outcome
        return order_detail(order)


def quoted(app: App, raw: bytes) -> dict[str, Any]:
    """Process an order message and give back the order it was quoted as."""
    return order_of(app, ingest(app, raw)[1])


def limited(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock, **update: object
) -> App:
    """The app with at most two replies an hour to one sender (and `update` to the config)."""
    replies = config.replies.model_copy(update={"max_per_hour": 2})
    changed = config.model_copy(update={"replies": replies, **update})
    return bootstrap(changed, engine=app.engine, transport=transport, clock=clock)
