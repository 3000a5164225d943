"""Vouchers on SQLite and PostgreSQL: reading typed codes, limits, and the reservation lifecycle."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine, event

from mailbot.domain.money import Money
from mailbot.parsers.voucher_codes import check_character, display
from mailbot.services.vouchers.campaigns import Limits, create_campaign, generate_codes
from mailbot.services.vouchers.look_up import Refusal, look_up
from mailbot.services.vouchers.redemptions import redeem, release, release_expired
from mailbot.services.vouchers.reservations import Reservation, reserve
from mailbot.storage.models import Order, VoucherCampaign
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.voucher_reservations import Holder
from tests.vouchers import HOLD, NOW, TERMS, add_clients, add_inbound, add_order, promotional

TEN = Money(Decimal("10.00"), "EUR")


def _reserve(engine: Engine, client: int, inbound: int, code: str = "WINTER25",
             discount: Money = TEN, order: int | None = None) -> Reservation:  # fmt: skip
    with UnitOfWork(engine) as uow:
        (done,) = reserve(uow, order_id=order, client_id=client,
                          codes_with_discounts=[(code, discount)], inbound_id=inbound, now=NOW,
                          hold_until=HOLD)  # fmt: skip
        uow.commit()
        return done


def _campaign(engine: Engine, name: str = "Winter") -> VoucherCampaign:
    with UnitOfWork(engine) as uow:
        found = uow.vouchers.campaign(name)
        assert found is not None
        return found


def _serial(engine: Engine, count: int = 3, clients: tuple[str, ...] = ()) -> list[str]:
    create_campaign(lambda: UnitOfWork(engine), name="Spring", kind="serial", terms=TERMS,
                    limits=Limits(), now=NOW, prefix="spr")  # fmt: skip
    generate_codes(lambda: UnitOfWork(engine), campaign="Spring", count=count, clients=clients,
                   rng=random.Random(4), now=NOW)  # fmt: skip
    with UnitOfWork(engine) as uow:
        return [code.code for code, _, _ in uow.vouchers.codes_of(_campaign(engine, "Spring").id)]


def test_a_message_reserves_a_code_once(engine: Engine) -> None:
    """Reserving again for the same inbound message gives back the first reservation."""
    promotional(engine, limit=5)
    (client,) = add_clients(engine, 1)
    (inbound,) = add_inbound(engine, 1)
    first = _reserve(engine, client, inbound)
    again = _reserve(engine, client, inbound)
    assert (first.status, first.hold_until) == ("reserved", HOLD)
    assert again.redemption_id == first.redemption_id
    assert _campaign(engine).used == 1


def test_the_total_limit_counts_reservations_and_released_ones_free_a_use(engine: Engine) -> None:
    """With a limit of 2, the third reservation is refused until one is released."""
    promotional(engine, limit=2)
    clients = add_clients(engine, 3)
    inbound = add_inbound(engine, 4)
    orders = [add_order(engine, clients[n], inbound[n], f"ORD-{n}") for n in range(3)]
    statuses = [_reserve(engine, clients[n], inbound[n], order=orders[n]).status for n in range(3)]
    assert statuses == ["reserved", "reserved", "refused"]
    assert _reserve(engine, clients[2], inbound[3]).refusal is Refusal.LIMIT_REACHED
    with UnitOfWork(engine) as uow:
        (released,) = release(uow, order_id=orders[0], inbound_id=inbound[3], now=NOW,
                              reason="order cancelled")  # fmt: skip
        uow.commit()
    assert (released.status, released.release_reason) == ("released", "order cancelled")
    assert _reserve(engine, clients[2], inbound[2], order=orders[2]).status == "reserved"
    assert _campaign(engine).used == 2


def test_the_per_client_limit_covers_the_whole_company(engine: Engine) -> None:
    """A company that used its one redemption is told so, whichever message it sends next."""
    promotional(engine, per_client=1)
    (client,) = add_clients(engine, 1)
    first, second = add_inbound(engine, 2)
    assert _reserve(engine, client, first).status == "reserved"
    refused = _reserve(engine, client, second)
    assert (refused.status, refused.refusal) == ("refused", Refusal.COMPANY_LIMIT)
    assert str(refused.refusal) == "already used by your company"


def test_the_budget_holds_the_sum_of_discounts(engine: Engine) -> None:
    """Discounts add up against the budget; one that would pass it, or in another currency,
    is refused."""
    promotional(engine, budget=Money(Decimal("25.00"), "EUR"))
    clients = add_clients(engine, 4)
    inbound = add_inbound(engine, 4)
    assert _reserve(engine, clients[0], inbound[0]).status == "reserved"
    assert _reserve(engine, clients[1], inbound[1]).status == "reserved"
    assert _reserve(engine, clients[2], inbound[2]).refusal is Refusal.BUDGET_EXHAUSTED
    dollars = Money(Decimal("1.00"), "USD")
    assert _reserve(engine, clients[3], inbound[3], discount=dollars).refusal is Refusal.CURRENCY
    assert _campaign(engine).discount_used == Decimal("20.00")


def test_a_serial_code_is_used_once_and_an_assigned_one_only_by_its_client(engine: Engine) -> None:
    """A serial code serves one order; a code issued to a client refuses everyone else."""
    first, second = add_clients(engine, 2)
    (free,) = _serial(engine, count=1)
    with UnitOfWork(engine) as uow:
        client_codes = {c.code for c, _, _ in uow.vouchers.codes_of(1)}
    assert client_codes == {free}
    generate_codes(lambda: UnitOfWork(engine), campaign="Spring", count=1,
                   clients=["b@client0.example"], rng=random.Random(5), now=NOW)  # fmt: skip
    with UnitOfWork(engine) as uow:
        (assigned,) = {c.code for c, _, _ in uow.vouchers.codes_of(1)} - {free}
    inbound = add_inbound(engine, 4)
    assert _reserve(engine, first, inbound[0], free).status == "reserved"
    assert _reserve(engine, second, inbound[1], free).refusal is Refusal.CODE_USED
    assert _reserve(engine, second, inbound[2], assigned).refusal is Refusal.NOT_YOURS
    assert _reserve(engine, first, inbound[3], assigned).status == "reserved"


def test_redeeming_keeps_the_terms_and_is_idempotent(engine: Engine) -> None:
    """Redeeming twice changes nothing the second time; the redemption keeps the terms it had."""
    promotional(engine)
    (client,) = add_clients(engine, 1)
    reserved_by, agreed_by = add_inbound(engine, 2)
    order = add_order(engine, client, reserved_by)
    _reserve(engine, client, reserved_by, order=order)
    for _ in range(2):
        with UnitOfWork(engine) as uow:
            (done,) = redeem(uow, order_id=order, inbound_id=agreed_by, now=NOW + timedelta(1))
            uow.commit()
    assert (done.status, done.redeemed_inbound_id) == ("redeemed", agreed_by)
    assert done.redeemed_at == NOW + timedelta(1)
    assert done.terms == TERMS
    assert _campaign(engine).used == 1


def test_expired_holds_are_released(engine: Engine) -> None:
    """A reservation past its hold goes back to the limits; a redeemed one stays."""
    promotional(engine, limit=10)
    first, second = add_clients(engine, 2)
    inbound = add_inbound(engine, 3)
    kept = add_order(engine, first, inbound[0], "ORD-1")
    lapsed = add_order(engine, second, inbound[1], "ORD-2")
    _reserve(engine, first, inbound[0], order=kept)
    _reserve(engine, second, inbound[1], order=lapsed)
    with UnitOfWork(engine) as uow:
        redeem(uow, order_id=kept, inbound_id=inbound[2], now=NOW)
        assert release_expired(uow, now=HOLD) == 0  # not yet: the hold runs until HOLD
        assert release_expired(uow, now=HOLD + timedelta(seconds=1)) == 1
        uow.commit()
        statuses = [r.status for o in (kept, lapsed) for r in uow.vouchers.of_order(o)]
    assert statuses == ["redeemed", "released"]
    assert _campaign(engine).used == 1


def test_look_up_reads_codes_and_leaves_ordinary_words(engine: Engine) -> None:
    """Known codes are found however typed; a one-slip serial code is corrected; a serial-shaped
    token of a campaign looks mistyped; SKUs and words are not codes at all."""
    promotional(engine, per_client=1)
    (client,) = add_clients(engine, 1)
    free, *_ = _serial(engine)
    slipped = free[:4] + free[5] + free[4] + free[6:]
    body = "SPRAAAABBBB"
    mistyped = body + ("0" if check_character(body) != "0" else "1")
    tokens = ["Hello", "winter-25", "SAF-2234", display(slipped).lower(), mistyped, "order"]
    with UnitOfWork(engine) as uow:
        found = look_up(uow, tokens, client)
    assert [(f.typed, f.code, f.corrected, f.refusal) for f in found] == [
        ("winter-25", "WINTER25", False, None),
        (display(slipped).lower(), free, True, None),
        (mistyped, None, False, Refusal.LOOKS_MISTYPED),
    ]
    assert (found[0].terms, found[1].shown) == (TERMS, display(free))
    (inbound,) = add_inbound(engine, 1)
    _reserve(engine, client, inbound)
    with UnitOfWork(engine) as uow:
        (again,) = look_up(uow, ["WINTER25"], client)
    assert again.refusal is Refusal.COMPANY_LIMIT


def test_the_look_up_reads_the_client_history_in_the_same_statement(engine: Engine) -> None:
    """Looked up with a currency, the codes come with the exact net totals of the client's
    earlier agreed orders in it: not its quoted, cancelled or other-currency orders, nor
    another client's; without a code found there is no history to judge."""
    promotional(engine)
    client, other = add_clients(engine, 2)
    inbound = add_inbound(engine, 6)
    earlier = [(client, "agreed", "EUR", "100.10"), (client, "closed", "EUR", "250.25"),
               (client, "cancelled", "EUR", "999.00"), (client, "quoted", "EUR", "5.00"),
               (client, "agreed", "USD", "70.00"), (other, "agreed", "EUR", "40.00")]  # fmt: skip
    with UnitOfWork(engine) as uow:
        for n, (owner, status, currency, total) in enumerate(earlier):
            uow.orders.add(Order(number=f"ORD-{n}", client_id=owner, status=status,
                                 currency=currency, total=Decimal(total),
                                 inbound_message_id=inbound[n], created_at=NOW))  # fmt: skip
        uow.commit()
    with UnitOfWork(engine) as uow:
        found = uow.vouchers.codes_for(["WINTER25", "HELLO"], client, history_in="EUR")
        nothing = uow.vouchers.codes_for(["HELLO"], client, history_in="EUR")
        none_yet = uow.vouchers.codes_for(["WINTER25"], other, history_in="USD")
    assert list(found.codes) == ["WINTER25"]
    assert sorted(found.past_totals or ()) == [Decimal("100.10"), Decimal("250.25")]
    assert [str(total) for total in sorted(found.past_totals or ())] == ["100.10", "250.25"]
    assert (nothing.codes, nothing.past_totals) == ({}, None)
    assert none_yet.past_totals == ()


