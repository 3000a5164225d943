"""Reads kept for the rest of a transaction, where the processor asks the same question for
every message of its batch (which price lists are active, which prefixes campaigns use), or
asks again about what an earlier message asked (a SKU's offers: there what is kept is a dict
the reader fills as it goes).

What is kept lives in the session's `info` under the reader's key, with the transaction it was
read in: a later transaction reads again and sees what other transactions changed meanwhile. A
write of this session that changes the answer forgets it (`forget`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from sqlalchemy.orm import Session

T = TypeVar("T")


def read_once(session: Session, key: str, read: Callable[[], T]) -> T:
    """`read()` as first answered in the session's current transaction (read now when it
    has not been in this one, or was forgotten). Begins the transaction if none has, so that
    what is kept belongs to the one it was read in."""
    transaction = session.get_transaction() or session.begin()
    known = session.info.get(key)
    if known is not None and known[0] is transaction:
        return cast(T, known[1])
    value = read()
    session.info[key] = (transaction, value)
    return value


def forget(session: Session, key: str) -> None:
    """Drop what this session keeps under `key`: the next `read_once` of it reads again."""
    session.info.pop(key, None)
