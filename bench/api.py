"""HTTP API benchmark: `POST /api/v1/vouchers/validate` over real HTTP against a bare endpoint.

    .venv/bin/python bench/api.py [--requests N] [--clients 4] [--database postgresql|sqlite]

mailbot's API (`mailbot run`'s uvicorn server, on a scratch database with the demo data and a
shop's key) answers validate requests for a 6-line basket with the demo's SPRING10 code, from
`--clients` client processes at once, each on its own keep-alive connection. In the same run, on
the same database and the same kind of server (uvicorn, one worker, in a thread of this
process), a bare Starlette endpoint runs one guarded
`UPDATE bench_counter SET used = used + 1 WHERE id = 1 AND used < :limit RETURNING used`
per request, the floor. Rates are requests per second from the first client's start to the
last one's end; the ratio is mailbot's rate over the floor's (goal: at least 0.5).
Reservations over HTTP are not built yet, so they are not measured.

Every validate answer must be 200 with SPRING10 applied, and the floor's counter must end at
the number of its requests; otherwise the run fails: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
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
from mailbot.http.server import HttpServer
from mailbot.services.api_keys import issue_key
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


@dataclass(frozen=True, slots=True)
class Run:
    requests: int
    seconds: float
    problems: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


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
            _prepare_floor(app.engine)
            server = HttpServer(app)
            server.start()
            floor_server, floor_port = _serve_floor(app.engine)
            try:
                each = options.requests // options.clients
                total = each * options.clients
                floors = [_drive(floor_port, "/bare", {}, {}, options.clients, each)]
                headers = {"Authorization": f"Bearer {key}"}
                api = _drive(
                    server.port, "/api/v1/vouchers/validate", BASKET, headers, options.clients, each
                )
                floors.append(_drive(floor_port, "/bare", {}, {}, options.clients, each))
                with app.engine.connect() as connection:
                    used = connection.execute(text("SELECT used FROM bench_counter")).scalar()
            finally:
                server.stop()
                floor_server.should_exit = True
                app.close()
    problems = [*api.problems, *(p for floor in floors for p in floor.problems)]
    expected = 2 * (total + options.clients)  # two runs, each client's warm-up request too
    if used != expected:
        problems.append(f"the floor's counter is at {used}, not {expected}")
    if problems:
        print(f"FAILED: {problems[0]} ({len(problems)} problems)", file=sys.stderr)
        return 1
    floor = max(floors, key=lambda run: run.rate)
    print(
        f"mailbot HTTP API benchmark: {options.database}, {options.clients} clients, "
        f"{total} requests each run"
    )
    print(f"  bare endpoint, guarded UPDATE (floor)  {floor.rate:8.1f} req/s")
    print(
        f"  POST /api/v1/vouchers/validate         {api.rate:8.1f} req/s"
        f"   ratio {api.rate / floor.rate:.2f} (goal 0.5)"
    )
    print("  reservations over HTTP: not built yet, not measured")
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
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [bound]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        thread.join(0.01)
    return server, bound.getsockname()[1]


def _drive(
    port: int, path: str, body: dict[str, object], headers: dict[str, str], clients: int, each: int
) -> Run:
    """`clients` processes sending `each` POSTs of `body` to `path`; the span and problems."""
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        results = pool.starmap(_client, [(port, path, body, headers, each)] * clients)
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    problems = tuple(p for r in results for p in r[2])
    return Run(clients * each, end - start, problems)


def _client(
    port: int, path: str, body: dict[str, object], headers: dict[str, str], count: int
) -> tuple[float, float, list[str]]:
    problems: list[str] = []
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:
        http.post(path, json=body)  # connected and warm before the clock starts
        start = time.perf_counter()
        for _ in range(count):
            answer = http.post(path, json=body)
            if answer.status_code != 200:
                problems.append(f"{path}: {answer.status_code} {answer.text[:200]}")
            elif path != "/bare":
                codes = answer.json()["codes"]
                if [c["status"] for c in codes] != ["applied"]:
                    problems.append(f"SPRING10 not applied: {codes}")
        end = time.perf_counter()
    return start, end, problems


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mailbot's HTTP API against a bare endpoint")
    parser.add_argument("--requests", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
