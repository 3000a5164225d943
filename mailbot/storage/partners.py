"""Partners: who sent a message, the registry's listings and changes, and the one-winner
updates of a partner's contract state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from mailbot.domain.orders import OPEN as OPEN_ORDER
from mailbot.storage.models import (
    LedgerEntry,
    Order,
    Partner,
    PartnerAddress,
    PriceList,
    SupplierOrder,
)
from mailbot.storage.offers import forget_active_lists

# Who has an address: one address (the commands, the API, the cabinet), or the senders of a
# processor's batch at once (`by_addresses`, every batch): built once.
_PARTNER_BY_ADDRESS = (
    select(Partner).join(PartnerAddress).where(PartnerAddress.address == bindparam("address"))
)
_PARTNERS_BY_ADDRESSES = (
    select(Partner, PartnerAddress.address)
    .join(PartnerAddress)
    .where(PartnerAddress.address.in_(bindparam("addresses", expanding=True)))
)


class Partners:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_address(self, address: str) -> Partner | None:
        found = self.session.scalars(_PARTNER_BY_ADDRESS, {"address": address.lower()})
        return found.one_or_none()

    def by_addresses(self, addresses: Iterable[str]) -> dict[str, Partner | None]:
        """`by_address` of each address in one statement, by the address in lower case."""
        wanted = {address.lower() for address in addresses}
        found: dict[str, Partner | None] = dict.fromkeys(wanted)
        if wanted:
            rows = self.session.execute(_PARTNERS_BY_ADDRESSES, {"addresses": sorted(wanted)})
            for partner, address in rows:
                found[address] = partner
        return found

    def get(self, partner_id: int) -> Partner | None:
        return self.session.get(Partner, partner_id)

    def add(self, partner: Partner) -> None:
        self.session.add(partner)
        self.session.flush()

    def list(self, role: str | None = None) -> Sequence[Partner]:
        query = select(Partner).options(selectinload(Partner.addresses)).order_by(Partner.id)
        if role:
            query = query.where(Partner.role == role)
        return self.session.scalars(query).all()

    def addresses_taken(self, addresses: Iterable[str]) -> Sequence[str]:
        query = select(PartnerAddress.address).where(PartnerAddress.address.in_(list(addresses)))
        return self.session.scalars(query).all()

    def remove_address(self, partner: Partner, address: str) -> None:
        """Take one of the partner's addresses away (it may then be given to another)."""
        for record in list(partner.addresses):
            if record.address == address:
                partner.addresses.remove(record)
        self.session.flush()

    def ties(self, partner_id: int) -> dict[str, int]:
        """How many records hang on the partner through its role and currency: its orders
        (all, and those not finished), ledger entries, price list versions, and the parts of
        orders it supplies."""
        counts = {
            "orders": select(func.count(Order.id)).where(Order.client_id == partner_id),
            "open orders": select(func.count(Order.id)).where(
                Order.client_id == partner_id, Order.status.in_(OPEN_ORDER)
            ),
            "ledger entries": select(func.count(LedgerEntry.id)).where(
                LedgerEntry.partner_id == partner_id
            ),
            "price lists": select(func.count(PriceList.id)).where(
                PriceList.supplier_id == partner_id
            ),
            "supplier orders": select(func.count(SupplierOrder.id)).where(
                SupplierOrder.supplier_id == partner_id
            ),
        }
        return {name: self.session.scalar(query) or 0 for name, query in counts.items()}

    def refresh(self, partner: Partner) -> None:
        """Read the partner's row again (another transaction may have just changed it)."""
        self.session.refresh(partner)

    def contract_ended(self, now: datetime) -> Sequence[int]:
        """The ids of active partners whose contract has ended by `now`."""
        query = select(Partner.id).where(Partner.active, Partner.contract_ends_at <= now)
        return self.session.scalars(query).all()

    def take_active(self, partner_id: int) -> bool:
        """Mark the partner inactive if it still is: one conditional UPDATE, so of two
        instances (or a command and the scheduler) exactly one is told it did."""
        forget_active_lists(self.session)
        result = self.session.execute(
            update(Partner)
            .where(Partner.id == partner_id, Partner.active)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def take_cutoff_notice(self, partner_id: int, now: datetime) -> bool:
        """Mark a cut-off partner's one notice sent at `now` unless it was: one conditional
        UPDATE, so two messages processed at once get one notice between them."""
        result = self.session.execute(
            update(Partner)
            .where(Partner.id == partner_id, Partner.cutoff_notice_at.is_(None))
            .values(cutoff_notice_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
