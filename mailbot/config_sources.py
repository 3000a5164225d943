"""Where configuration values come from: environment variables (scalars as text, lists and
tables as JSON) set into the nested keys of the file's data, and validation errors described by
key and source."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

ENV_PREFIX = "MAILBOT_"


def env_value(raw: str) -> Any:
    """A list or table written as JSON, else the text itself (the models convert scalars)."""
    if raw.lstrip().startswith(("[", "{")):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


def set_key(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    """Set `value` at the nested `keys` of `data`, making tables on the way."""
    for key in keys[:-1]:
        child = data.setdefault(key, {})
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[keys[-1]] = value


def describe(
    error: ValidationError, sources: Mapping[tuple[str, ...], str], path: Path | None
) -> str:
    """Every problem of `error` as "key: message (source)", the source being the variable,
    the file or the default."""
    problems = []
    for item in error.errors():
        keys = tuple(str(part) for part in item["loc"])
        key = ".".join(keys)
        # A value inside a variable's JSON (MAILBOT_PRICING__RULES) comes from that variable.
        variable = next(
            (sources[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in sources), None
        )
        origin = variable or (f"in {path}" if path else "default")
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        where = f" (from {origin})" if origin.startswith(ENV_PREFIX) else f" ({origin})"
        problems.append(f"{key}: {message}{where}")
    return "invalid configuration: " + "; ".join(problems)
