"""The roles an API key is given, and what each may do.

`shop` and `pos` use vouchers for their channel, `call_centre` issues a single compensation
code, `marketing` runs campaigns, `supplier:<address>` works on its own orders' lines and funds
its own promotions, `client:<address>` sees its own orders, `manager` may do everything,
`monitoring` reads the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailbot.errors import MailbotError


class RoleError(MailbotError):
    """A role that is not one of the roles, or a supplier role without an address."""


class Role(StrEnum):
    SHOP = "shop"
    POS = "pos"
    CALL_CENTRE = "call_centre"
    MARKETING = "marketing"
    SUPPLIER = "supplier"
    CLIENT = "client"
    MANAGER = "manager"
    MONITORING = "monitoring"


# Roles that name the partner they act for: `supplier:<address>`, `client:<address>`.
PARTNER_ROLES = frozenset((Role.SUPPLIER, Role.CLIENT))


@dataclass(frozen=True, slots=True)
class ApiRole:
    """A role; a supplier's or a client's names the partner's registered address."""

    kind: Role
    partner: str = ""

    @classmethod
    def parse(cls, text: str) -> ApiRole:
        """`shop`, `manager`, `supplier:sales@brakes.example`..., RoleError otherwise."""
        kind, _, address = text.strip().partition(":")
        try:
            role = Role(kind.lower())
        except ValueError:
            known = ", ".join(f"{r}:<address>" if r in PARTNER_ROLES else r for r in Role)
            raise RoleError(f"unknown role {text!r}: one of {known}") from None
        if (role in PARTNER_ROLES) != bool(address.strip()):
            raise RoleError(
                f"a {role}'s role names its address: {role}:<address>"
                if role in PARTNER_ROLES
                else f"role {role} takes no address"
            )
        return cls(role, address.strip().lower())

    def __str__(self) -> str:
        return f"{self.kind}:{self.partner}" if self.partner else str(self.kind)

    def may(self, *roles: Role) -> bool:
        """Whether this role is one of `roles`; a manager may do everything."""
        return self.kind is Role.MANAGER or self.kind in roles
