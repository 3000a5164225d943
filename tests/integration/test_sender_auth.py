"""Forged senders on SQLite and PostgreSQL: quarantined, unanswered; authenticated mail quoted."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, SecurityConfig
from mailbot.demo import seed_demo
from mailbot.domain.actors import Actor
from mailbot.http.app import create_app
from mailbot.services.inbox.quarantine import NotForgedError, let_through
from tests.cabinet import sign_in
from tests.fakes import FixedClock, FixedTxtResolver, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET, ingest, order_of, outbox
from tests.signing import key_name, received, signed, signing_key

MX = "mx.distributor.example"
MANAGER = "manager@distributor.example"  # the demo's manager
PASS = f"{MX}; dkim=pass (2048-bit key) header.d=fleetparts.example header.s=mail"
FAIL = f"{MX}; dkim=fail (bad signature) header.d=fleetparts.example; spf=softfail"


def guarded_app(
    config: Config,
    engine: Engine,
    transport: RecordingTransport,
    clock: FixedClock,
    resolver: FixedTxtResolver | None = None,
    **security: object,
) -> App:
    settings = SecurityConfig.model_validate({"require_sender_auth": True, **security})
    app = bootstrap(
        config.model_copy(update={"security": settings}),
        engine=engine,
        transport=transport,
        clock=clock,
        resolver=resolver,
    )
    seed_demo(app)
    return app


@pytest.fixture
def guarded(
    config: Config, engine: Engine, transport: RecordingTransport, clock: FixedClock
) -> App:
    """mailbot that believes only the Authentication-Results of mx.distributor.example."""
    return guarded_app(config, engine, transport, clock, trusted_authserv_ids=[MX])


def order_count(app: App) -> int:
    with app.uow() as uow:
        return uow.orders.count()


def test_a_forged_order_is_quarantined_and_not_answered(guarded: App) -> None:
    """An order from a client's address without trusted results is quarantined with the reason."""
    message_id, outcome = ingest(guarded, mail(sender=FLEET, body="BPW-0310 x 2"))
    assert outcome.status == "quarantined"
    assert outcome.summary == "sender not authenticated: no trusted Authentication-Results"
    assert outbox(guarded) == []
    assert order_count(guarded) == 0
    with guarded.uow() as uow:
        stored = uow.inbox.get(message_id)
        assert stored is not None
        assert (stored.status, stored.last_error) == ("quarantined", outcome.summary)
        assert stored.partner_id is None


def test_an_order_with_a_trusted_aligned_dkim_pass_is_quoted(guarded: App) -> None:
    """The same order with the trusted server's dkim=pass for the From domain gets a quote."""
    _, outcome = ingest(guarded, received(mail(sender=FLEET, body="BPW-0310 x 2"), PASS))
    assert outcome.status == "processed"
    assert order_of(guarded, outcome)["lines"][0]["sku"] == "BPW-0310"
    (reply,) = outbox(guarded)
    assert reply.recipient == "buying@fleetparts.example"


def test_an_untrusted_header_above_the_trusted_one_is_ignored(guarded: App) -> None:
    """A pass from an unknown server on top of the trusted server's fail does not help."""
    forged = received(
        mail(sender=FLEET, body="BPW-0310 x 2"),
        "evil.example; dkim=pass header.d=fleetparts.example; dmarc=pass",
        FAIL,
    )
    _, outcome = ingest(guarded, forged)
    assert outcome.status == "quarantined"
    assert outcome.summary == (
        f"sender not authenticated: {MX}: dkim=fail header.d=fleetparts.example, spf=softfail "
        "(1 from untrusted servers ignored)"
    )
    assert outbox(guarded) == []


def test_a_trusted_header_below_another_trusted_one_does_not_count(guarded: App) -> None:
    """Only the topmost trusted field counts: a pass written below it (by anyone) is ignored."""
    forged = received(mail(sender=FLEET, body="BPW-0310 x 2"), FAIL, PASS)
    _, outcome = ingest(guarded, forged)
    assert outcome.status == "quarantined"
    assert outcome.summary.startswith(f"sender not authenticated: {MX}: dkim=fail")
    assert outbox(guarded) == []
    assert order_count(guarded) == 0


