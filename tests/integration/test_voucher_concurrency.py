"""Limits under concurrency: 8 processes reserving one code never pass its limits, whichever
limit (the total, the budget) and the per-client one race for the last uses."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from decimal import Decimal
from threading import Barrier as BarrierType

from sqlalchemy import Engine, select

from mailbot.domain.money import Money
from mailbot.services.vouchers.reservations import reserve
from mailbot.storage.database import make_engine
from mailbot.storage.models import VoucherRedemption
from mailbot.storage.unit_of_work import UnitOfWork
from tests.vouchers import HOLD, NOW, add_clients, add_inbound, promotional

PROCESSES = 8
ATTEMPTS = 400
LIMIT = 50
TRIES = 3  # each client tries this many times in a row, so its tries go to different processes


def attempt(url: str, work: list[tuple[int, int]], discount: Decimal,
            start: BarrierType) -> list[str]:  # fmt: skip
    """Reserve the hot code with `discount` (EUR) once per (client, inbound message), each in
    its own transaction, on an engine of this process, once every process is ready; the
    statuses."""
    engine = make_engine(url)
    statuses = []
    try:
        with engine.connect():  # connected before the others start
            pass
        start.wait()
        for client, inbound in work:
            with UnitOfWork(engine) as uow:
                (done,) = reserve(uow, order_id=None, client_id=client,
                                  codes_with_discounts=[("WINTER25", Money(discount, "EUR"))],
                                  inbound_id=inbound, now=NOW, hold_until=HOLD)  # fmt: skip
                uow.commit()
            statuses.append(done.status)
    finally:
        engine.dispose()
    return statuses


def race(engine: Engine, database_url: str, discount: Decimal, tries: int = TRIES) -> list[str]:
    """400 attempts from 8 processes, each client trying `tries` times in a row, so that its
    tries go to different processes at about the same time; the statuses."""
    clients = add_clients(engine, -(-ATTEMPTS // tries))
    inbound = add_inbound(engine, ATTEMPTS)
    work = [(clients[n // tries], message) for n, message in enumerate(inbound)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Barrier(
            PROCESSES
        )  # else the first processes are done before the last start
        shares = [(database_url, work[n::PROCESSES], discount, start) for n in range(PROCESSES)]
        return [s for part in pool.starmap(attempt, shares) for s in part]


def holders(engine: Engine) -> list[int]:
    """The client of every reservation held."""
    with UnitOfWork(engine) as uow:
        return list(uow.session.scalars(select(VoucherRedemption.client_id)))


def test_eight_processes_reserve_exactly_the_limit(engine: Engine, database_url: str) -> None:
    """400 attempts from 8 processes against a limit of 50 and one per client: exactly 50
    reservations, no client twice, and the campaign's counter agrees."""
    promotional(engine, limit=LIMIT, per_client=1)
    statuses = race(engine, database_url, Decimal(0))
    assert Counter(statuses) == {"reserved": LIMIT, "refused": ATTEMPTS - LIMIT}
    held = holders(engine)
    assert len(held) == LIMIT
    assert max(Counter(held).values()) == 1
    with UnitOfWork(engine) as uow:
        campaign = uow.vouchers.campaign("Winter")
    assert campaign is not None
    assert campaign.used == LIMIT


def test_eight_processes_spend_exactly_the_budget(engine: Engine, database_url: str) -> None:
    """400 attempts of 10 EUR from 8 processes, each client's 8 tries at once, against a budget
    of 300 EUR and one per client: exactly 30 reservations, no client twice, and the budget
    spent to the cent."""
    uses = 30
    promotional(engine, per_client=1, budget=Money(Decimal(10 * uses), "EUR"))
    statuses = race(engine, database_url, Decimal(10), tries=PROCESSES)
    assert Counter(statuses) == {"reserved": uses, "refused": ATTEMPTS - uses}
    held = holders(engine)
    assert len(held) == uses
    assert max(Counter(held).values()) == 1
    with UnitOfWork(engine) as uow:
        campaign = uow.vouchers.campaign("Winter")
    assert campaign is not None
    assert (campaign.used, campaign.discount_used) == (uses, Decimal(10 * uses))
