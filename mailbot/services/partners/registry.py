"""Registering and managing partners: clients, suppliers and managers, each with its addresses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from email.utils import parseaddr

from mailbot.domain.actors import Actor
from mailbot.domain.events import EventType
from mailbot.domain.money import is_currency_code
from mailbot.errors import MailbotError
from mailbot.outbound.translations import PACKAGE
from mailbot.storage.models import Partner, PartnerAddress
from mailbot.storage.unit_of_work import UnitOfWork

ROLES = ("client", "supplier", "manager")
LANGUAGES = PACKAGE.languages  # English and every language with a catalogue
PRICE_DISPLAYS = ("net", "gross")
PRICE_LIST_FORMATS = ("xlsx", "csv")


class PartnerError(MailbotError):
    """A partner cannot be added or changed as asked."""


def normalise_address(address: str) -> str:
    """The bare address, lower-case, or PartnerError when it is not one."""
    _, bare = parseaddr(address)
    local, at, domain = bare.partition("@")
    if not (local and at and domain) or " " in bare:
        raise PartnerError(f"{address!r} is not an e-mail address")
    return bare.lower()


def partner_at(uow: UnitOfWork, address: str) -> Partner:
    """The partner that has `address`, or PartnerError naming the address."""
    partner = uow.partners.by_address(normalise_address(address))
    if partner is None:
        raise PartnerError(f"no partner has the address {address}")
    return partner


def parse_price_list_formats(text: str) -> tuple[str, ...]:
    """The formats named in `text` ("xlsx", "xlsx,csv", " CSV ,xlsx"), in the given order,
    each once; PartnerError for an unknown one or none at all."""
    named = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in named if name not in PRICE_LIST_FORMATS]
    if unknown or not named:
        raise PartnerError(
            f"price list formats must be some of {', '.join(PRICE_LIST_FORMATS)}, not {text!r}"
        )
    return tuple(dict.fromkeys(named))


def add_partner(
    uow: Callable[[], UnitOfWork],
    *,
    name: str,
    role: str,
    addresses: Sequence[str],
    language: str,
    group: str,
    currency: str,
    now: datetime,
    price_display: str = "net",
    price_list_formats: str = "xlsx",
    contract_ends_at: datetime | None = None,
    auto_agree: bool = False,
    credit_limit: Decimal | None = None,
    timezone: str = "",
    by: Actor | None = None,
) -> int:
    """Register a partner with its addresses in a transaction of its own (see `register`);
    returns its id. `by` names who registered it, in the event recorded."""
    with uow() as unit:
        partner = register(
            unit, name=name, role=role, addresses=addresses, language=language, group=group,
            currency=currency, now=now, price_display=price_display,
            price_list_formats=price_list_formats, contract_ends_at=contract_ends_at,
            auto_agree=auto_agree, credit_limit=credit_limit, timezone=timezone, by=by,
        )  # fmt: skip
        unit.commit()
        return partner.id


def register(
    unit: UnitOfWork,
    *,
    name: str,
    role: str,
    addresses: Sequence[str],
    language: str,
    group: str,
    currency: str,
    now: datetime,
    price_display: str = "net",
    price_list_formats: str = "xlsx",
    contract_ends_at: datetime | None = None,
    auto_agree: bool = False,
    credit_limit: Decimal | None = None,
    timezone: str = "",
    by: Actor | str | None = None,
) -> Partner:
    """Register a partner with its addresses in the caller's transaction. `price_display`
    "gross" shows a client VAT and the gross total in its quotes, "net" only the net total.
    `price_list_formats` names the files its price list on request comes as ("xlsx,csv").
    `auto_agree` agrees its quotes at once; `credit_limit` (None: none) holds orders that
    would take it above; `timezone` (an IANA name, "" for the scheduler's) is its local time.
    `by` names who registered it (a person, or a system such as "erp"). PartnerError for a
    field that cannot be, before anything is written."""
    if role not in ROLES:
        raise PartnerError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if language not in LANGUAGES:
        raise PartnerError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if price_display not in PRICE_DISPLAYS:
        raise PartnerError(f"price display must be net or gross, not {price_display!r}")
    if not is_currency_code(currency):
        raise PartnerError(f"currency must be an ISO 4217 code such as EUR, not {currency!r}")
    if not addresses:
        raise PartnerError("a partner needs at least one address")
    formats = ",".join(parse_price_list_formats(price_list_formats))
    bare = sorted({normalise_address(address) for address in addresses})
    taken = unit.partners.addresses_taken(bare)
    if taken:
        raise PartnerError(f"already registered: {', '.join(taken)}")
    partner = Partner(
        name=name,
        role=role,
        language=language,
        group=group,
        currency=currency,
        price_display=price_display,
        price_list_formats=formats,
        auto_agree=auto_agree,
        credit_limit=credit_limit,
        timezone=timezone,
        active=True,
        created_at=now,
        contract_ends_at=contract_ends_at,
        addresses=[PartnerAddress(address=address) for address in bare],
    )
    unit.partners.add(partner)
    payload: dict[str, object] = {"partner": partner.id, "role": role, "name": name}
    payload["addresses"] = bare
    if by is not None:
        payload["by"] = by if isinstance(by, str) else by.label
    unit.events.record(EventType.PARTNER_ADDED, partner.id, payload, now)
    return partner
