"""Voucher campaigns over HTTP, for marketing and for suppliers funding their own: define one
(the same terms JSON as `mailbot vouchers create`), issue a batch of its codes, list them.

A supplier's key creates campaigns limited to its own brands or SKUs (services/vouchers/
funding.py) and sees and issues only those; another's campaign is 404 to it. Every campaign
and batch is recorded with the key that made it."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from mailbot.domain.api_roles import Role
from mailbot.domain.money import Money
from mailbot.errors import MailbotError
from mailbot.http.auth import Caller, allowed, key_partner, state_of
from mailbot.http.problems import ApiError
from mailbot.services.vouchers.campaigns import (
    Limits,
    campaign_row,
    create_campaign,
    export_rows,
    generate_codes,
)
from mailbot.services.vouchers.funding import check_supplier_terms
from mailbot.storage.models import VoucherCampaign
from mailbot.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])

Runner = Annotated[Caller, Depends(allowed(Role.MARKETING, Role.SUPPLIER))]
MAX_BATCH = 10_000


class BudgetIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["promotional", "serial"]
    terms: dict[str, Any]
    code: str | None = Field(None, max_length=64, description="A promotional campaign's code")
    prefix: str | None = Field(None, max_length=3, description="A serial campaign's prefix")
    max_redemptions: int | None = Field(None, ge=1)
    per_client: int | None = Field(None, ge=1)
    budget: BudgetIn | None = None


class CodesIn(BaseModel):
    count: int = Field(ge=1, le=MAX_BATCH)
    clients: list[str] = Field(default_factory=list, max_length=1000)


def _campaign(uow: UnitOfWork, who: Caller, name: str) -> VoucherCampaign:
    """The campaign `name` as the caller may see it; 404 for none or another's."""
    campaign = uow.vouchers.campaign(name)
    supplier_id = key_partner(uow, who)
    if campaign is None or (supplier_id is not None and campaign.funded_by != supplier_id):
        raise ApiError(404, f"no campaign {name!r}")
    return campaign


@router.post("", status_code=201)
def create(body: CampaignIn, request: Request, who: Runner) -> dict[str, Any]:
    """Define a campaign: a promotional one with its `code`, a serial one with its `prefix`
    for codes issued later."""
    app = state_of(request).app
    with app.reading() as uow:
        supplier_id = key_partner(uow, who)
        try:
            if supplier_id is not None:
                check_supplier_terms(uow, supplier_id, body.terms)
        except MailbotError as error:
            raise ApiError(422, str(error)) from None
    budget = (
        None if body.budget is None else Money(body.budget.amount, body.budget.currency.upper())
    )
    try:
        create_campaign(
            app.uow,
            name=body.name,
            kind=body.kind,
            terms=body.terms,
            limits=Limits(body.max_redemptions, body.per_client, budget),
            now=app.clock.now(),
            code=body.code,
            prefix=body.prefix,
            by=who.actor,
            funded_by=supplier_id,
        )
    except MailbotError as error:
        raise ApiError(422, str(error)) from None
    with app.reading() as uow:
        return _row(uow, _campaign(uow, who, body.name.strip()))


@router.get("")
def list_campaigns(request: Request, who: Runner) -> dict[str, Any]:
    """Every campaign the caller may see (a supplier: its own), with limits and use."""
    app = state_of(request).app
    with app.reading() as uow:
        supplier_id = key_partner(uow, who)
        campaigns = [
            c for c in uow.vouchers.campaigns() if supplier_id is None or c.funded_by == supplier_id
        ]
        return {"campaigns": [_row(uow, campaign) for campaign in campaigns]}


@router.post("/{name}/codes", status_code=201)
def issue_codes(name: str, body: CodesIn, request: Request, who: Runner) -> dict[str, Any]:
    """Issue `count` new codes of a serial campaign, or `count` to each client named (by
    address; only that client may use its code)."""
    app = state_of(request).app
    with app.reading() as uow:
        campaign = _campaign(uow, who, name).name
    try:
        issued = generate_codes(
            app.uow,
            campaign=campaign,
            count=body.count,
            clients=body.clients,
            rng=random.SystemRandom(),
            now=app.clock.now(),
            by=who.actor,
        )
    except MailbotError as error:
        raise ApiError(422, str(error)) from None
    return {"codes": [{"code": code, "client": client} for code, client in issued]}


@router.get("/{name}/codes")
def list_codes(name: str, request: Request, who: Runner) -> dict[str, Any]:
    """The campaign's codes: each with its client's address and its state."""
    app = state_of(request).app
    with app.reading() as uow:
        campaign = _campaign(uow, who, name).name
        rows = [
            {"code": code, "client": client, "state": state}
            for code, client, state in export_rows(uow, campaign)
        ]
    return {"codes": rows}


def _row(uow: UnitOfWork, campaign: VoucherCampaign) -> dict[str, Any]:
    statuses = uow.vouchers.status_counts().get(campaign.id, {})
    codes = uow.vouchers.code_counts().get(campaign.id, 0)
    return {
        **campaign_row(campaign, statuses, codes),
        "terms": campaign.terms,
        "created_by": campaign.created_by,
    }
