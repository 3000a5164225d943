"""The catalogue the order reader searches, built once per set of active price lists."""

from __future__ import annotations

from mailbot.parsers.catalogue import Catalogue
from mailbot.storage.unit_of_work import UnitOfWork


class CatalogueCache:
    """The catalogue of the active price lists, rebuilt only when another set of lists is
    active (an import, a release, a deactivated supplier), not once per message."""

    def __init__(self) -> None:
        # One attribute for both, so that a worker thread never sees one without the other.
        self._built: tuple[tuple[int, ...], Catalogue] | None = None

    def current(self, uow: UnitOfWork) -> Catalogue:
        """The catalogue for the lists active in `uow`'s transaction."""
        version = uow.prices.active_version()
        built = self._built
        if built is None or built[0] != version:
            built = (version, Catalogue(uow.prices.active_skus()))
            self._built = built
        return built[1]
