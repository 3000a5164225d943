"""Configuration errors in plain words: each names the key, where its value came from (the file,
an environment variable, or the default), what is wrong and what is allowed. No wording of the
validation library reaches the person reading it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mailbot.config.sources import Keys, overlap, variable_name
from mailbot.errors import MailbotError

# Values of keys with these words in their names are never repeated in a message.
SECRET = re.compile(r"password|secret|token|auth_users|api_key")

_TABLE = "must be a table of keys and values (in a variable: a JSON object)"
_LIST = 'must be a list (in a variable: a JSON array such as ["a", "b"])'
_WORDS = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "decimal_parsing": 'must be a number such as 12.5 (or "12.5")',
    "decimal_type": 'must be a number such as 12.5 (or "12.5")',
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "time_parsing": 'must be a time of day such as "07:00"',
    "time_type": 'must be a time of day such as "07:00"',
    "dict_type": _TABLE,
    "model_type": _TABLE,
    "model_attributes_type": _TABLE,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "missing": "is required",
    "path_type": "must be a path",
}
_BOUNDS = {
    "greater_than": ("gt", "must be more than {}"),
    "greater_than_equal": ("ge", "must be at least {}"),
    "less_than": ("lt", "must be less than {}"),
    "less_than_equal": ("le", "must be at most {}"),
}


class ConfigError(MailbotError):
    """The configuration is invalid; each problem names the key and where it came from."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (message,)


def describe(
    error: ValidationError,
    model: type[BaseModel],
    variables: Mapping[Keys, str],
    file: Path | None,
    file_keys: Collection[Keys],
) -> list[str]:
    """One line per problem of `error`: "key (source): what is wrong", or for a key that does
    not exist, the variable or the file that names it with the nearest existing key."""
    problems: list[str] = []
    for item in error.errors():
        keys = tuple(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            problems.extend(_unknown(keys, model, variables, file, file_keys))
            continue
        problems.append(f"{'.'.join(keys)} ({_origin(keys, variables, file, file_keys)}): "
                        f"{plain(item, secret=bool(SECRET.search('.'.join(keys))))}")  # fmt: skip
    return problems


def plain(item: ErrorDetails, *, secret: bool = False) -> str:
    """What is wrong with one value, and what is allowed, in words a person uses."""
    kind, context = item["type"], item.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])  # mailbot's own sentence, which names the value
    if kind == "literal_error":
        words = f"must be {context.get('expected', 'one of the allowed values')}"
    elif kind in _BOUNDS:
        bound, sentence = _BOUNDS[kind]
        words = sentence.format(context.get(bound))
    elif kind in _WORDS:
        words = _WORDS[kind]
    else:  # a check this table does not know: its own sentence, in the same voice
        words = re.sub(r"^(Value error, |Assertion failed, )", "", item["msg"])
        words = re.sub(r"^Input should be", "must be", words)
        words = re.sub(r"^Input", "the value", words)
    value = item.get("input")
    if secret or kind == "missing" or not isinstance(value, str | int | float | bool):
        return words
    return f"{words}, not {value!r}"


def _origin(
    keys: Keys, variables: Mapping[Keys, str], file: Path | None, file_keys: Collection[Keys]
) -> str:
    for written, name in variables.items():
        if overlap(written, keys):
            return f"from {name}"
    if file is not None and any(overlap(written, keys) for written in file_keys):
        return f"in {file}"
    return "default"


def _unknown(
    keys: Keys,
    model: type[BaseModel],
    variables: Mapping[Keys, str],
    file: Path | None,
    file_keys: Collection[Keys],
) -> list[str]:
    """The problems of a key the model does not have, once for each source that names it."""
    known = names_at(model, keys[:-1])
    nearest = difflib.get_close_matches(keys[-1], known, n=1)
    section = len(keys) == 1
    what = f'no such section "{keys[0]}"' if section else f'no such key "{keys[-1]}"'
    where = "" if section else f" in [{'.'.join(keys[:-1])}]"
    if nearest:
        hint = f"; did you mean [{nearest[0]}]?" if section else f'; did you mean "{nearest[0]}"?'
    else:
        hint = f"; the {'sections' if section else 'keys'} are {', '.join(known)}" if known else ""
    problems = []
    replaced = False  # a variable's JSON replaced what the file had there
    for written, name in variables.items():
        if written[: len(keys)] == keys:  # the variable's own name holds the unknown key
            better = (*keys[:-1], nearest[0], *written[len(keys) :]) if nearest else ()
            named = f"; did you mean {variable_name(better)}?" if better else hint
            problems.append(f"{name}: {what}{where}{named}")
        elif keys[: len(written)] == written:  # the unknown key is inside the variable's JSON
            problems.append(f"{name}: {what}{where}{hint}")
            replaced = True
    if file is not None and not replaced and any(overlap(w, keys) for w in file_keys):
        problems.append(f"{'.'.join(keys)} (in {file}): {what}{where}{hint}")
    return problems or [f"{'.'.join(keys)}: {what}{where}{hint}"]


def names_at(model: type[BaseModel], keys: Keys) -> list[str]:
    """The keys a table at `keys` may have (list items and table entries stepped into)."""
    current: Any = model
    for key in keys:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(key)
            if field is None:
                return []
            current = field.annotation
        else:  # tuple[X, ...] or dict[str, X]: the key is an index or an entry's name
            inner = [arg for arg in get_args(current) if arg is not Ellipsis]
            if not inner:
                return []
            current = inner[-1]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
