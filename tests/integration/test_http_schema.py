"""schemathesis against the API's own OpenAPI document, on SQLite with the demo data and a
manager's key: whatever a request holds, no answer is a 5xx, and every answer matches the
document (status, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key


@pytest.fixture
def api(app: App) -> schemathesis.schemas.BaseSchema:
    seed_demo(app)
    _, secret = issue_key(app.uow, "fuzz", ApiRole.parse("manager"), now=app.clock.now(), by=None)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(app))
    schema.config.headers = {"Authorization": f"Bearer {secret}"}
    return schema


schema = schemathesis.pytest.from_fixture("api")
ANSWER_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_5xx_or_an_answer_off_the_document(case: schemathesis.Case) -> None:
    # What the document promises about every answer; whether a valid request may still be
    # refused by a rule of the business (an unknown client is 404) is not among them.
    case.call_and_validate(checks=ANSWER_CHECKS)
