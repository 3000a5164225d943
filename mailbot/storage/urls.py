"""Database URLs as people write them: where an SQLite file is, relative paths made absolute,
and the URL shown with its password masked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def sqlite_url_under(url: str, base: Path) -> str:
    """`url` with a relative SQLite file path taken from `base` (and `~` expanded); any other
    URL as it is."""
    path = sqlite_file(url)
    if path is None:
        return url
    absolute = path.expanduser()
    if not absolute.is_absolute():
        absolute = base / absolute
    if absolute == path:
        return url
    return make_url(url).set(database=str(absolute)).render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """`url` with its password, if any, shown as ***."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)
