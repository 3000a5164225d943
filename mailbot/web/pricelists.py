"""The cabinet's price list versions: a supplier's own history, every supplier's for a manager
(filtered by supplier), a version's page with its changes against the list before it and
what was done to it by whom, and a manager's release or rejection of a held version, through
the use cases `mailbot pricelist release|reject` call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.domain.events import EventType
from mailbot.domain.price_changes import PriceListStatus
from mailbot.services.pricelists import versions
from mailbot.services.pricelists.versions import VersionError
from mailbot.storage.models import Partner, PriceList
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render

router = APIRouter(include_in_schema=False)

HISTORY_SHOWN = 100
# Rows of each kind (added, removed, changed) a version's page lists; the rest are counted.
DIFF_SHOWN = 200
ACTS = {
    EventType.PRICE_LIST_IMPORTED.value: "imported",
    EventType.PRICE_LIST_HELD.value: "held",
    EventType.PRICE_LIST_ACTIVATED.value: "activated",
    EventType.PRICE_LIST_RELEASED.value: "released",
    EventType.PRICE_LIST_REJECTED.value: "rejected",
}


@router.get("/pricelists")
def history(
    request: Request, who: Signed, supplier: Annotated[str, Query(max_length=320)] = ""
) -> Response:
    """A supplier's versions with its upload form; a manager's of every supplier."""
    person = who.person
    if person.role not in ("supplier", "manager"):
        raise NotFoundError()
    with cabinet_of(request).app.reading() as uow:
        if person.role == "supplier":
            supplier_id: int | None = person.partner_id
        elif supplier.strip():
            found = uow.partners.by_address(supplier.strip().lower())
            supplier_id = found.id if found is not None and found.role == "supplier" else -1
        else:
            supplier_id = None
        rows = [
            {"version": version, "supplier": partner}
            for version, partner in uow.versions.newest(supplier_id, HISTORY_SHOWN)
        ]
    context = {"versions": rows, "supplier": supplier}
    return render(request, who, "pricelists", context)


@router.get("/pricelists/{version_id}")
def version_page(request: Request, who: Signed, version_id: str) -> Response:
    return _version_page(request, who, _number(version_id))


@router.post("/pricelists/{version_id}/release")
def release(
    request: Request,
    who: Posting,
    version_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A manager applies a held version: it replaces the supplier's active list."""
    decide = versions.release_price_list
    return _decide(request, who, _number(version_id), decide, reason, "released")


@router.post("/pricelists/{version_id}/reject")
def reject(
    request: Request,
    who: Posting,
    version_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A manager refuses a held version; the supplier's active list stays."""
    decide = versions.reject_price_list
    return _decide(request, who, _number(version_id), decide, reason, "rejected")


def _decide(
    request: Request,
    who: Visitor,
    version_id: int,
    decide: Callable[..., PriceList],
    reason: str,
    done: str,
) -> Response:
    if who.person.role != "manager":
        raise NotFoundError()
    if not reason.strip():
        return _version_page(request, who, version_id, error="no_reason", status=422)
    app = cabinet_of(request).app
    try:
        decide(app.uow, version_id, now=app.clock.now(), by=who.actor, reason=reason)
    except VersionError as error:
        return _version_page(request, who, version_id, error=str(error), status=409)
    return RedirectResponse(f"/pricelists/{version_id}?done={done}", status_code=303)


def _version_page(
    request: Request, who: Visitor, version_id: int, *, error: str = "", status: int = 200
) -> Response:
    app = cabinet_of(request).app
    with app.reading() as uow:
        version = uow.versions.get(version_id)
        supplier = None if version is None else uow.partners.get(version.supplier_id)
        if version is None or supplier is None or not _sees(who, version):
            raise NotFoundError()
        acts = [
            {"act": ACTS[event.type], "at": event.occurred_at, **_said(event.payload)}
            for event in uow.events.listed(price_list=version.id)
            if event.type in ACTS
        ]
    context = {
        "version": version,
        "supplier": supplier,
        "acts": acts,
        "diff": _diff(app.uow, supplier, version),
        "shown": DIFF_SHOWN,
        "may_decide": who.person.role == "manager" and version.status == PriceListStatus.HELD,
        "done": request.query_params.get("done", ""),
        "error": error,
    }
    return render(request, who, "pricelist", context, status=status)


def _number(text: str) -> int:
    """A version's number from its address; any other text is a page that does not exist."""
    if not text.isdigit() or len(text) > 18:
        raise NotFoundError()
    return int(text)


def _sees(who: Visitor, version: PriceList) -> bool:
    person = who.person
    if person.role == "manager":
        return True
    return person.role == "supplier" and version.supplier_id == person.partner_id


def _said(payload: dict[str, Any]) -> dict[str, str]:
    """Who acted (a person's label, else mailbot) and why, from an event's payload."""
    return {"by": str(payload.get("by", "")), "reason": str(payload.get("reason", ""))}


def _diff(
    uow: Callable[[], UnitOfWork], supplier: Partner, version: PriceList
) -> versions.VersionDiff | None:
    """The version against the list applied before it; None for a supplier's first list."""
    try:
        return versions.diff(uow, supplier, None, version.id)
    except VersionError:
        return None
