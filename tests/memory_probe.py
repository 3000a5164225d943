"""Peak memory of the pipeline for one message, measured in a process of its own.

    python -m tests.memory_probe MESSAGE.eml DATABASE_URL [--baseline]

Sets up the app on the (migrated) database with the demo data, then, unless `--baseline`,
reads the message, stores it and processes it, and sends the reply, as `mailbot ingest` and
`mailbot run` would. Prints a JSON object: the process's peak resident set (VmHWM, bytes) and,
unless `--baseline`, the outcome. A baseline run does everything but the message, so the
difference of the two peaks is what the message cost.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mailbot.bootstrap import bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from tests.fakes import RecordingTransport


def peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(argv: list[str]) -> None:
    message, url, *flags = argv
    transport = RecordingTransport()
    app = bootstrap(load_config(environ={"MAILBOT_STORAGE__URL": url}), transport=transport)
    seed_demo(app)
    result: dict[str, object] = {}
    if "--baseline" not in flags:
        stored = app.store(Path(message).read_bytes(), "file")
        app.processor.run_once()
        app.sender.run_once()
        with app.uow() as uow:
            inbound = uow.inbox.get(stored.id)
            assert inbound is not None
            result = {"status": inbound.status, "outcome": inbound.outcome}
        result["delivered"] = len(transport.delivered)
    app.close()
    print(json.dumps({"peak": peak_rss(), **result}))


if __name__ == "__main__":
    main(sys.argv[1:])
