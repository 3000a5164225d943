"""Who gets an answer and where it goes: Reply-To, mailbot's own mail, the per-sender limit."""

from __future__ import annotations

from datetime import timedelta

from mailbot.bootstrap import App
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.storage.models import PartnerAddress
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, VECTOR, ingest, limited, outbox

BOSS = "boss@fleetparts.example"


def add_second_address(app: App) -> None:
    """Fleet Parts gets a second registered address, as a separate partner would not."""
    with app.uow() as uow:
        fleet = uow.partners.by_address("buying@fleetparts.example")
        assert fleet is not None
        fleet.addresses.append(PartnerAddress(address=BOSS))
        uow.commit()


def test_reply_goes_to_reply_to_when_it_is_the_same_partners_address(app: App) -> None:
    """A Reply-To naming another registered address of the same partner gets the reply."""
    seed_demo(app)
    add_second_address(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 1", headers={"Reply-To": BOSS}))
    (reply,) = outbox(app)
    assert reply.recipient == BOSS
    assert headers(reply.raw)["To"] == BOSS


def test_reply_to_of_a_stranger_or_another_partner_is_not_followed(app: App) -> None:
    """A Reply-To that is not the sending partner's own address is ignored: From is answered."""
    seed_demo(app)
    for reply_to in ("collector@elsewhere.example", VECTOR):
        ingest(app, mail(sender=FLEET, body="BPW-0310 x 1", headers={"Reply-To": reply_to}))
    assert [reply.recipient for reply in outbox(app)] == ["buying@fleetparts.example"] * 2


def test_own_mail_coming_back_is_not_answered_by_its_message_id(app: App) -> None:
    """A message carrying the Message-ID of a mail mailbot wrote is not answered."""
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    (reply,) = outbox(app)
    resent = mail(sender=FLEET, body="BPW-0310 x 1", subject="Re: your quote")
    original_id = headers(resent)["Message-ID"]
    echoed = resent.replace(original_id.encode(), reply.message_id.encode())
    _, outcome = ingest(app, echoed)
    assert (outcome.status, outcome.summary) == ("ignored", "not answered: own message-id")
    assert len(outbox(app)) == 1


def test_a_colleague_in_mailbots_own_domain_is_answered(app: App) -> None:
    """Mail from mailbot's domain whose Message-ID mailbot never wrote is answered as usual."""
    seed_demo(app)
    _, outcome = ingest(app, mail(sender="manager@distributor.example", body="Hello"))
    assert (outcome.status, outcome.summary) == ("processed", "answered: nothing to act on")
    (reply,) = outbox(app)
    assert reply.recipient == "manager@distributor.example"


def test_replies_past_the_hourly_limit_are_held_and_sent_in_one_digest(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Past max_per_hour, orders are still quoted, but their replies wait, with the reason,
    and go out together in one digest an hour after the first was held."""
    seed_demo(app)
    app = limited(config, app, transport, clock)
    outcomes = []
    for n in range(4):
        outcomes.append(ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {n + 1}"))[1])
        clock.advance(timedelta(minutes=1))
    with app.uow() as uow:
        assert uow.orders.count() == 4
    assert [o.status for o in outcomes] == ["processed"] * 4
    assert "held for the digest" not in outcomes[1].summary
    assert "held for the digest: buying@fleetparts.example had 2 replies" in outcomes[2].summary
    assert "held for the digest: earlier replies" in outcomes[3].summary
    assert [r.status for r in outbox(app)] == ["pending", "pending", "held", "held"]

    clock.advance(timedelta(minutes=57))  # 59 minutes after the first held reply
    assert app.processor.send_due_digests() == 0
    clock.advance(timedelta(minutes=1))
    assert app.processor.run_once() == 0  # a processor pass writes the due digest
    *replies, digest = outbox(app)
    assert [r.status for r in replies] == ["pending", "pending", "digested", "digested"]
    assert {r.digest_id for r in replies[2:]} == {digest.id}
    assert (digest.kind, digest.recipient, digest.status) == (
        "reply_digest",
        "buying@fleetparts.example",
        "pending",
    )
    text = parts(digest.raw)["plain"]
    numbers = [r.subject for r in replies[2:]]
    assert all(subject in text for subject in numbers)
    assert replies[0].subject not in text
    assert app.processor.send_due_digests() == 0  # written once
    app.sender.run_once()
    assert len(transport.delivered) == 3


def test_the_limit_counts_each_sender_on_its_own(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """One busy sender's limit does not hold another sender's replies."""
    seed_demo(app)
    app = limited(config, app, transport, clock)
    for _ in range(3):
        ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    ingest(app, mail(sender=VECTOR, body="BPW-0310 x 1"))
    statuses = [(r.recipient, r.status) for r in outbox(app)]
    assert statuses[-2:] == [("buying@fleetparts.example", "held"), (VECTOR, "pending")]


def test_a_held_price_list_reply_keeps_its_attachment_in_the_digest(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Files a held reply carried (a client's price list) are attached to the digest."""
    seed_demo(app)
    app = limited(config, app, transport, clock)
    for _ in range(2):
        ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    ingest(app, mail(sender=FLEET, subject="PRICES", body="PRICES"))
    clock.advance(timedelta(hours=1))
    assert app.processor.send_due_digests() == 1
    digest = outbox(app)[-1]
    attached = [p.get_filename() for p in headers(digest.raw).iter_attachments()]
    assert any(name and name.endswith(".xlsx") for name in attached)
