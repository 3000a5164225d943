"""Who did something, when it was not a partner by mail and not mailbot on its own: a person
acting through a channel, such as a manager at the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

COMMAND_LINE = "command line"
HTTP_API = "HTTP API"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person by the name they gave (or their login), and the channel they acted through."""

    name: str
    channel: str = COMMAND_LINE

    @property
    def label(self) -> str:
        """How records and logs name them: "alice (command line)", at most 100 characters."""
        suffix = f" ({self.channel})"
        return self.name.strip()[: 100 - len(suffix)] + suffix


def label_of(actor: Actor | None) -> str:
    """The actor's label, or "" for mailbot itself."""
    return "" if actor is None else actor.label


def who_acted(partner: tuple[str, str] | None, actor_name: str) -> tuple[str, str]:
    """Name and role of whoever made an order's step: the partner (name, role) when one
    acted; else the person named in `actor_name`, a manager; else mailbot itself."""
    if partner is not None:
        return partner
    if actor_name:
        return actor_name, "manager"
    return "mailbot", "mailbot"


def signed(payload: Mapping[str, object], by: Actor | None) -> dict[str, object]:
    """An event's payload with who acted (`"by": "alice (command line)"`) when a person did."""
    return dict(payload) if by is None else {**payload, "by": by.label}
