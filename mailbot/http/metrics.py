"""`/metrics` in the Prometheus text format (prometheus-client): what is stored, read from the
database at each scrape (messages and outgoing mail by status, how long messages waited
until processed, the quarantine, the deadline lag, reservations and redemptions by campaign),
and the API's requests by route and status with their latency, counted in this process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailbot.bootstrap import App
from mailbot.domain.api_roles import Role
from mailbot.domain.mail import InboundStatus
from mailbot.http.auth import Caller, allowed, state_of

router = APIRouter(tags=["health"])

# The bounds, in seconds, of the histogram of how long a message waited until processed.
PROCESSING_BOUNDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class StoredWork(Collector):
    """Gauges read from the database when Prometheus scrapes."""

    def __init__(self, app: App) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        inbound = GaugeMetricFamily(
            "mailbot_messages", "Received messages by status", labels=["status"]
        )
        outbound = GaugeMetricFamily("mailbot_outbox", "Outgoing mail by status", labels=["status"])
        quarantine = GaugeMetricFamily("mailbot_quarantine", "Messages in quarantine")
        lag = GaugeMetricFamily(
            "mailbot_deadline_lag_seconds", "How long the most overdue open deadline is overdue"
        )
        vouchers = GaugeMetricFamily(
            "mailbot_voucher_uses",
            "Reservations, redemptions and releases by campaign, channel (mail or api) and status",
            labels=["campaign", "channel", "status"],
        )
        waited = HistogramMetricFamily(
            "mailbot_message_processing_seconds",
            "How long received messages waited until processed",
        )
        now = self._app.clock.now()
        with self._app.reading() as uow:
            under, count, total = uow.reports.processing_times(PROCESSING_BOUNDS)
            buckets = [(str(b), n) for b, n in zip(PROCESSING_BOUNDS, under, strict=True)]
            waited.add_metric([], [*buckets, ("+Inf", count)], total)
            inbox = uow.reports.inbox_counts()
            for status, count in sorted(inbox.items()):
                inbound.add_metric([status], count)
            for status, count in sorted(uow.reports.outbox_counts().items()):
                outbound.add_metric([status], count)
            quarantine.add_metric([], inbox.get(InboundStatus.QUARANTINED, 0))
            overdue = uow.deadlines.overdue(now)
            lag.add_metric([], (now - overdue[0].due_at).total_seconds() if overdue else 0.0)
            names = {campaign.id: campaign.name for campaign in uow.vouchers.campaigns()}
            for (campaign_id, channel, status), count in sorted(
                uow.vouchers.channel_counts().items()
            ):
                name = names.get(campaign_id, str(campaign_id))
                vouchers.add_metric([name, channel, status], count)
        yield from (inbound, outbound, quarantine, lag, vouchers, waited)


class Metrics:
    """The registry one application reports, and the request instruments it feeds."""

    def __init__(self, app: App) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(StoredWork(app))
        self.requests = Counter(
            "mailbot_api_requests",
            "API requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mailbot_api_request_seconds",
            "API request latency by route",
            ["route"],
            registry=self.registry,
        )


class MeasuredRequests:
    """ASGI middleware: count and time every request by the route it matched (plain ASGI, as
    `web.security.SecureHeaders` says why)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the application raises before its answer

        async def send_noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_noted)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self._metrics.requests.labels(route, str(status)).inc()
            self._metrics.latency.labels(route).observe(time.perf_counter() - started)


@router.get("/metrics", response_class=Response)
def metrics(
    request: Request, _who: Annotated[Caller, Depends(allowed(Role.MONITORING))]
) -> Response:
    registry = state_of(request).metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
