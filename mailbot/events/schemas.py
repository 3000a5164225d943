"""The JSON Schemas of the events, shipped in schemas/: one per type, each the envelope
(envelope.json) with its payload, sharing definitions.json (money, an order's step)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from mailbot.errors import MailbotError

PREFIX = "urn:mailbot:events:"


class SchemaError(MailbotError):
    """An event that its type's schema refuses, or of a type that has none."""


@cache
def _documents() -> dict[str, dict[str, Any]]:
    folder = resources.files("mailbot.events").joinpath("schemas")
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            found[entry.name.removesuffix(".json")] = json.loads(entry.read_text("utf-8"))
    return found


def schema_types() -> frozenset[str]:
    """Every event type that has a schema."""
    return frozenset(_documents()) - {"envelope", "definitions"}


def schema(kind: str) -> dict[str, Any]:
    """The schema of events of type `kind`; SchemaError when it has none."""
    try:
        return _documents()[kind]
    except KeyError:
        raise SchemaError(f"no schema for events of type {kind!r}") from None


@cache
def _validator(kind: str) -> Draft202012Validator:
    documents = _documents()
    registry: Registry[Any] = Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents.values()
    )
    return Draft202012Validator(schema(kind), registry=registry)


def problems(event: Mapping[str, object]) -> list[str]:
    """What the schema of the event's type finds wrong with it (its type unknown included);
    an empty list when it is valid."""
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in schema_types():
        return [f"unknown event type {kind!r}"]
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(envelope)'}: {error.message}"
        for error in _validator(kind).iter_errors(event)
    ]


def check(event: Mapping[str, object]) -> None:
    """SchemaError naming what is wrong, unless the event is valid."""
    found = problems(event)
    if found:
        raise SchemaError(f"event {event.get('message_id')}: {'; '.join(found)}")
