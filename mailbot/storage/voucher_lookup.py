"""The voucher look-up's statement as `Vouchers.codes_for` runs it: the stored codes among a
message's candidates with what judging them for one client needs, in one round trip. Its
PostgreSQL form is compiled once for psycopg, and the campaigns' terms it reads are parsed once
per campaign and version of its terms, not once per look-up: this is the hot path of every
order mail that names a code.

The processor screens the words of a whole batch of messages first (`screen`: which of them are
stored codes, one statement); a message whose codes were all screened and none found is then
answered without its look-up, as most order mails name no code."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from mailbot.storage.driver_sql import DriverStatement, PlainStatements, run
from mailbot.storage.voucher_models import VoucherCode
from mailbot.storage.voucher_statements import codes_for_statement

# The look-up's statements as psycopg runs them (see `driver_sql`), with and without history.
_PG = PGDialect_psycopg()  # type: ignore[no-untyped-call]
_CODES_FOR = {
    with_history: DriverStatement.compiled(
        codes_for_statement(with_history=with_history, postgresql=True),
        _PG,
        ("codes", "client_id", "currency"),
    )
    for with_history in (False, True)
}


# Which stored codes are among a batch's screened words, the SQLite and PostgreSQL way.
_STORED_AMONG = {
    False: select(VoucherCode.code).where(VoucherCode.code.in_(bindparam("codes", expanding=True))),
    True: select(VoucherCode.code).where(
        VoucherCode.code == any_(bindparam("codes", type_=ARRAY(String)))
    ),
}
SCREENED = "mailbot.voucher_codes_screened"  # what `screen` keeps in the session's info


@dataclass(frozen=True, slots=True)
class _Screened:
    asked: frozenset[str]
    stored: frozenset[str]

    def none_stored_among(self, codes: set[str]) -> bool:
        """Whether every one of `codes` was asked and none of them is stored."""
        return codes <= self.asked and self.stored.isdisjoint(codes)


# The terms documents the look-up read lately, by campaign and text: one parse per campaign
# and version of its terms, not one per look-up; and the same document each time, so that
# `services.vouchers.order_codes` parses it into `VoucherTerms` once (a look-up's documents
# are shared: read them, never change them).
_TERMS_KEPT = 256
_terms_read: dict[tuple[str, str], dict[str, Any]] = {}


def _terms(campaign: str, text: str) -> dict[str, Any]:
    document = _terms_read.get((campaign, text))
    if document is None:
        if len(_terms_read) >= _TERMS_KEPT:
            _terms_read.clear()
        document = _terms_read[campaign, text] = json.loads(text)
    return document


@dataclass(frozen=True, slots=True)
class KnownCode:
    """A stored code with what judging it for one client needs: its campaign's terms, limits
    and counters, how many reservations and redemptions the client holds in the campaign, and
    how many the code has (a serial code's; 0 for a promotional one)."""

    code: str
    display: str
    owner_id: int | None  # the client a serial code was issued to
    campaign: str
    kind: str
    terms: dict[str, Any]
    active: bool
    max_redemptions: int | None
    used: int
    per_client_limit: int | None
    budget: Decimal | None
    budget_currency: str | None
    discount_used: Decimal
    held_by_client: int
    code_held: int


class LookedUp(NamedTuple):
    """The stored codes found, by code, and the net totals of the client's earlier orders when
    they were asked for and a code was found (None otherwise)."""

    codes: dict[str, KnownCode]
    past_totals: tuple[Decimal, ...] | None


class VoucherLookUp(PlainStatements):
    """The look-up's part of `Vouchers`."""

    def screen(self, codes: Iterable[str]) -> None:
        """Read which of `codes` are stored, in one statement, and keep the answer for the rest
        of the session (the processor's batch, whose parts commit as they go): `codes_for`
        asking only codes screened here, none of them stored, then answers without its
        statement. Screening a batch's words serves its messages: a code a message names was
        stored before the message was, so before the batch claimed it, unless this session
        stores it, and storing codes forgets the screen (`Vouchers.add_codes`). Only a code
        typed before its campaign existed, and created while the batch runs, is missed: a
        look-up of its own missed it too when it came after the message's turn; the window
        is now the whole batch, a second or so."""
        asked = frozenset(codes)
        found = self.session.scalars(
            _STORED_AMONG[self._on_postgresql], {"codes": sorted(asked)}
        ) if asked else ()  # fmt: skip
        self.session.info[SCREENED] = _Screened(asked, frozenset(found))

    def codes_for(
        self, codes: Iterable[str], client_id: int, *, history_in: str | None = None
    ) -> LookedUp:
        """The stored codes among `codes` with their campaigns, how many reservations and
        redemptions the client holds in each campaign, and how many each serial code has; with
        `history_in` (a currency) also the net totals of the client's earlier orders in it, in
        the same statement. Read without a lock."""
        wanted = set(codes)
        screened = self.session.info.get(SCREENED)
        if isinstance(screened, _Screened) and screened.none_stored_among(wanted):
            return LookedUp({}, None)
        params = {"codes": sorted(wanted), "client_id": client_id, "currency": history_in}
        connection = self._flushed()
        rows: Iterable[Sequence[Any]]
        if self._on_postgresql:  # the DB-API cursor: a third of SQLAlchemy's client time
            rows = run(connection, _CODES_FOR[history_in is not None], params)
        else:
            rows = connection.execute(codes_for_statement(with_history=history_in is not None,
                                                          postgresql=False), params)  # fmt: skip
        found, totals = {}, None
        for row in rows:
            if isinstance(row[5], str):  # PostgreSQL's terms, as text
                row = (*row[:5], _terms(row[3], row[5]), *row[6:])
            found[row[0]] = KnownCode(*row[:15])
            if history_in is not None:
                totals = tuple(Decimal(total) for total in (row[15] or "").split(",") if total)
        return LookedUp(found, totals)
