"""Where the IMAP poller is in each mailbox folder: its UIDVALIDITY and the last UID it handled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from mailbot.clock import Clock
from mailbot.storage.models import ImapFolder
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class FolderKey:
    """One folder of one account on one server."""

    host: str
    username: str
    folder: str

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


@dataclass(frozen=True, slots=True)
class FolderPosition:
    """Every message of the folder up to `last_uid` (under `uidvalidity`) has been handled."""

    uidvalidity: int
    last_uid: int


class FolderPositions:
    """Folder positions kept in the database, one short transaction each."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def load(self, key: FolderKey) -> FolderPosition | None:
        """The saved position of `key`, or None if the poller never read that folder."""
        with self._uow() as uow:
            row = uow.imap_folders.get(key.host, key.username, key.folder)
            return None if row is None else FolderPosition(row.uidvalidity, row.last_uid)

    def save(self, key: FolderKey, position: FolderPosition) -> None:
        """Record `position`. Under the same UIDVALIDITY the last UID never goes back."""
        for _attempt in range(2):
            with self._uow() as uow:
                row = uow.imap_folders.get(key.host, key.username, key.folder)
                now = self._clock.now()
                if row is None:
                    row = ImapFolder(
                        host=key.host,
                        username=key.username,
                        folder=key.folder,
                        uidvalidity=position.uidvalidity,
                        last_uid=position.last_uid,
                        updated_at=now,
                    )
                elif row.uidvalidity == position.uidvalidity:
                    # Another poller on the same folder may be further along already.
                    row.last_uid = max(row.last_uid, position.last_uid)
                    row.updated_at = now
                else:
                    row.uidvalidity, row.last_uid, row.updated_at = (
                        position.uidvalidity,
                        position.last_uid,
                        now,
                    )
                try:
                    uow.imap_folders.add(row)
                    uow.commit()
                    return
                except IntegrityError:
                    # Another process inserted the folder's row first: update that one.
                    uow.rollback()
        raise RuntimeError(f"could not save the position in {key}")
