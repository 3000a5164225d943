"""Who is calling: the API key in `Authorization: Bearer KEY`, its role, and its budget.

401 without a live key, 429 with `Retry-After` past the key's budget, 403 for a role that may
not use the route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from mailbot.domain.actors import HTTP_API, Actor
from mailbot.domain.api_roles import PARTNER_ROLES, ApiRole, Role
from mailbot.http.problems import ApiError
from mailbot.http.state import ApiState
from mailbot.services.api_keys import key_holder
from mailbot.storage.unit_of_work import UnitOfWork

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mailbot"'}


# How records name a change made over the API: "spring desk (HTTP API)".
CHANNEL = HTTP_API


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: int
    name: str
    role: ApiRole

    @property
    def actor(self) -> Actor:
        """Who acted, as the records of a change name the key that made it."""
        return Actor(self.name, CHANNEL)


def key_partner(uow: UnitOfWork, who: Caller) -> int | None:
    """The partner a `supplier:` or `client:` key acts for (its id), None for other keys;
    403 once that partner is no longer active."""
    if who.role.kind not in PARTNER_ROLES:
        return None
    partner = uow.partners.by_address(who.role.partner)
    if partner is None or not partner.active:
        raise ApiError(403, f"{who.role.partner} is no longer an active {who.role.kind}")
    return partner.id


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def caller(request: Request) -> Caller:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "an API key is needed: Authorization: Bearer KEY", headers=CHALLENGE)
    state = state_of(request)
    with state.app.reading() as uow:
        uow.commit_each_statement()  # one SELECT a request: no BEGIN, no COMMIT
        held = key_holder(uow, key.strip())
    if held is None:
        raise ApiError(401, "the API key is unknown or revoked", headers=CHALLENGE)
    record, role = held
    wait = state.limit.wait(record.id)
    if wait:
        raise ApiError(
            429,
            f"more than {state.per_minute} requests a minute with this key (http.rate_limit_"
            f"per_minute); try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return Caller(record.id, record.name, role)


def allowed(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through callers in `roles` (and managers), 403 for the rest.
    It is a coroutine so that FastAPI calls it on the event loop: a plain function, however
    trivial, would cost each request a trip to a worker thread and back."""

    async def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if not who.role.may(*roles):
            raise ApiError(403, f"the role {who.role} may not do this")
        return who

    return check
