"""Managing voucher campaigns: defining one, issuing its codes in bulk, and reporting on them."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from mailbot.domain.actors import Actor, label_of, signed
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.domain.vouchers import TermsError, VoucherTerms
from mailbot.domain.vouchers.codes import loose_form
from mailbot.domain.vouchers.redemptions import HOLDING, RedemptionStatus
from mailbot.errors import MailbotError
from mailbot.parsers.voucher_codes import (
    candidates,
    display,
    generate,
    is_prefix,
    is_serial_shape,
)
from mailbot.services.partners.registry import normalise_address
from mailbot.storage.models import VoucherCampaign, VoucherCode
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.vouchers import Vouchers

KINDS: Final = ("promotional", "serial")
BATCH: Final = 1000  # codes generated, checked and inserted at a time
EXPORT_HEADERS: Final = ("code", "client", "state")


class VoucherError(MailbotError):
    """A campaign or its codes cannot be created or found as asked."""


@dataclass(frozen=True, slots=True)
class Limits:
    """A campaign's limits; None: unlimited."""

    max_redemptions: int | None = None
    per_client: int | None = None
    budget: Money | None = None


def simple_terms(
    *,
    percent: Decimal | None = None,
    amount: Money | None = None,
    free_shipping: bool = False,
    max_discount: Money | None = None,
    exclusive: bool = False,
) -> dict[str, Any]:
    """The terms document of a voucher without restrictions: exactly one benefit."""
    if sum((percent is not None, amount is not None, free_shipping)) != 1:
        raise VoucherError("a voucher gives one benefit: a percent, an amount or free shipping")
    benefit: dict[str, Any]
    if percent is not None:
        if not 0 < percent <= 100:
            raise VoucherError(f"a percent is above 0 and at most 100, not {percent}")
        benefit = {"kind": "percent", "value": str(percent)}
        if max_discount is not None:
            benefit |= {"max_discount": str(max_discount.amount), "currency": max_discount.currency}
    elif amount is not None:
        if amount.amount <= 0:
            raise VoucherError(f"an amount is above 0, not {amount.amount}")
        benefit = {"kind": "fixed", "value": str(amount.amount), "currency": amount.currency}
    else:
        benefit = {"kind": "free_shipping"}
    return {"benefit": benefit, "exclusive": exclusive, "restrictions": []}


def create_campaign(
    uow: Callable[[], UnitOfWork],
    *,
    name: str,
    kind: str,
    terms: object,
    limits: Limits,
    now: datetime,
    code: str | None = None,
    prefix: str | None = None,
    by: Actor | None = None,
    funded_by: int | None = None,
) -> int:
    """Define a campaign; a promotional one gets its one `code`, a serial one a `prefix` for
    codes issued later; `by` names who, kept with it and in the event recorded; `funded_by`
    the supplier paying for it. Returns its id."""
    if not name.strip():
        raise VoucherError("a campaign needs a name")
    if kind not in KINDS:
        raise VoucherError(f"kind must be promotional or serial, not {kind!r}")
    if not isinstance(terms, dict):
        raise VoucherError("the terms must be a JSON object")
    try:
        VoucherTerms.from_dict(terms)
    except TermsError as error:
        raise VoucherError(f"the terms are not valid: {error}") from None
    for label, limit in (("--limit", limits.max_redemptions), ("--per-client", limits.per_client)):
        if limit is not None and limit < 1:
            raise VoucherError(f"{label} must be at least 1, not {limit}")
    if limits.budget is not None and limits.budget.amount <= 0:
        raise VoucherError(f"a budget is above 0, not {limits.budget.amount}")
    stored_code = _promotional_code(kind, code, prefix)
    prefix = _prefix(kind, prefix)
    with uow() as unit:
        if unit.vouchers.campaign(name) is not None:
            raise VoucherError(f"a campaign named {name!r} exists already")
        if prefix is not None and prefix in unit.vouchers.prefixes():
            raise VoucherError(f"another campaign has the prefix {prefix}")
        if stored_code is not None and unit.vouchers.existing_codes([stored_code]):
            raise VoucherError(f"the code {code} exists already")
        campaign = VoucherCampaign(
            name=name.strip(),
            kind=kind,
            prefix=prefix,
            terms=terms,
            max_redemptions=limits.max_redemptions,
            per_client_limit=limits.per_client,
            budget=None if limits.budget is None else limits.budget.amount,
            budget_currency=None if limits.budget is None else limits.budget.currency,
            active=True,
            used=0,
            discount_used=Decimal(0),
            created_at=now,
            funded_by=funded_by,
            created_by=label_of(by),
        )
        unit.vouchers.add_campaign(campaign)
        if stored_code is not None and code is not None:
            row = {"campaign_id": campaign.id, "code": stored_code, "display": code.strip()}
            unit.vouchers.add_codes([{**row, "client_id": None, "created_at": now}])
        payload = signed({"campaign": campaign.id, "kind": kind}, by)
        unit.events.record(EventType.VOUCHER_CAMPAIGN_CREATED, campaign.id, payload, now)
        unit.commit()
        return campaign.id


