"""One transaction per use case: `with uow: ...; uow.commit()`; leaving uncommitted rolls back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from mailbot.storage.mail_safety import BouncingAddresses, SentMail
from mailbot.storage.price_versions import PriceVersions
from mailbot.storage.repositories import (
    Events,
    ImapFolders,
    Inbox,
    Orders,
    Outbox,
    Partners,
    PriceLists,
)


class UnitOfWork:
    partners: Partners
    inbox: Inbox
    prices: PriceLists
    versions: PriceVersions
    orders: Orders
    outbox: Outbox
    events: Events
    imap_folders: ImapFolders
    bouncing: BouncingAddresses
    sent: SentMail

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.partners = Partners(self.session)
        self.inbox = Inbox(self.session)
        self.prices = PriceLists(self.session)
        self.versions = PriceVersions(self.session)
        self.orders = Orders(self.session)
        self.outbox = Outbox(self.session)
        self.events = Events(self.session)
        self.imap_folders = ImapFolders(self.session)
        self.bouncing = BouncingAddresses(self.session)
        self.sent = SentMail(self.session)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
