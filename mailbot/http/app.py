"""The ASGI application: the API's routes, error shape and metrics, and the web cabinet. No
page or asset comes from the internet: the OpenAPI document is served at /openapi.json, no docs
page loads a CDN, and the cabinet's stylesheet comes from the package."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from mailbot.bootstrap import App
from mailbot.http import (
    campaigns,
    health,
    metrics,
    order_acts,
    orders,
    problems,
    voucher_sales,
    vouchers,
)
from mailbot.http.auth import Caller, caller
from mailbot.http.idempotency import Idempotency
from mailbot.http.rate_limit import RateLimit
from mailbot.http.state import ApiState
from mailbot.web import app as cabinet

api = APIRouter(prefix="/api/v1")


class Me(BaseModel):
    name: str
    role: str


@api.get("/me", tags=["keys"])
def me(who: Annotated[Caller, Depends(caller)]) -> Me:
    """The key the request was made with: its name and role."""
    return Me(name=who.name, role=str(who.role))


def create_app(app: App) -> FastAPI:
    """The HTTP API over mailbot's wiring `app` (its database, clock and use cases)."""
    per_minute = app.config.http.rate_limit_per_minute
    application = FastAPI(
        title="mailbot",
        version=version("mailbot"),
        docs_url=None,
        redoc_url=None,
        responses=problems.RESPONSES,
    )
    measured = metrics.Metrics(app)
    application.state.api = ApiState(app, RateLimit(per_minute), per_minute, measured)
    problems.install(application)
    application.add_middleware(Idempotency, mailbot=app)
    application.add_middleware(metrics.MeasuredRequests, metrics=measured)
    application.include_router(health.router)
    application.include_router(metrics.router)
    application.include_router(api)
    application.include_router(vouchers.router)
    application.include_router(voucher_sales.router)
    application.include_router(orders.router)
    application.include_router(order_acts.router)
    application.include_router(campaigns.router)
    cabinet.install(application, app)
    return application
