"""mailbot's SMTP listener in a process of its own, reporting its resident memory.

    python -m tests.listener_probe DATABASE_URL [KEY=VALUE ...]

Builds the listener as `mailbot run` does (`App.smtp_ingress` storing through the group
commit) on the (migrated) database, with `MAILBOT_SMTP_INGRESS__KEY=VALUE` for each KEY=VALUE
(port 0: a free one). Prints one JSON line once it listens, and one for each line it reads
on standard input, until standard input closes; then it stops the listener and exits.
Each line holds `port`, `rss` (VmRSS, bytes), `peak` (VmHWM, bytes: reset once the listener
is up, so it is the peak since then) and `in_flight` (the listener's bytes in flight).

`Probe` starts it and asks; `send_large` is a client that streams a large message to it
(smtplib would need the whole message in memory, several of them at once in one test).
"""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
from pathlib import Path

from mailbot.bootstrap import bootstrap
from mailbot.config import load_config
from mailbot.ingress.group_commit import GroupCommit
from mailbot.ingress.smtp import SmtpIngress

ROOT = Path(__file__).resolve().parents[1]


def memory() -> dict[str, int]:
    """This process's resident set and its peak, in bytes (Linux)."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found["rss" if name == "VmRSS" else "peak"] = int(value.split()[0]) * 1024
    return found


def report(ingress: SmtpIngress) -> None:
    print(json.dumps({"port": ingress.port, "in_flight": ingress.bytes_in_flight, **memory()}))
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    url, *settings = argv
    environ = {"MAILBOT_STORAGE__URL": url, "MAILBOT_SMTP_INGRESS__PORT": "0"}
    for setting in settings:
        key, _, value = setting.partition("=")
        environ[f"MAILBOT_SMTP_INGRESS__{key.upper()}"] = value
    app = bootstrap(load_config(environ=environ))
    ingress = app.smtp_ingress(GroupCommit(lambda raws: app.store_many(raws, "smtp")))
    ingress.start()
    # 5 resets VmHWM to the present size (Linux 4.0 and later): the peak is the listener's.
    Path("/proc/self/clear_refs").write_text("5")
    report(ingress)
    for _ in sys.stdin:
        report(ingress)
    ingress.stop()
    app.close()


if __name__ == "__main__":
    main(sys.argv[1:])


class Probe:
    """The probe process, started on `url` with `settings`; `ask()` reads its memory."""

    def __init__(self, url: str, *settings: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.listener_probe", url, *settings],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a warning for each refusal
            text=True,
        )
        self.first = self.ask(wake=False)
        self.port = int(self.first["port"])

    def ask(self, *, wake: bool = True) -> dict[str, int]:
        """The listener's port, memory and bytes in flight now."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        if wake:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the listener probe ended (exit code {self.process.wait()})")
        answer: dict[str, int] = json.loads(line)
        return answer

    def stop(self, timeout: float = 60) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


LINE = b"x" * 76 + b"\r\n"
CHUNK = LINE * 840  # about 64 KB


def big_message_head(number: int) -> bytes:
    return (
        b"From: Fleet Parts <buying@fleetparts.example>\r\n"
        b"To: orders@distributor.example\r\n"
        b"Subject: a large message\r\n"
        b"Message-ID: <large-%d@fleetparts.example>\r\n"
        b"\r\n" % number
    )


def big_message_size(number: int, size: int) -> int:
    """The size of `send_large(number, size)`'s message: its head plus whole lines."""
    head = len(big_message_head(number))
    return head + (size - head) // len(LINE) * len(LINE)


def send_large(port: int, number: int, size: int, *, declare: bool, timeout: float = 120) -> int:
    """Send a message of about `size` bytes (Message-ID <large-NUMBER@fleetparts.example>),
    streaming its body, so that the client does not hold it; the reply code to DATA (or to
    the DATA command, or to MAIL FROM). `declare` announces its size with MAIL FROM SIZE=."""
    total = big_message_size(number, size)
    try:
        client = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=timeout)
    except smtplib.SMTPConnectError as refused:
        return refused.smtp_code
    with client:
        client.ehlo()
        options = [f"SIZE={total}"] if declare else []
        code, _ = client.mail("buying@fleetparts.example", options)
        if code != 250:
            return code
        code, _ = client.rcpt("orders@distributor.example")
        if code != 250:
            return code
        code, _ = client.docmd("DATA")
        if code != 354:
            return code
        assert client.sock is not None
        client.sock.sendall(big_message_head(number))
        left = total - len(big_message_head(number))
        while left > 0:
            piece = CHUNK[: min(left, len(CHUNK))]
            client.sock.sendall(piece)
            left -= len(piece)
        client.sock.sendall(b".\r\n")
        code, _ = client.getreply()
        return code
