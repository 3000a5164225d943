"""Changing a registered partner: every field `add_partner` takes, its addresses, its terms and
contract end, in one transaction; and taking a cut-off back.

A role or a currency is part of the partner's records: a client's orders and ledger are kept in
its currency, a supplier's price lists and order files hang on its role. So a role changes only
while nothing hangs on it, and a client's currency only while it has no ledger entries and no
order in progress; anything else is refused with the reason (PartnerError).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.money import CurrencyError, iso_currency
from mailbot.services.partners.registry import (
    LANGUAGES,
    PRICE_DISPLAYS,
    ROLES,
    PartnerError,
    normalise_address,
    parse_price_list_formats,
    partner_at,
)
from mailbot.services.partners.terms import Terms, apply_terms
from mailbot.storage.models import Partner, PartnerAddress
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Changes:
    """What to change; None leaves a field as it is. The contract end changes (to
    `contract_ends_at`, None for none) only when `new_contract_end` is set."""

    name: str | None = None
    role: str | None = None
    language: str | None = None
    group: str | None = None
    currency: str | None = None
    price_display: str | None = None
    price_list_formats: str | None = None
    add_addresses: tuple[str, ...] = ()
    remove_addresses: tuple[str, ...] = ()
    terms: Terms = field(default_factory=Terms)
    new_contract_end: bool = False
    contract_ends_at: datetime | None = None


def edit_partner(
    uow: Callable[[], UnitOfWork],
    address: str,
    changes: Changes,
    *,
    now: datetime,
    by: Actor | None = None,
) -> Partner:
    """Apply `changes` to the partner that has `address`, all or nothing; the partner as it is
    now. PartnerError for a change that is refused (and then nothing is changed). `by` names
    who, in the event recorded."""
    with uow() as unit:
        partner = partner_at(unit, address)
        changed = apply_changes(unit, partner, changes)
        payload = {"partner": partner.id, "changed": changed}
        unit.events.record(EventType.PARTNER_CHANGED, partner.id, signed(payload, by), now)
        partner.addresses  # noqa: B018 - load before the session closes
        unit.commit()
        return partner


def apply_changes(unit: UnitOfWork, partner: Partner, changes: Changes) -> list[str]:
    """Apply `changes` to `partner` inside `unit`'s transaction (a step: the caller records
    the event and commits); the fields changed. PartnerError for a change refused."""
    changed = _fields(unit, partner, changes)
    changed += _addresses(unit, partner, changes)
    if changes.terms != Terms():
        apply_terms(partner, changes.terms)
        changed.append("terms")
    if changes.new_contract_end:
        partner.contract_ends_at = changes.contract_ends_at
        changed.append("contract_ends_at")
    return changed


def _fields(unit: UnitOfWork, partner: Partner, changes: Changes) -> list[str]:
    changed = []
    if changes.role is not None and changes.role != partner.role:
        _check_role(unit, partner, changes.role)
        partner.role = changes.role
        changed.append("role")
    if changes.currency is not None:
        try:
            currency = iso_currency(changes.currency)
        except CurrencyError as error:
            raise PartnerError(str(error)) from None
        if currency != partner.currency:
            _check_currency_change(unit, partner, currency)
            partner.currency = currency
            changed.append("currency")
    if changes.language is not None:
        if changes.language not in LANGUAGES:
            raise PartnerError(
                f"language must be one of {', '.join(LANGUAGES)}, not {changes.language!r}"
            )
        partner.language = changes.language
        changed.append("language")
    if changes.price_display is not None:
        if changes.price_display not in PRICE_DISPLAYS:
            raise PartnerError(f"price display must be net or gross, not {changes.price_display!r}")
        partner.price_display = changes.price_display
        changed.append("price_display")
    if changes.price_list_formats is not None:
        partner.price_list_formats = ",".join(parse_price_list_formats(changes.price_list_formats))
        changed.append("price_list_formats")
    if changes.name is not None:
        if not changes.name.strip():
            raise PartnerError("a partner's name cannot be empty")
        partner.name = changes.name.strip()
        changed.append("name")
    if changes.group is not None:
        partner.group = changes.group.strip()
        changed.append("group")
    return changed


_ONE = {
    "orders": "order",
    "open orders": "open order",
    "ledger entries": "ledger entry",
    "price lists": "price list",
    "supplier orders": "supplier order",
}


def _ties(unit: UnitOfWork, partner: Partner, names: tuple[str, ...]) -> str:
    """The records among `names` that hang on the partner, as "1 order, 2 ledger entries"."""
    counts = unit.partners.ties(partner.id)
    return ", ".join(
        f"{counts[name]} {_ONE[name] if counts[name] == 1 else name}"
        for name in names
        if counts[name]
    )


def _check_role(unit: UnitOfWork, partner: Partner, role: str) -> None:
    if role not in ROLES:
        raise PartnerError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    tied = _ties(unit, partner, ("orders", "ledger entries", "price lists", "supplier orders"))
    if tied:
        raise PartnerError(
            f"{partner.name} stays a {partner.role}: it has {tied}, which belong to that role; "
            "register the other role as a new partner (--remove-address frees an address)"
        )


def _check_currency_change(unit: UnitOfWork, partner: Partner, currency: str) -> None:
    tied = _ties(unit, partner, ("ledger entries", "open orders"))
    if tied:
        raise PartnerError(
            f"{partner.name} stays in {partner.currency}: it has {tied} in {partner.currency}, "
            f"which cannot be carried over to {currency}"
        )


def _addresses(unit: UnitOfWork, partner: Partner, changes: Changes) -> list[str]:
    added = sorted({normalise_address(a) for a in changes.add_addresses})
    removed = sorted({normalise_address(a) for a in changes.remove_addresses})
    own = {record.address for record in partner.addresses}
    both = sorted(set(added) & set(removed))
    if both:
        raise PartnerError(f"both added and removed: {', '.join(both)}")
    unknown = [address for address in removed if address not in own]
    if unknown:
        raise PartnerError(f"{partner.name} does not have {', '.join(unknown)}")
    if removed and not (own - set(removed)) | set(added):
        raise PartnerError(f"{partner.name} needs at least one address")
    taken = unit.partners.addresses_taken([a for a in added if a not in own])
    if taken:
        raise PartnerError(f"already registered: {', '.join(taken)}")
    for address in removed:
        unit.partners.remove_address(partner, address)
    for address in added:
        if address not in own:
            partner.addresses.append(PartnerAddress(address=address))
    unit.flush()
    return ["addresses"] if added or removed else []


def reactivate(
    uow: Callable[[], UnitOfWork], address: str, *, now: datetime, by: Actor | None = None
) -> Partner:
    """Take back the cut-off of the partner that has `address`: it is taken orders and price
    lists from again, and a later cut-off sends a new notice. A contract end already passed is
    cleared (else the scheduler would cut it off again at once); the orders handed to the
    managers at the cut-off stay with them. PartnerError when the partner is active."""
    with uow() as unit:
        partner = partner_at(unit, address)
        unit.partners.refresh(partner)
        if partner.active:
            raise PartnerError(f"{partner.name} is active; nothing to reactivate")
        partner.active = True
        partner.deactivated_at = None
        partner.cutoff_notice_at = None
        if partner.contract_ends_at is not None and partner.contract_ends_at <= now:
            partner.contract_ends_at = None
        payload = signed({"partner": partner.id}, by)
        unit.events.record(EventType.PARTNER_REACTIVATED, partner.id, payload, now)
        partner.addresses  # noqa: B018 - load before the session closes
        unit.commit()
        return partner
