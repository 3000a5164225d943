"""Loading the configuration: the file, the environment over it, relative paths made absolute,
and a record of where each value came from (for `-v`, `config show` and error messages).

Relative paths (the SQLite file, the outbox, certificates, templates) are taken from the
configuration file's folder, so that mailbot finds the same data from any working directory.
Without a file (the embedded default) they are taken from the data home: `$MAILBOT_HOME`, else
the user's data folder (`~/.local/share/mailbot` on Linux).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_path
from pydantic import BaseModel, ValidationError

from mailbot.config.errors import ConfigError, describe
from mailbot.config.model import PATH_KEYS, Config
from mailbot.config.sources import (
    Keys,
    SourceError,
    apply_environment,
    leaf_keys,
    overlap,
    read_toml,
)
from mailbot.storage.urls import sqlite_url_under

CONFIG_ENV = "MAILBOT_CONFIG"
HOME_ENV = "MAILBOT_HOME"


@dataclass(frozen=True)
class LoadedConfig:
    """The configuration, and where it came from."""

    config: Config
    file: Path | None  # absolute; None for the embedded default
    base: Path  # the folder relative paths were taken from
    variables: Mapping[Keys, str]  # keys set by environment variables, with their names
    file_keys: frozenset[Keys]  # keys the file sets

    @property
    def name(self) -> str:
        """The file's path, or "embedded default"."""
        return str(self.file) if self.file else "embedded default"

    def source(self, keys: Keys) -> str:
        """Where the value at `keys` came from: a variable's name, the file's path, or
        "default"."""
        for written, name in self.variables.items():
            if overlap(written, keys):
                return name
        if any(overlap(written, keys) for written in self.file_keys):
            return str(self.file)
        return "default"


def data_home(environ: Mapping[str, str]) -> Path:
    """Where the embedded default keeps its data: `$MAILBOT_HOME`, else the user's data folder
    as the platform has it (`~/.local/share/mailbot` on Linux, `$XDG_DATA_HOME` honoured)."""
    home = environ.get(HOME_ENV, "").strip()
    if home:
        return Path(home).expanduser().absolute()
    return user_data_path("mailbot", appauthor=False)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read `path` (else `$MAILBOT_CONFIG`, else the embedded default) and apply the environment;
    relative paths are taken from the file's folder (the data home without a file).

    Raises ConfigError naming the offending key for an unreadable file, an unknown key or a
    wrong value.
    """
    return read_config(path, environ).config


def read_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read `path` (else `$MAILBOT_CONFIG`, else the embedded default), apply the environment's
    `MAILBOT_<SECTION>__<KEY>` variables and make relative paths absolute.

    Raises ConfigError with one problem per wrong key or value, each naming the key and its
    source, or naming the file when it cannot be read.
    """
    environ = os.environ if environ is None else environ
    if path is None and environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV])
    file = None if path is None else path.expanduser().absolute()
    try:
        data: dict[str, Any] = {} if file is None else read_toml(file)
    except SourceError as error:
        raise ConfigError(str(error)) from None
    file_keys = frozenset(leaf_keys(data))
    variables = apply_environment(data, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        problems = describe(error, Config, variables, file, file_keys)
        if len(problems) == 1:
            message = f"invalid configuration: {problems[0]}"
        else:
            message = "invalid configuration:\n  " + "\n  ".join(problems)
        raise ConfigError(message, problems) from None
    base = file.parent if file else data_home(environ)
    return LoadedConfig(paths_under(config, base), file, base, variables, file_keys)


def paths_under(config: Config, base: Path) -> Config:
    """`config` with every relative path of PATH_KEYS taken from `base` (`~` expanded)."""
    sections: dict[str, BaseModel] = {}
    for section, key in PATH_KEYS:
        current = sections.get(section) or getattr(config, section)
        value = getattr(current, key)
        if (section, key) == ("storage", "url"):
            value = sqlite_url_under(value, base)
        elif value:  # "" and None mean "none"
            absolute = Path(value).expanduser()
            absolute = absolute if absolute.is_absolute() else base / absolute
            value = absolute if isinstance(value, Path) else str(absolute)
        sections[section] = current.model_copy(update={key: value})
    return config.model_copy(update=sections)
