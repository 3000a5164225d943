"""One transaction per use case: `with uow: ...; uow.commit()`; leaving uncommitted rolls back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from mailbot.storage.api_keys import ApiKeys
from mailbot.storage.deadlines import DailyRuns, Deadlines
from mailbot.storage.erp_inbox import ErpInbox
from mailbot.storage.events import Events
from mailbot.storage.idempotency import IdempotentRequests
from mailbot.storage.inbox import ImapFolders, Inbox
from mailbot.storage.mail_safety import BouncingAddresses, SentMail
from mailbot.storage.offers import PriceLists
from mailbot.storage.order_records import OrderRecords
from mailbot.storage.orders import Orders
from mailbot.storage.outbox import Outbox
from mailbot.storage.partners import Partners
from mailbot.storage.pricelists import PriceVersions
from mailbot.storage.reports import Reports
from mailbot.storage.service_parts import ServiceParts
from mailbot.storage.sign_ins import SignIns
from mailbot.storage.vouchers import Vouchers
from mailbot.storage.write_gate import writers_waiting


class _ReadingSession(Session):
    """A reading unit of work's session: its transaction ends with a commit, so it refuses to
    flush a change, which would be kept."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if _changed(self):
            raise RuntimeError("a reading unit of work changes nothing")
        super().flush(objects)


def _changed(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


class UnitOfWork:
    partners: Partners
    inbox: Inbox
    prices: PriceLists
    versions: PriceVersions
    orders: Orders
    outbox: Outbox
    events: Events
    erp_inbox: ErpInbox
    imap_folders: ImapFolders
    order_records: OrderRecords
    bouncing: BouncingAddresses
    sent: SentMail
    vouchers: Vouchers
    deadlines: Deadlines
    daily_runs: DailyRuns
    reports: Reports
    service_parts: ServiceParts
    api_keys: ApiKeys
    idempotent: IdempotentRequests
    sign_ins: SignIns

    def __init__(self, engine: Engine | Connection, *, reading: bool = False) -> None:
        """`reading`: a unit of work that only reads (a page, a GET, a listing). Its
        transaction ends with a COMMIT, not a ROLLBACK, at which psycopg would forget the
        connection's prepared statements (a reader of one statement on a hot path may also
        `commit_each_statement`). It refuses to flush a change, and `commit` is not for it."""
        self._engine = engine
        self._reading = reading

    def __enter__(self) -> Self:
        # A plain Session, not a sessionmaker: each sessionmaker builds a Session subclass whose
        # events SQLAlchemy sets up anew, which cost more than the INSERT of a stored message.
        # On a connection (a rehearsal), its commit only releases a savepoint.
        self.session = (_ReadingSession if self._reading else Session)(
            self._engine, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.partners = Partners(self.session)
        self.inbox = Inbox(self.session)
        self.prices = PriceLists(self.session)
        self.versions = PriceVersions(self.session)
        self.orders = Orders(self.session)
        self.outbox = Outbox(self.session)
        self.events = Events(self.session)
        self.erp_inbox = ErpInbox(self.session)
        self.imap_folders = ImapFolders(self.session)
        self.order_records = OrderRecords(self.session)
        self.bouncing = BouncingAddresses(self.session)
        self.sent = SentMail(self.session)
        self.vouchers = Vouchers(self.session)
        self.deadlines = Deadlines(self.session)
        self.daily_runs = DailyRuns(self.session)
        self.reports = Reports(self.session)
        self.service_parts = ServiceParts(self.session)
        self.api_keys = ApiKeys(self.session)
        self.idempotent = IdempotentRequests(self.session)
        self.sign_ins = SignIns(self.session)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        session = self.session
        if self._reading and kind is None and not _changed(session):
            session.commit()  # it changed nothing: the same as a rollback, for PostgreSQL
        session.close()

    def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a reading unit of work has nothing to commit")
        self.session.commit()

    def flush(self) -> None:
        """Send what was changed so far to the database, inside the transaction."""
        self.session.flush()

    def commit_each_statement(self) -> None:
        """On PostgreSQL, let every statement of this unit of work commit on its own: one round
        trip for a write that is a single statement, where a transaction adds BEGIN's and
        COMMIT's (`commit()` then has nothing left to send), and for a read, which would end
        with a ROLLBACK: psycopg forgets the connection's prepared statements at every
        rollback, so the statements after it are parsed and planned anew (five times each
        before they are prepared again). Call it before the first statement. SQLite, and a
        unit of work on a connection (a rehearsal), keep their transaction."""
        bind = self.session.get_bind()
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def savepoint(self) -> AbstractContextManager[object]:
        """A savepoint: what the block changed is undone when it raises, the rest stays."""
        return self.session.begin_nested()

    def writers_waiting(self) -> int:
        """How many other writers of this process wait for this transaction to end (SQLite;
        always 0 on PostgreSQL, whose writers lock rows, not the database)."""
        bind = self.session.get_bind()
        return writers_waiting(bind if isinstance(bind, Engine) else bind.engine)

    def rollback(self) -> None:
        self.session.rollback()


@contextmanager
def rehearsal(engine: Engine) -> Iterator[Callable[[], UnitOfWork]]:
    """Units of work that all run inside one transaction, rolled back at the end: use cases
    commit as usual, and see each other's work, but nothing they do is kept."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield lambda: UnitOfWork(connection)
        finally:
            outer.rollback()
