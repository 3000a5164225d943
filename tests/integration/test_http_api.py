"""The HTTP API in process (Starlette's test client, on SQLite and PostgreSQL): keys and
roles, the problem shape of every error, the request budget, health and metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key, revoke_key
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET

PROBLEM = "application/problem+json"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client


def key(app: App, name: str, role: str) -> dict[str, str]:
    _, secret = issue_key(app.uow, name, ApiRole.parse(role), now=app.clock.now(), by=None)
    return {"Authorization": f"Bearer {secret}"}


def test_a_request_without_a_live_key_is_refused_with_a_problem(
    app: App, client: TestClient
) -> None:
    """No key, a key that is not one, and a revoked key: 401 with the Bearer challenge."""
    good = key(app, "web shop", "shop")
    assert client.get("/api/v1/me", headers=good).json() == {"name": "web shop", "role": "shop"}
    revoke_key(app.uow, "web shop", now=app.clock.now(), by=None)
    for headers in ({}, {"Authorization": "Bearer mbk_forged"}, {"Authorization": "Basic x"}, good):
        answer = client.get("/api/v1/me", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["www-authenticate"].startswith("Bearer")
        body = answer.json()
        assert (body["status"], body["title"]) == (401, "Unauthorized")
        assert body["detail"]


def test_a_role_that_may_not_gets_403_and_a_manager_may(app: App, client: TestClient) -> None:
    shop, monitoring, manager = (key(app, name, name) for name in ("shop", "monitoring", "manager"))
    refused = client.get("/metrics", headers=shop)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the role shop may not do this"
    assert client.get("/metrics", headers=monitoring).status_code == 200
    assert client.get("/metrics", headers=manager).status_code == 200


def test_a_supplier_key_names_a_registered_supplier(app: App, client: TestClient) -> None:
    seed_demo(app)
    headers = key(app, "brakes", f"supplier:{SUPPLIER}")
    assert client.get("/api/v1/me", headers=headers).json()["role"] == f"supplier:{SUPPLIER}"
    with pytest.raises(Exception, match="not a registered supplier"):
        key(app, "stranger", "supplier:buying@fleetparts.example")


def test_each_key_has_its_own_budget_and_is_told_when_to_come_back(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Past `http.rate_limit_per_minute` a key gets 429 with Retry-After; another key does
    not."""
    limited = config.model_copy(
        update={"http": config.http.model_copy(update={"rate_limit_per_minute": 3})}
    )
    mailbot = bootstrap(limited, engine=app.engine, transport=transport, clock=clock)
    busy, quiet = key(mailbot, "busy", "shop"), key(mailbot, "quiet", "pos")
    with TestClient(create_app(mailbot)) as client:
        assert [client.get("/api/v1/me", headers=busy).status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/me", headers=busy)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        assert client.get("/api/v1/me", headers=quiet).status_code == 200


def test_unknown_routes_and_methods_are_problems_too(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    wrong = client.post("/healthz")
    assert (wrong.status_code, wrong.headers["content-type"]) == (405, PROBLEM)


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True
    assert body["database"]["migrated"] is True


def test_metrics_count_what_is_stored_and_the_requests_made(app: App, client: TestClient) -> None:
    seed_demo(app)
    app.store(mail(sender=FLEET, body="BPW-0310 x 1"), "smtp")
    app.store(mail(sender=FLEET, body="SAF-2234 x 2"), "smtp")
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(seconds=3))
    app.processor.run_once()
    monitoring = key(app, "prometheus", "monitoring")
    client.get("/api/v1/me", headers=monitoring)
    text = client.get("/metrics", headers=monitoring).text
    assert 'mailbot_messages{status="processed"} 2.0' in text
    assert 'mailbot_outbox{status="pending"} 2.0' in text
    assert "mailbot_quarantine 0.0" in text
    # Both waited three seconds from their receipt until processed.
    assert 'mailbot_message_processing_seconds_bucket{le="2.5"} 0.0' in text
    assert 'mailbot_message_processing_seconds_bucket{le="5.0"} 2.0' in text
    assert "mailbot_message_processing_seconds_count 2.0" in text
    (total,) = re.findall(r"^mailbot_message_processing_seconds_sum (\S+)$", text, re.M)
    assert float(total) == pytest.approx(6.0, abs=0.01)  # SQLite's day fractions round
    assert 'mailbot_api_requests_total{route="/api/v1/me",status="200"} 1.0' in text
