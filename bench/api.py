"""HTTP API benchmark: `POST /api/v1/vouchers/validate` and `POST /api/v1/vouchers/reservations`
over real HTTP against a bare endpoint.

    .venv/bin/python bench/api.py [--requests N] [--clients 4] [--database postgresql|sqlite]

mailbot's API (`mailbot run`'s uvicorn server, on a scratch database with the demo data and a
shop's key) answers validate requests for a 6-line basket with the demo's SPRING10 code, from
`--clients` client processes at once, each on its own keep-alive connection. In the same run, on
the same database and the same kind of server (uvicorn, one worker, in a thread of this
process), a bare Starlette endpoint runs one guarded
`UPDATE bench_counter SET used = used + 1 WHERE id = 1 AND used < :limit RETURNING used`
per request, the floor. Rates are requests per second from the first client's start to the
last one's end; the ratio is mailbot's rate over the floor's (goal: validate at least 0.5).
Each run also prints the CPU time this process (the servers; only the one asked is busy)
spent per request: on 2 cores the servers' one GIL, not the database, sets mailbot's rate.

Reservations reserve the same basket's BENCH10 code (10 %, one use a customer, no total limit)
for a retail customer reference new at each request (`{"external": ...}`), so each one passes
the per-customer count and takes a use under the campaign's row lock, as a till's would
(goal: at least 1/3 of the floor).

Every validate answer must be 200 with SPRING10 applied, every reservation 201 with BENCH10
reserved; the campaign must end with exactly as many uses and held reservations as
reservations were made, and the floor's counter at the number of its requests; otherwise the
run fails: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.pool import Pool
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx2
import uvicorn
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_pipeline import environment, open_app, scratch_database

from mailbot.demo import seed_demo
from mailbot.domain.api_roles import ApiRole
from mailbot.http.server import HttpServer, listening_socket
from mailbot.services.api_keys import issue_key
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.storage.database import upgrade

ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BASKET = {
    "customer": "buying@fleetparts.example",
    "currency": "EUR",
    "lines": [
        {"sku": sku, "quantity": quantity}
        for sku, quantity in (
            ("BPW-0310", 2),
            ("SAF-2234", 4),
            ("MAN-81.43701", 1),
            ("KNORR-K012", 1),
            ("DAF-1643", 10),
            ("BPW-0310", 1),
        )
    ],
    "codes": ["SPRING10"],
}
RESERVE = {**BASKET, "codes": ["BENCH10"], "ttl": 3600}
BENCH_TERMS = {"benefit": {"kind": "percent", "value": "10"}, "exclusive": False,
               "restrictions": []}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Run:
    requests: int
    seconds: float
    problems: tuple[str, ...]
    cpu_seconds: float  # of this process, which runs the servers: only the one asked is busy

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The server's CPU time per request, in ms (its whole process, all its threads)."""
        return self.cpu_seconds / self.requests * 1000


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="mailbot-api-bench-") as name:
        folder = Path(name)
        with scratch_database(options.database, folder, ADMIN_URL) as url:
            environ = {
                **environment(url, folder),
                "MAILBOT_HTTP__ENABLED": "true",
                "MAILBOT_HTTP__PORT": "0",
                "MAILBOT_HTTP__RATE_LIMIT_PER_MINUTE": str(10**9),
            }
            app = open_app(environ)
            upgrade(app.engine)
            seed_demo(app)
            _, key = issue_key(
                app.uow, "bench", ApiRole.parse("shop"), now=app.clock.now(), by=None
            )
            create_campaign(app.uow, name="Bench", kind="promotional", terms=BENCH_TERMS,
                            limits=Limits(None, 1, None), now=app.clock.now(),
                            code="BENCH10")  # fmt: skip
            _prepare_floor(app.engine)
            server = HttpServer(app)
            server.start()
            floor_server, floor_port = _serve_floor(app.engine)
            context = multiprocessing.get_context("spawn")
            start = context.Barrier(options.clients)
            try:
                each = options.requests // options.clients
                total = each * options.clients
                headers = {"Authorization": f"Bearer {key}"}
                with context.Pool(options.clients, _wait_at, (start,)) as pool:
                    floors = [_drive(pool, floor_port, "/bare", {}, {}, options.clients, each)]
                    api = _drive(pool, server.port, "/api/v1/vouchers/validate", BASKET, headers,
                                 options.clients, each)  # fmt: skip
                    floors.append(_drive(pool, floor_port, "/bare", {}, {}, options.clients, each))
                    reserve = _drive(pool, server.port, "/api/v1/vouchers/reservations", RESERVE,
                                     headers, options.clients, each)  # fmt: skip
                    floors.append(_drive(pool, floor_port, "/bare", {}, {}, options.clients, each))
                with app.engine.connect() as connection:
                    used = connection.execute(text("SELECT used FROM bench_counter")).scalar()
                    uses, held = connection.execute(
                        text("SELECT used, (SELECT count(*) FROM voucher_redemptions "
                             "WHERE status = 'reserved' AND campaign_id = c.id) "
                             "FROM voucher_campaigns AS c WHERE name = 'Bench'")
                    ).one()  # fmt: skip
            finally:
                server.stop()
                floor_server.should_exit = True
                app.close()
    problems = [*api.problems, *reserve.problems, *(p for floor in floors for p in floor.problems)]
    expected = len(floors) * (total + options.clients)  # each client's warm-up request too
    if used != expected:
        problems.append(f"the floor's counter is at {used}, not {expected}")
    reserved = total + options.clients
    if (uses, held) != (reserved, reserved):
        problems.append(f"BENCH10 has {uses} uses and {held} reservations, not {reserved}")
    if problems:
        print(f"FAILED: {problems[0]} ({len(problems)} problems)", file=sys.stderr)
        return 1
    floor = max(floors, key=lambda run: run.rate)
    print(
        f"mailbot HTTP API benchmark: {options.database}, {options.clients} clients, "
        f"{total} requests each run"
    )
    print(f"  bare endpoint, guarded UPDATE (floor)  {floor.rate:8.1f} req/s"
          f"   server CPU {floor.cpu_ms:.2f} ms a request")  # fmt: skip
    print(
        f"  POST /api/v1/vouchers/validate         {api.rate:8.1f} req/s"
        f"   ratio {api.rate / floor.rate:.2f} (goal 0.5)   server CPU {api.cpu_ms:.2f} ms"
    )
    print(
        f"  POST /api/v1/vouchers/reservations     {reserve.rate:8.1f} req/s"
        f"   ratio {reserve.rate / floor.rate:.2f} (goal 0.33)   server CPU {reserve.cpu_ms:.2f} ms"
    )
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")
    return 0