def test_unknown_senders_stay_ignored(guarded: App) -> None:
    """Mail from a stranger is ignored as before, not quarantined."""
    _, outcome = ingest(guarded, mail(sender="who@nowhere.example", body="BPW-0310 x 1"))
    assert (outcome.status, outcome.summary) == (
        "ignored",
        "not answered: unknown sender who@nowhere.example",
    )


def test_own_dkim_check_quotes_signed_mail_and_quarantines_tampered_mail(
    config: Config, engine: Engine, transport: RecordingTransport, clock: FixedClock
) -> None:
    """With verify_dkim, a signed order is quoted and the same order altered is quarantined."""
    resolver = FixedTxtResolver({key_name("fleetparts.example"): signing_key().record})
    app = guarded_app(config, engine, transport, clock, resolver, verify_dkim=True)
    raw = signed(mail(sender=FLEET, body="BPW-0310 x 2"), "fleetparts.example")
    _, outcome = ingest(app, raw)
    assert outcome.status == "processed", outcome.summary
    _, tampered = ingest(app, raw.replace(b"BPW-0310 x 2", b"BPW-0310 x 20"))
    assert tampered.status == "quarantined"
    assert tampered.summary.startswith(
        "sender not authenticated: dkim=fail d=fleetparts.example (body hash mismatch"
    )
    assert len(outbox(app)) == 1
    assert order_count(app) == 1


def test_a_dns_failure_is_retried_not_quarantined_at_once(
    config: Config, engine: Engine, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A key lookup that times out leaves the message for another attempt, unanswered."""
    resolver = FixedTxtResolver(failing={key_name("fleetparts.example")})
    app = guarded_app(config, engine, transport, clock, resolver, verify_dkim=True)
    _, outcome = ingest(app, signed(mail(sender=FLEET, body="BPW-0310 x 2"), "fleetparts.example"))
    assert (outcome.status, outcome.summary) == ("stored", "attempt 1 failed, will retry")
    assert outbox(app) == []


def test_a_manager_lets_a_forged_order_through_after_a_look(guarded: App) -> None:
    """Let through (in the cabinet, as `quarantine let-through`), the held order is processed
    as if its sender were authenticated and quoted; the record names the manager. A message
    held for another reason cannot be let through, nor one not in quarantine."""
    message_id, outcome = ingest(guarded, mail(sender=FLEET, body="BPW-0310 x 2"))
    assert outcome.status == "quarantined"
    with TestClient(create_app(guarded)) as browser:
        csrf = sign_in(browser, guarded, MANAGER)
        page = browser.get(f"/quarantine/{message_id}").text
        assert f'action="/quarantine/{message_id}/let-through"' in page
        vouched = browser.post(f"/quarantine/{message_id}/let-through", data={"csrf": csrf})
        assert vouched.status_code == 200
        assert guarded.processor.run_once() == 1
        again = browser.post(f"/quarantine/{message_id}/let-through", data={"csrf": csrf})
        assert again.status_code == 409
    assert order_count(guarded) == 1
    assert [m.kind for m in outbox(guarded) if m.kind == "quote"] == ["quote"]
    with guarded.uow() as uow:
        stored = uow.inbox.get(message_id)
        assert stored is not None
        assert stored.vouched_by == f"{MANAGER} (cabinet)"
        (event,) = uow.events.listed(kind="message.let_through")
    assert event.payload == {"message": message_id, "by": f"{MANAGER} (cabinet)"}


def test_only_a_message_held_as_forged_may_be_let_through(guarded: App) -> None:
    message_id, _ = ingest(guarded, mail(sender=FLEET, body="BPW-0310 x 2"))
    with guarded.uow() as uow:
        stored = uow.inbox.get(message_id)
        assert stored is not None
        stored.outcome = stored.last_error = "failed 3 times: KeyError"
        uow.commit()
    with pytest.raises(NotForgedError, match="another reason than its sender"):
        let_through(guarded.uow, message_id, now=guarded.clock.now(), by=Actor("alice"))