def _promotional_code(kind: str, code: str | None, prefix: str | None) -> str | None:
    if kind == "serial":
        if code is not None:
            raise VoucherError("a serial campaign issues its codes with `generate`, not --code")
        return None
    if code is None or prefix is not None:
        raise VoucherError("a promotional campaign takes --code and no --prefix")
    stored = loose_form(code)
    if not (4 <= len(stored) <= 32 and all(c.isalnum() and c.isascii() for c in stored)):
        raise VoucherError(f"a promotional code is 4-32 letters and digits, not {code!r}")
    if is_serial_shape(stored):
        raise VoucherError(f"{code!r} looks like a serial code; choose another")
    return stored


def _prefix(kind: str, prefix: str | None) -> str | None:
    if kind == "promotional":
        return None
    if prefix is None or not is_prefix(prefix.upper()):
        raise VoucherError(
            f"a serial campaign takes --prefix: three letters without I, L, O or U, not {prefix!r}"
        )
    return prefix.upper()


def generate_codes(
    uow: Callable[[], UnitOfWork],
    *,
    campaign: str,
    count: int,
    clients: Sequence[str],
    rng: random.Random,
    now: datetime,
    progress: Callable[[int], object] | None = None,
    by: Actor | None = None,
) -> list[tuple[str, str]]:
    """Issue `count` new codes of a serial campaign, or `count` to each of the named clients
    (by address), drawn from `rng`; the codes issued as written for people, each with the
    address of the client it is for ("" for anyone). Codes are checked against the stored
    ones and inserted a batch at a time; `by` names who, in the event recorded."""
    if count < 1:
        raise VoucherError(f"--count must be at least 1, not {count}")
    with uow() as unit:
        found = _serial_campaign(unit.vouchers, campaign)
        owners: list[tuple[int | None, str]] = [(None, "")] if not clients else []
        for address in clients:
            partner = unit.partners.by_address(normalise_address(address))
            if partner is None or partner.role != "client":
                raise VoucherError(f"no client has the address {address}")
            owners.append((partner.id, normalise_address(address)))
        prefix = found.prefix or ""
        issued: list[tuple[str, str]] = []
        for owner, owner_address in owners:
            left = count
            while left:
                batch = generate(prefix, min(left, BATCH), rng)
                fresh = sorted(set(batch) - unit.vouchers.existing_codes(batch))
                rows: list[dict[str, object]] = [
                    {
                        "campaign_id": found.id,
                        "code": code,
                        "display": display(code),
                        "client_id": owner,
                        "created_at": now,
                    }
                    for code in fresh
                ]
                unit.vouchers.add_codes(rows)
                left -= len(rows)
                issued.extend((str(row["display"]), owner_address) for row in rows)
                if progress is not None:
                    progress(len(rows))
        payload = signed({"campaign": found.id, "codes": len(issued)}, by)
        unit.events.record(EventType.VOUCHER_CODES_ISSUED, found.id, payload, now)
        unit.commit()
        return issued


