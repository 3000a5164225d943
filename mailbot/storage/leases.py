"""The lease every claimed row carries: a worker that claims an inbound message or an
outbound mail holds it until `lease_until`, and a row whose lease ran out is free to claim
again (its worker died)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_

from mailbot.storage.models import InboundMessage, OutboundMessage

Leased = type[InboundMessage] | type[OutboundMessage]


def lease_free(model: Leased, now: datetime) -> ColumnElement[bool]:
    """Rows of `model` that no worker holds at `now`."""
    return or_(model.lease_until.is_(None), model.lease_until < now)
