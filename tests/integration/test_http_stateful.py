"""schemathesis' stateful mode over the voucher routes: it follows the OpenAPI document's links
from validate to reserve (the same basket), from a reservation to its redemption or release,
and from a redemption to its rollback, with generated data wherever a link leaves a part
open. No answer is a 5xx or off the document, and the chain is walked to its end: at least
one redemption made through the links is rolled back."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from sqlalchemy import func, select

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.storage.models import VoucherRedemption
from tests.integration.test_http_schema import ANSWER_CHECKS
from tests.vouchers import TERMS

VALIDATE = "POST /api/v1/vouchers/validate"
# A basket the links carry on to a reservation: a known client, a code without limits.
BASKET: dict[str, Any] = {
    "customer": "buying@fleetparts.example",
    "currency": "EUR",
    "lines": [{"sku": "BPW-0310", "quantity": 2}],
    "codes": ["OPEN10"],
}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """No request budget in the way of a thousand requests."""
    return {**environ, "MAILBOT_HTTP__RATE_LIMIT_PER_MINUTE": str(10**6)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_links_lead_from_validate_to_a_rollback_with_no_answer_off_the_document(app: App) -> None:
    seed_demo(app)
    open_code = Limits(None, None, None)
    create_campaign(app.uow, name="Open", kind="promotional", terms=TERMS, limits=open_code,
                    now=app.clock.now(), code="OPEN10")  # fmt: skip
    _, secret = issue_key(app.uow, "fuzz", ApiRole.parse("manager"), now=app.clock.now(), by=None)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(app)).include(
        path_regex="^/api/v1/vouchers/(validate|reservations|redemptions)"
    )
    schema.config.headers = {"Authorization": f"Bearer {secret}"}
    # Valid data only: the walk is along the links, and a chain broken by an invalid body at
    # any step (half the examples in schemathesis' default modes) mostly ends before the
    # rollback. Invalid data on every route is test_http_schema's.
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])

    seen: list[tuple[str, int]] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            # Validation starts each chain on a basket that can be reserved; every other
            # step takes what its link gives and generated data for the rest.
            if case.operation.label == VALIDATE:
                case.body = dict(BASKET)

        def after_call(self, response: Any, case: Any) -> None:
            seen.append((case.operation.label, response.status_code))

        def validate_response(self, response: Any, case: Any, **_: Any) -> None:
            case.validate_response(response, checks=ANSWER_CHECKS)

    Machine.run(
        settings=settings(
            max_examples=80,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert ("POST /api/v1/vouchers/redemptions/{redemption_id}/rollback", 200) in seen
    with app.uow() as uow:
        rolled_back = select(func.count(VoucherRedemption.id)).where(
            VoucherRedemption.redeemed_at.is_not(None),
            VoucherRedemption.status == "released",
        )
        assert uow.session.scalar(rolled_back)