def test_refusals_on_reserving_name_their_reason_and_give_the_use_back(engine: Engine) -> None:
    """An unknown code and a closed campaign's code are refused with their reason; a use the
    per-client limit refuses after counting it is given back, budget included."""
    promotional(engine, per_client=1, budget=Money(Decimal("100.00"), "EUR"))
    promotional(engine, "AUTUMN", name="Autumn")
    (client,) = add_clients(engine, 1)
    inbound = add_inbound(engine, 4)
    with UnitOfWork(engine) as uow:
        closed = uow.vouchers.campaign("Autumn")
        assert closed is not None
        closed.active = False
        uow.commit()
    assert _reserve(engine, client, inbound[0], "NOSUCH").refusal is Refusal.UNKNOWN
    assert _reserve(engine, client, inbound[1], "AUTUMN").refusal is Refusal.CLOSED
    assert _reserve(engine, client, inbound[2]).status == "reserved"
    assert _reserve(engine, client, inbound[3]).refusal is Refusal.COMPANY_LIMIT
    winter = _campaign(engine)
    assert (winter.used, winter.discount_used) == (1, Decimal("10.00"))
    assert _campaign(engine, "Autumn").used == 0


def test_a_reservation_records_its_event_with_the_same_payload_on_both_databases(
    engine: Engine,
) -> None:
    """The event of a new reservation (on PostgreSQL written by the reservation's own
    statement, on SQLite by the service) carries the same payload, keys in the same order: by
    mail, and for a retail customer over a channel; a reservation given back again records
    nothing, nor does a refusal."""
    promotional(engine, limit=5)
    promotional(engine, "AUTUMN", name="Autumn")
    (client,) = add_clients(engine, 1)
    (first,) = add_inbound(engine, 1)
    order = add_order(engine, client, first)
    two_and_a_half = Money(Decimal("2.5"), "EUR")
    with UnitOfWork(engine) as uow:
        done = reserve(uow, order_id=order, client_id=client, inbound_id=first, now=NOW,
                       codes_with_discounts=[("WINTER25", TEN), ("AUTUMN", two_and_a_half),
                                             ("NOSUCH", TEN)], hold_until=HOLD)  # fmt: skip
        uow.commit()
    with UnitOfWork(engine) as uow:  # again for the same message: the same reservations
        reserve(uow, order_id=order, client_id=client, inbound_id=first, now=NOW,
                codes_with_discounts=[("WINTER25", TEN)], hold_until=HOLD)  # fmt: skip
        uow.commit()
    with UnitOfWork(engine) as uow:
        (retail,) = reserve(uow, order_id=None, client_id=None, inbound_id=None, now=NOW,
                            codes_with_discounts=[("WINTER25", TEN)], hold_until=HOLD,
                            holder=Holder(None, "card-7", order_ref="POS-1"))  # fmt: skip
        uow.commit()
    winter, autumn = _campaign(engine).id, _campaign(engine, "Autumn").id
    with UnitOfWork(engine) as uow:
        events = uow.events.listed(kind="voucher.code_reserved")
    assert sorted(
        (e.aggregate_type, e.aggregate_id, e.version, e.occurred_at) for e in events
    ) == sorted(
        ("voucher_campaign", str(campaign), 1, NOW) for campaign in (autumn, winter, winter)
    )
    payloads = sorted((e.payload for e in events), key=lambda p: (p["client"] is None, p["code"]))
    assert [list(p.items()) for p in payloads] == [
        [("code", "AUTUMN"), ("redemption", done[1].redemption_id), ("client", client),
         ("order_id", order), ("campaign", autumn),
         ("discount", {"amount": "2.5", "currency": "EUR"})],
        [("code", "WINTER25"), ("redemption", done[0].redemption_id), ("client", client),
         ("order_id", order), ("campaign", winter),
         ("discount", {"amount": "10.00", "currency": "EUR"})],
        [("code", "WINTER25"), ("redemption", retail.redemption_id), ("client", None),
         ("order_id", None), ("campaign", winter),
         ("discount", {"amount": "10.00", "currency": "EUR"}), ("customer_ref", "card-7"),
         ("order_ref", "POS-1")],
    ]  # fmt: skip
    assert len({e.message_id for e in events}) == 3
    assert all(str(uuid.UUID(e.message_id)) == e.message_id for e in events)