def _prepare_floor(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, "
                "used INTEGER NOT NULL, max_used INTEGER NOT NULL)"
            )
        )
        connection.execute(text("INSERT INTO bench_counter VALUES (1, 0, 1000000000)"))


def _serve_floor(engine: Engine) -> tuple[uvicorn.Server, int]:
    guarded = text(
        "UPDATE bench_counter SET used = used + 1 WHERE id = 1 AND used < max_used RETURNING used"
    )

    def bare(_request: Request) -> JSONResponse:
        with engine.begin() as connection:
            used = connection.execute(guarded).scalar()
        return JSONResponse({"used": used})

    floor = Starlette(routes=[Route("/bare", bare, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(
            floor, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
        )
    )
    bound = listening_socket("127.0.0.1", 0)  # as mailbot's: TCP_NODELAY on its connections
    thread = threading.Thread(target=server.run, kwargs={"sockets": [bound]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.01)
    if not server.started:  # clients would find the port closed: fail here, saying why
        raise RuntimeError("the floor's server did not start within 60 s")
    return server, bound.getsockname()[1]


_start: Barrier | None = None


def _wait_at(start: Barrier) -> None:
    """A client process's start: the barrier at which the clients of each run start together."""
    global _start
    _start = start


def _drive(pool: Pool, port: int, path: str, body: dict[str, object], headers: dict[str, str],
           clients: int, each: int) -> Run:  # fmt: skip
    """The pool's `clients` processes sending `each` POSTs of `body` to `path` at once; the span
    and problems. The clients are spawned once for all runs (each spawn imports this module and
    so mailbot, seconds a process), and each run's clients wait for each other at the barrier,
    which also gives every process exactly one of a run's tasks."""
    cpu = time.process_time()
    results = pool.starmap(_client, [(port, path, body, headers, each)] * clients)
    cpu = time.process_time() - cpu
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    problems = tuple(p for r in results for p in r[2])
    return Run(clients * each, end - start, problems, cpu)


def _client(
    port: int, path: str, body: dict[str, object], headers: dict[str, str], count: int
) -> tuple[float, float, list[str]]:
    problems: list[str] = []
    reserving = path.endswith("/reservations")
    bodies = (
        {**body, "customer": {"external": f"card-{os.getpid()}-{n}"}} if reserving else body
        for n in range(count + 1)
    )
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:
        _check(path, http.post(path, json=next(bodies)), problems)  # warm before the clock
        assert _start is not None, "a client runs in the pool, whose processes have the barrier"
        _start.wait()
        start = time.perf_counter()
        for request in bodies:
            _check(path, http.post(path, json=request), problems)
        end = time.perf_counter()
    return start, end, problems


def _check(path: str, answer: httpx2.Response, problems: list[str]) -> None:
    """Note what is wrong with an answer: its status, or a code not applied or reserved."""
    wanted = 201 if path.endswith("/reservations") else 200
    if answer.status_code != wanted:
        problems.append(f"{path}: {answer.status_code} {answer.text[:200]}")
    elif path != "/bare":
        codes = [c["status"] for c in answer.json()["codes"]]
        if codes != ["reserved" if wanted == 201 else "applied"]:
            problems.append(f"{path}: codes {answer.json()['codes']}")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mailbot's HTTP API against a bare endpoint")
    parser.add_argument("--requests", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
