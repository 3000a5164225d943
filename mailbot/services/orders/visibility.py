"""Which orders, and which of their lines, a partner may see, in every channel that shows
orders (the API, the cabinet): a manager all of them; a client its own, whole; a supplier only
orders with its lines, and of each only its own lines and its own part. An order a partner may
not see is answered as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.storage.models import Order


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose orders are seen: a supplier's (with its lines), a client's, or all (neither)."""

    supplier_id: int | None = None
    client_id: int | None = None

    @classmethod
    def of(cls, role: str, partner_id: int | None) -> Scope:
        """The scope of a partner in `role` (client, supplier; anything else sees all)."""
        if partner_id is None or role not in ("client", "supplier"):
            return cls()
        return cls(supplier_id=partner_id) if role == "supplier" else cls(client_id=partner_id)

    def sees(self, order: Order) -> bool:
        if self.client_id is not None:
            return order.client_id == self.client_id
        supplier_id = self.supplier_id
        return supplier_id is None or any(line.supplier_id == supplier_id for line in order.lines)