def test_a_screen_answers_look_ups_of_words_it_found_to_be_no_code(engine: Engine) -> None:
    """After a batch's words are screened (one statement), a look-up asking only words screened
    and found to be no code sends nothing; one asking a stored code, or a word not screened,
    runs as before. The screen outlives a commit (the batch's parts), is forgotten when the
    session stores codes, which may be among its words, and is not another session's."""
    promotional(engine)
    with UnitOfWork(engine) as uow:
        campaign = uow.vouchers.campaign("Winter")
        assert campaign is not None
    client = add_clients(engine, 1)[0]
    sent: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda *args: None if args[2].startswith("BEGIN") else sent.append(args[2]),
    )
    with UnitOfWork(engine) as uow:
        uow.vouchers.screen(["HELLO", "ORDER", "WINTER25"])
        assert len(sent) == 1
        nothing = uow.vouchers.codes_for(["HELLO", "ORDER"], client, history_in="EUR")
        assert (nothing.codes, nothing.past_totals, len(sent)) == ({}, None, 1)
        found = uow.vouchers.codes_for(["HELLO", "WINTER25"], client, history_in="EUR")
        assert (list(found.codes), found.past_totals, len(sent)) == (["WINTER25"], (), 2)
        assert uow.vouchers.codes_for(["ORDER", "THANKS"], client).codes == {}
        assert len(sent) == 3  # THANKS was not screened
        uow.commit()
        assert uow.vouchers.codes_for(["ORDER"], client).codes == {}
        assert len(sent) == 3
        uow.vouchers.add_codes([{"campaign_id": campaign.id, "code": "HELLO", "display": "HELLO",
                                 "client_id": None, "created_at": NOW}])  # fmt: skip
        assert list(uow.vouchers.codes_for(["HELLO", "ORDER"], client).codes) == ["HELLO"]
        uow.commit()
    with UnitOfWork(engine) as uow:
        uow.vouchers.screen(["ORDER"])
    with UnitOfWork(engine) as uow:
        asked = len(sent)
        assert uow.vouchers.codes_for(["ORDER"], client).codes == {}
        assert len(sent) == asked + 1


def test_the_look_up_reads_the_prefixes_once_per_transaction(engine: Engine) -> None:
    """A transaction (the processor's batch) reads the campaigns' prefixes once, and again
    after it adds a campaign; the next transaction reads them anew."""
    _serial(engine, count=1)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with UnitOfWork(engine) as uow:
        assert uow.vouchers.known_prefixes() == {"SPR"}
        read = len(sent)
        assert uow.vouchers.known_prefixes() == {"SPR"}
        assert len(sent) == read  # not asked again
        uow.vouchers.add_campaign(VoucherCampaign(name="Autumn", kind="serial", terms=TERMS,
                                                  prefix="ATM", created_at=NOW))  # fmt: skip
        assert uow.vouchers.known_prefixes() == {"SPR", "ATM"}
        uow.commit()
        create_campaign(lambda: UnitOfWork(engine), name="Summer", kind="serial", terms=TERMS,
                        limits=Limits(), now=NOW, prefix="smr")  # fmt: skip
        assert uow.vouchers.known_prefixes() == {"SPR", "ATM", "SMR"}  # a new transaction
