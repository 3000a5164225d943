"""The effective settings as rows for people and scripts: each key with its value and where the
value came from, secrets masked."""

from __future__ import annotations

from typing import Any

from mailbot.config.errors import SECRET
from mailbot.config.loading import LoadedConfig
from mailbot.storage.urls import shown_url

MASK = "***"


def settings_rows(loaded: LoadedConfig) -> list[dict[str, Any]]:
    """One row per key, section by section: `key`, `value` (JSON-ready) and `source` (a
    variable's name, the file's path, or "default"). Passwords, secrets, tokens and the values
    of auth_users show as ***, and a URL's password too."""
    rows = []
    for section, keys in loaded.config.model_dump(mode="json").items():
        for key, value in keys.items():
            name = f"{section}.{key}"
            rows.append(
                {"key": name, "value": masked(name, value), "source": loaded.source((section, key))}
            )
    return rows


def masked(name: str, value: Any) -> Any:
    """`value` as it may be shown for the key `name`."""
    if SECRET.search(name):
        if isinstance(value, dict):
            return dict.fromkeys(value, MASK)
        return MASK if value else value
    if isinstance(value, str) and "://" in value:
        return shown_url(value)
    return value
