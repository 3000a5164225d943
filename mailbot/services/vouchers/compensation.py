"""A call centre's compensation: one code, for one client, for one use, worth a fixed amount
no larger than the configured cap. Each is a campaign of its own (its amount is its terms),
recorded with who issued it and why."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from mailbot.domain.actors import Actor, label_of, signed
from mailbot.domain.events import EventType, money
from mailbot.domain.money import Money
from mailbot.parsers.voucher_codes import display, generate
from mailbot.services.partners.registry import PartnerError, normalise_address
from mailbot.services.vouchers.campaigns import VoucherError, simple_terms
from mailbot.storage.models import VoucherCampaign
from mailbot.storage.unit_of_work import UnitOfWork

# Compensation codes read as such: CMP-XXXX-XXXX-X.
PREFIX = "CMP"


def compensate(
    uow: Callable[[], UnitOfWork],
    *,
    client: str,
    amount: Money,
    cap: Money,
    reason: str,
    now: datetime,
    by: Actor | None,
    rng: random.Random,
) -> str:
    """Issue a code worth `amount` off the next order of `client` (an address), usable once
    and by that client only; the code as people write it. VoucherError past `cap` (which is
    in one currency), for another currency, or for no such active client."""
    if not reason.strip():
        raise VoucherError("a compensation says why")
    if amount.currency != cap.currency:
        raise VoucherError(f"compensations are given in {cap.currency}, not {amount.currency}")
    if not Decimal(0) < amount.amount <= cap.amount:
        raise VoucherError(f"a compensation is above 0 and at most {cap.amount} {cap.currency}")
    try:
        address = normalise_address(client)
    except PartnerError as error:
        raise VoucherError(str(error)) from None
    with uow() as unit:
        partner = unit.partners.by_address(address)
        if partner is None or partner.role != "client" or not partner.active:
            raise VoucherError(f"no active client has the address {client}")
        if partner.currency != amount.currency:
            raise VoucherError(f"{client} buys in {partner.currency}, not {amount.currency}")
        code = generate(PREFIX, 1, rng)[0]
        while unit.vouchers.existing_codes([code]):
            code = generate(PREFIX, 1, rng)[0]
        campaign = VoucherCampaign(
            name=f"Compensation {display(code)}",
            kind="promotional",
            prefix=None,
            terms=simple_terms(amount=amount),
            max_redemptions=1,
            per_client_limit=1,
            budget=None,
            budget_currency=None,
            active=True,
            used=0,
            discount_used=Decimal(0),
            created_at=now,
            created_by=label_of(by),
        )
        unit.vouchers.add_campaign(campaign)
        unit.vouchers.add_codes(
            [{"campaign_id": campaign.id, "code": code, "display": display(code),
              "client_id": partner.id, "created_at": now}]
        )  # fmt: skip
        payload = {
            "campaign": campaign.id,
            "client": partner.id,
            "amount": money(amount.amount, amount.currency),
            "reason": reason.strip()[:500],
        }
        unit.events.record(
            EventType.VOUCHER_COMPENSATION_ISSUED, campaign.id, signed(payload, by), now
        )
        unit.commit()
    return display(code)
