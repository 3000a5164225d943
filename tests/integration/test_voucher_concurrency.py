"""Limits under concurrency: 8 processes reserving one code never pass its limits."""

from __future__ import annotations

import multiprocessing
from collections import Counter

from sqlalchemy import Engine, select

from mailbot.domain.money import Money
from mailbot.services.vouchers.redemptions import reserve
from mailbot.storage.database import make_engine
from mailbot.storage.models import VoucherRedemption
from mailbot.storage.unit_of_work import UnitOfWork
from tests.vouchers import HOLD, NOW, add_clients, add_inbound, promotional

PROCESSES = 8
ATTEMPTS = 400
LIMIT = 50
TRIES = 3  # each client tries this many times in a row, so its tries go to different processes
CLIENTS = -(-ATTEMPTS // TRIES)


def attempt(url: str, work: list[tuple[int, int]]) -> list[str]:
    """Reserve the hot code once per (client, inbound message), each in its own transaction,
    on an engine of this process; the statuses."""
    engine = make_engine(url)
    statuses = []
    try:
        for client, inbound in work:
            with UnitOfWork(engine) as uow:
                (done,) = reserve(uow, order_id=None, client_id=client,
                                  codes_with_discounts=[("WINTER25", Money.zero("EUR"))],
                                  inbound_id=inbound, now=NOW, hold_until=HOLD)  # fmt: skip
                uow.commit()
            statuses.append(done.status)
    finally:
        engine.dispose()
    return statuses


def test_eight_processes_reserve_exactly_the_limit(engine: Engine, database_url: str) -> None:
    """400 attempts from 8 processes against a limit of 50 and one per client: exactly 50
    reservations, no client twice, and the campaign's counter agrees."""
    promotional(engine, limit=LIMIT, per_client=1)
    clients = add_clients(engine, CLIENTS)
    inbound = add_inbound(engine, ATTEMPTS)
    work = [(clients[n // TRIES], message) for n, message in enumerate(inbound)]
    shares = [(database_url, work[n::PROCESSES]) for n in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        statuses = [s for part in pool.starmap(attempt, shares) for s in part]
    assert Counter(statuses) == {"reserved": LIMIT, "refused": ATTEMPTS - LIMIT}
    with UnitOfWork(engine) as uow:
        holders = uow.session.scalars(select(VoucherRedemption.client_id)).all()
        campaign = uow.vouchers.campaign("Winter")
    assert len(holders) == LIMIT
    assert max(Counter(holders).values()) == 1
    assert campaign is not None
    assert campaign.used == LIMIT
