"""What the HTTP application's routes share: mailbot's wiring and the request budgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailbot.bootstrap import App
from mailbot.http.rate_limit import RateLimit

if TYPE_CHECKING:
    from mailbot.http.metrics import Metrics


@dataclass(frozen=True, slots=True)
class ApiState:
    app: App
    limit: RateLimit
    per_minute: int
    metrics: Metrics
