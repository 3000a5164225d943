"""A till and an email order racing for the last uses of a code never both get one: on
PostgreSQL, 8 processes make 400 attempts at a code limited to 50 uses, one a client, half over
the HTTP API (real uvicorn over loopback, in this process) and half as mailed orders through
the pipeline (each process its own mailbot); every client tries once each way, at about the
same time in two processes. Exactly 50 uses are held, no client holds two."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from threading import Barrier as BarrierType

import httpx2
import pytest
from sqlalchemy import select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, load_config
from mailbot.demo import seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.domain.vouchers.redemptions import HOLDING
from mailbot.http.server import HttpServer
from mailbot.services.api_keys import issue_key
from mailbot.storage.models import VoucherRedemption
from tests.conftest import START
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import ingest
from tests.vouchers import add_clients, promotional

PROCESSES = 8
ATTEMPTS = 400
LIMIT = 50
ORDER = "Hello,\n\nBPW-0310 x 2\n\nSam"


def attempt(environ: dict[str, str], port: int, secret: str, work: list[tuple[str, str]],
            start: BarrierType) -> list[str]:  # fmt: skip
    """Try the code once per (address, channel) of `work`, once every process is ready: over
    HTTP ("api": the answer's status) or as a mailed order processed in this process ("mail":
    its outcome, counted from the database at the end)."""
    app = bootstrap(load_config(environ=environ), clock=FixedClock(START),
                    transport=RecordingTransport())  # fmt: skip
    headers = {"Authorization": f"Bearer {secret}"}
    seen = []
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=headers,
                           timeout=60) as http:  # fmt: skip
            http.get("/healthz")  # connected before the others start
            start.wait()
            for address, channel in work:
                if channel == "mail":
                    ingest(app, mail(sender=address, subject="Order WINTER25", body=ORDER))
                    seen.append("mail")
                    continue
                body = {"customer": address, "currency": "EUR", "codes": ["WINTER25"],
                        "lines": [{"sku": "BPW-0310", "quantity": 2}]}  # fmt: skip
                answer = http.post("/api/v1/vouchers/reservations", json=body)
                seen.append(answer.json()["codes"][0]["status"] if answer.is_success else
                            f"{answer.status_code} {answer.text[:200]}")  # fmt: skip
    finally:
        app.close()
    return seen


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """The API without a request budget in the way, on any free port."""
    return {
        **environ,
        "MAILBOT_HTTP__ENABLED": "true",
        "MAILBOT_HTTP__PORT": "0",
        "MAILBOT_HTTP__RATE_LIMIT_PER_MINUTE": str(10**6),
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_api_and_mail_orders_share_the_limits_of_a_code(
    app: App, config: Config, environ: dict[str, str]
) -> None:
    seed_demo(app)
    promotional(app.engine, limit=LIMIT, per_client=1)
    clients = add_clients(app.engine, ATTEMPTS // 2)
    _, secret = issue_key(app.uow, "till", ApiRole.parse("pos"), now=app.clock.now(), by=None)
    # Client n tries over the API in process n % 8 and by mail in the next one, at about the
    # same time; each process alternates the channels, so both race until the end.
    shares: list[list[tuple[str, str]]] = [[] for _ in range(PROCESSES)]
    for n in range(len(clients)):
        shares[n % PROCESSES].append((f"a@client{n}.example", "api"))
        shares[(n + 1) % PROCESSES].append((f"a@client{n}.example", "mail"))
    server = HttpServer(app)
    server.start()
    try:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(PROCESSES) as pool:
            start = manager.Barrier(PROCESSES)
            jobs = [(environ, server.port, secret, share, start) for share in shares]
            seen = Counter(s for part in pool.starmap(attempt, jobs) for s in part)
    finally:
        server.stop()
    assert set(seen) <= {"reserved", "refused", "mail"}, seen
    with app.uow() as uow:
        held = list(
            uow.session.execute(
                select(VoucherRedemption.client_id, VoucherRedemption.api_key_id).where(
                    VoucherRedemption.status.in_(list(HOLDING))
                )
            )
        )
        campaign = uow.vouchers.campaign("Winter")
    assert len(held) == LIMIT
    assert max(Counter(client for client, _ in held).values()) == 1
    by_api = sum(1 for _, key in held if key is not None)
    assert seen["reserved"] == by_api
    assert 0 < by_api < LIMIT  # both channels got some of the uses: they raced
    assert seen["mail"] == ATTEMPTS // 2
    assert campaign is not None
    assert campaign.used == LIMIT