def _serial_campaign(vouchers: Vouchers, name: str) -> VoucherCampaign:
    found = vouchers.campaign(name)
    if found is None:
        raise VoucherError(f"no campaign {name!r}")
    if found.kind != "serial":
        raise VoucherError(f"{name!r} is a promotional campaign; it has its one code")
    return found


def campaign_row(campaign: VoucherCampaign, statuses: dict[str, int], codes: int) -> dict[str, Any]:
    """A campaign for lists: its limits and how much of them is used, reserved and left."""
    holding = sum(statuses.get(status, 0) for status in HOLDING)
    maximum = campaign.max_redemptions
    budget = None if campaign.budget is None else f"{campaign.budget} {campaign.budget_currency}"
    left_budget = None
    if campaign.budget is not None:
        left_budget = f"{campaign.budget - campaign.discount_used} {campaign.budget_currency}"
    return {
        "name": campaign.name,
        "kind": campaign.kind,
        "prefix": campaign.prefix,
        "active": campaign.active,
        "codes": codes,
        "limit": maximum,
        "per_client": campaign.per_client_limit,
        "budget": budget,
        "redeemed": statuses.get(RedemptionStatus.REDEEMED, 0),
        "reserved": statuses.get(RedemptionStatus.RESERVED, 0),
        "released": statuses.get(RedemptionStatus.RELEASED, 0),
        "left": None if maximum is None else maximum - holding,
        "budget_left": left_budget,
        "created_at": campaign.created_at.isoformat(),
    }


def campaign_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every campaign as `campaign_row`, oldest first."""
    statuses = uow.vouchers.status_counts()
    codes = uow.vouchers.code_counts()
    return [
        campaign_row(c, statuses.get(c.id, {}), codes.get(c.id, 0))
        for c in uow.vouchers.campaigns()
    ]


def describe(uow: UnitOfWork, name_or_code: str) -> dict[str, Any]:
    """A campaign (by name) or a code (as typed), with terms, limits and newest redemptions."""
    campaign = uow.vouchers.campaign(name_or_code)
    code: VoucherCode | None = None
    if campaign is None:
        known = uow.vouchers.codes(candidates(name_or_code)[:2])
        if not known:
            raise VoucherError(f"no campaign or code {name_or_code!r}")
        code, campaign = next(iter(known.values()))
    statuses = uow.vouchers.status_counts().get(campaign.id, {})
    codes = uow.vouchers.code_counts().get(campaign.id, 0)
    detail = campaign_row(campaign, statuses, codes)
    if code is not None:
        detail = {"code": code.display, "client_id": code.client_id, "campaign": detail}
        used = uow.vouchers.redemptions(code_id=code.id)
    else:
        used = uow.vouchers.redemptions(campaign_id=campaign.id)
    detail["terms"] = campaign.terms
    detail["redemptions"] = [
        {
            "code": shown,
            "client": client,
            "order_id": r.order_id,
            "status": r.status,
            "discount": f"{r.discount} {r.currency}",
            "reserved_at": r.reserved_at.isoformat(),
            "hold_until": r.hold_until.isoformat(),
            "redeemed_at": r.redeemed_at.isoformat() if r.redeemed_at else None,
            "released_at": r.released_at.isoformat() if r.released_at else None,
            "release_reason": r.release_reason,
        }
        for r, shown, client in used
    ]
    return detail


def export_rows(uow: UnitOfWork, campaign: str) -> Iterator[tuple[str, str, str]]:
    """The campaign's codes for a spreadsheet: code, client address, state, streamed. A serial
    code is free, reserved or redeemed; a promotional code, shared by many, is "promotional"."""
    found = uow.vouchers.campaign(campaign)
    if found is None:
        raise VoucherError(f"no campaign {campaign!r}")
    for code, client, status in uow.vouchers.codes_of(found.id):
        state = status if status in HOLDING else "free"
        yield code.display, client or "", state if found.kind == "serial" else found.kind
