"""Where configuration values come from: the TOML file, and environment variables (scalars as
text, lists and tables as JSON) set into the nested keys of the file's data."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "MAILBOT_"
Keys = tuple[str, ...]


class SourceError(Exception):
    """The file cannot be read or is not TOML; the message names the file."""


def read_toml(path: Path) -> dict[str, Any]:
    """The tables of the TOML file at `path`; SourceError naming it if unreadable or broken."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourceError(f"cannot read configuration file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path} is not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as error:
        raise SourceError(f"{path} is not valid TOML: {error}") from None


def leaf_keys(data: Mapping[str, Any], above: Keys = ()) -> Iterator[Keys]:
    """The keys of every value in `data` that is not itself a table."""
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            yield from leaf_keys(value, (*above, key))
        else:
            yield (*above, key)


def overlap(one: Keys, other: Keys) -> bool:
    """Whether one key lies inside the other, or they are the same."""
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


def variable_name(keys: Keys) -> str:
    """The environment variable that sets `keys`: MAILBOT_SMTP_INGRESS__PORT."""
    return ENV_PREFIX + "__".join(key.upper() for key in keys)


def apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> dict[Keys, str]:
    """Set every `MAILBOT_<SECTION>__<KEY>` of `environ` into `data`; returns the keys set,
    each with its variable's name."""
    variables: dict[Keys, str] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        keys = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
        set_key(data, keys, env_value(raw))
        variables[keys] = name
    return variables


def env_value(raw: str) -> Any:
    """A list or table written as JSON, else the text itself (the models convert scalars)."""
    if raw.lstrip().startswith(("[", "{")):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


def set_key(data: dict[str, Any], keys: Keys, value: Any) -> None:
    """Set `value` at the nested `keys` of `data`, making tables on the way."""
    for key in keys[:-1]:
        child = data.setdefault(key, {})
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[keys[-1]] = value
