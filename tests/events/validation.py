"""Every event a test wrote, checked against its type's schema (see the `database_url`
fixture): the schemas shipped with the package describe what the code really sends."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mailbot.events.schemas import problems
from mailbot.storage.events import envelope
from mailbot.storage.models import Event


def invalid_events(engine: Engine) -> list[str]:
    """What is wrong with each stored event, as it would be published (an event not yet given
    its sequence is checked as the first of its aggregate; nothing is written)."""
    found = []
    with Session(engine) as session:
        for event in session.scalars(select(Event).order_by(Event.id)):
            if event.type.startswith("legacy."):
                continue
            event.sequence = event.sequence or 1
            sent = envelope(event).to_json()
            found += [f"event {event.id} {event.type}: {problem}" for problem in problems(sent)]
        session.rollback()
    return found
