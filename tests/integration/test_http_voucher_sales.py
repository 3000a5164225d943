"""Reservations and redemptions over the HTTP API, for shops and tills: they count against the
same limits as mail, each key acts only on its own (another key's is 404), a manager on any,
other roles not at all (403), and every step is recorded with the key that took it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.app import create_app
from mailbot.services.api_keys import issue_key
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.storage.models import Event, VoucherRedemption
from tests.fakes import FixedClock
from tests.vouchers import TERMS

RESERVE = "/api/v1/vouchers/reservations"
REDEEM = "/api/v1/vouchers/redemptions"
FLEET = "buying@fleetparts.example"  # buys in EUR


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    seed_demo(app)
    with TestClient(create_app(app)) as client:
        yield client


def key(app: App, name: str, role: str | None = None) -> dict[str, str]:
    role = role or name
    _, secret = issue_key(app.uow, name, ApiRole.parse(role), now=app.clock.now(), by=None)
    return {"Authorization": f"Bearer {secret}"}


def basket(*codes: str, customer: object = FLEET, **extra: object) -> dict[str, object]:
    return {
        "customer": customer,
        "currency": "EUR",
        "lines": [{"sku": "BPW-0310", "quantity": 2}, {"sku": "DAF-1643", "quantity": 1}],
        "codes": list(codes or ["SPRING10"]),
        **extra,
    }


def limited(app: App, code: str = "TILL5", *, limit: int | None = None, per: int = 1) -> None:
    """A 10 % code of at most `limit` uses, `per` a customer."""
    create_campaign(app.uow, name=code, kind="promotional", terms=TERMS,
                    limits=Limits(limit, per, None), now=app.clock.now(), code=code)  # fmt: skip


def used(app: App, name: str = "Demo spring") -> int:
    """How many uses the campaign counts (the demo's SPRING10 by default)."""
    with app.uow() as uow:
        campaign = uow.vouchers.campaign(name)
        assert campaign is not None
        return campaign.used


def events(app: App, kind: str) -> list[dict[str, object]]:
    with app.uow() as uow:
        query = select(Event.payload).where(Event.type == kind).order_by(Event.id)
        return list(uow.session.scalars(query))


def test_a_till_reserves_redeems_and_rolls_back_counting_as_mail_does(
    app: App, client: TestClient
) -> None:
    till = key(app, "till 1", "pos")
    answer = client.post(RESERVE, json=basket(ttl=600), headers=till)
    assert answer.status_code == 201
    body = answer.json()
    (reservation,) = body["reservations"]
    (code,) = body["codes"]
    assert (code["status"], code["reservation"]) == ("reserved", reservation)
    assert body["discount"] == code["discount"]
    assert code["discount"]["currency"] == "EUR"
    hold = app.clock.now() + timedelta(seconds=600)
    assert code["hold_until"].replace("Z", "+00:00") == hold.isoformat()
    assert used(app) == 1
    redeemed = client.post(REDEEM, json={"reservations": [reservation], "order_ref": "R-77"},
                           headers=till)  # fmt: skip
    assert redeemed.status_code == 201
    (row,) = redeemed.json()["redemptions"]
    assert (row["id"], row["status"], row["order_ref"]) == (reservation, "redeemed", "R-77")
    assert client.delete(f"{RESERVE}/{reservation}", headers=till).status_code == 409
    rollback = f"{REDEEM}/{reservation}/rollback"
    back = client.post(rollback, json={"reason": "returned"}, headers=till)
    assert (back.status_code, back.json()["status"]) == (200, "released")
    assert used(app) == 0
    assert client.post(rollback, headers=till).status_code == 409
    with app.uow() as uow:
        stored = uow.session.get_one(VoucherRedemption, reservation)
        assert (stored.inbound_message_id, stored.client_id) == (None, stored.client_id)
        assert stored.api_key_id == stored.redeemed_by_key_id == stored.released_by_key_id
        assert stored.release_reason == "returned"
    for kind in ("voucher.code_reserved", "voucher.code_redeemed", "voucher.code_released"):
        (event,) = events(app, kind)
        assert event["by"] == "till 1 (HTTP API)"
    assert events(app, "voucher.code_redeemed")[0]["order_ref"] == "R-77"


def test_a_reservation_released_gives_its_use_back(app: App, client: TestClient) -> None:
    shop = key(app, "shop")
    reservation = client.post(RESERVE, json=basket(), headers=shop).json()["reservations"][0]
    released = client.delete(f"{RESERVE}/{reservation}", headers=shop)
    assert (released.status_code, released.json()["status"]) == (200, "released")
    assert used(app) == 0
    assert client.delete(f"{RESERVE}/{reservation}", headers=shop).status_code == 409
    gone = client.post(REDEEM, json={"reservations": [reservation], "order_ref": "X"},
                       headers=shop)  # fmt: skip
    assert gone.status_code == 409


def test_a_basket_is_redeemed_at_once_with_the_order_reference(
    app: App, client: TestClient
) -> None:
    answer = client.post(REDEEM, json={**basket(), "order_ref": "WEB-1"}, headers=key(app, "shop"))
    assert answer.status_code == 201
    (row,) = answer.json()["redemptions"]
    assert (row["status"], row["order_ref"], row["code"]) == ("redeemed", "WEB-1", "SPRING10")
    assert answer.json()["codes"][0]["status"] == "redeemed"
    assert used(app) == 1


def test_another_keys_reservation_is_not_found_and_a_manager_may_act_on_it(
    app: App, client: TestClient
) -> None:
    mine, other = key(app, "shop A", "shop"), key(app, "till B", "pos")
    reservation = client.post(RESERVE, json=basket(), headers=mine).json()["reservations"][0]
    redeem = {"reservations": [reservation], "order_ref": "B-1"}
    assert client.get(f"{RESERVE}/{reservation}", headers=other).status_code == 404
    assert client.delete(f"{RESERVE}/{reservation}", headers=other).status_code == 404
    assert client.post(REDEEM, json=redeem, headers=other).status_code == 404
    assert client.post(f"{REDEEM}/{reservation}/rollback", headers=other).status_code == 404
    assert client.get(f"{RESERVE}/999999", headers=mine).status_code == 404
    assert client.get(f"{RESERVE}/{reservation}", headers=mine).json()["status"] == "reserved"
    manager = key(app, "boss", "manager")
    assert client.post(REDEEM, json=redeem, headers=manager).status_code == 201
    assert client.post(f"{REDEEM}/{reservation}/rollback", headers=manager).status_code == 200


@pytest.mark.parametrize(
    "role", ["call_centre", "marketing", "monitoring", "client:buying@fleetparts.example"]
)
def test_other_roles_may_not_reserve_or_redeem(app: App, client: TestClient, role: str) -> None:
    headers = key(app, "other", role)
    assert client.post(RESERVE, json=basket(), headers=headers).status_code == 403
    assert (
        client.post(REDEEM, json={**basket(), "order_ref": "1"}, headers=headers).status_code == 403
    )
    assert client.get(f"{RESERVE}/1", headers=headers).status_code == 403
    assert client.delete(f"{RESERVE}/1", headers=headers).status_code == 403
    assert client.post(f"{REDEEM}/1/rollback", headers=headers).status_code == 403
    assert client.post(RESERVE, json=basket()).status_code == 401
    assert used(app) == 0


def test_a_retail_customer_reference_counts_per_customer_limits(
    app: App, client: TestClient
) -> None:
    """A code of one use a customer: a loyalty card gets it once, another card too, whichever
    till asks; a partner is a customer of its own."""
    limited(app, "TILL5", per=1)
    one, two = key(app, "till 1", "pos"), key(app, "till 2", "pos")
    card = {"external": "loyalty-card-123"}
    first = client.post(RESERVE, json=basket("TILL5", customer=card), headers=one)
    assert first.status_code == 201
    again = client.post(RESERVE, json=basket("TILL5", customer=card), headers=two)
    assert again.status_code == 200
    assert again.json()["codes"][0] == {**again.json()["codes"][0], "status": "refused",
                                        "reason": "company_limit"}  # fmt: skip
    other = client.post(RESERVE, json=basket("TILL5", customer={"external": "card-9"}), headers=two)
    assert other.status_code == 201
    assert client.post(RESERVE, json=basket("TILL5"), headers=one).status_code == 201
    (reserved, *_) = events(app, "voucher.code_reserved")
    assert (reserved["client"], reserved["customer_ref"]) == (None, "loyalty-card-123")


def test_the_last_use_of_a_code_goes_to_one_channel(app: App, client: TestClient) -> None:
    limited(app, "LAST1", limit=1, per=5)
    till = key(app, "till", "pos")
    card = basket("LAST1", customer={"external": "card-1"})
    assert client.post(RESERVE, json=card, headers=till).status_code == 201
    with app.uow() as uow:
        fleet = uow.partners.by_address(FLEET)
        assert fleet is not None
    by_id = basket("LAST1", customer={"id": fleet.id})
    late = client.post(RESERVE, json=by_id, headers=key(app, "shop")).json()
    assert late["codes"][0]["status"] == "refused"
    assert (late["codes"][0]["reason"], late["reservations"]) == ("limit_reached", [])


def test_an_expired_hold_is_released_as_mails_are(
    app: App, client: TestClient, clock: FixedClock
) -> None:
    shop = key(app, "shop")
    reservation = client.post(RESERVE, json=basket(ttl=60), headers=shop).json()["reservations"][0]
    clock.advance(timedelta(seconds=61))
    late = client.post(REDEEM, json={"reservations": [reservation], "order_ref": "L"},
                       headers=shop)  # fmt: skip
    assert late.status_code == 409
    report = app.jobs.run_due(clock.now())  # the scheduler's tick
    assert report.holds_released == 1
    assert client.get(f"{RESERVE}/{reservation}", headers=shop).json()["status"] == "released"
    assert used(app) == 0


def test_bad_requests_get_problem_details(app: App, client: TestClient) -> None:
    shop = key(app, "shop")
    both = client.post(RESERVE, json=basket(customer={"address": FLEET, "external": "c"}),
                       headers=shop)  # fmt: skip
    assert both.status_code == 422
    assert both.headers["content-type"] == "application/problem+json"
    assert any(error["field"].startswith("body.customer") for error in both.json()["errors"])
    too_long = client.post(RESERVE, json=basket(ttl=10**7), headers=shop)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "body.ttl"
    mixed = {**basket(), "reservations": [1], "order_ref": "M"}
    assert client.post(REDEEM, json=mixed, headers=shop).status_code == 422
    assert client.post(REDEEM, json={"reservations": [1]}, headers=shop).status_code == 422
    stranger = client.post(RESERVE, json=basket(customer="nobody@x.example"), headers=shop)
    assert (stranger.status_code, stranger.json()["status"]) == (404, 404)
    wrong = client.post(RESERVE, json={**basket(), "currency": "RON"}, headers=shop)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.currency"
    assert client.delete(f"{RESERVE}/0", headers=shop).status_code == 422
    assert used(app) == 0


def test_an_idempotency_key_reserves_once(app: App, client: TestClient) -> None:
    shop = {**key(app, "shop"), "Idempotency-Key": "basket-1"}
    first = client.post(RESERVE, json=basket(), headers=shop)
    again = client.post(RESERVE, json=basket(), headers=shop)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert used(app) == 1
    other = client.post(RESERVE, json=basket(ttl=5), headers=shop)
    assert other.status_code == 422
    assert used(app) == 1


def test_metrics_count_reservations_and_redemptions_by_campaign_and_channel(
    app: App, client: TestClient
) -> None:
    shop = key(app, "shop")
    client.post(RESERVE, json=basket(), headers=shop)
    card = basket(customer={"external": "card-7"}, order_ref="W-2")
    assert client.post(REDEEM, json=card, headers=shop).status_code == 201
    text = client.get("/metrics", headers=key(app, "prom", "monitoring")).text
    assert 'mailbot_voucher_uses{campaign="' in text
    assert 'channel="api",status="reserved"} 1.0' in text
    assert 'channel="api",status="redeemed"} 1.0' in text
