"""`mailbot` as a real process, as an operator or a service manager runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

START_TIMEOUT = 60.0


def mailbot_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any mailbot setting of its own, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    return {**env, "MAILBOT_CONFIG": "", **extra}


def run_mailbot(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = START_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run `mailbot ARGS...` to its end; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "mailbot", *args],
        env=mailbot_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Service:
    """A `mailbot run` process whose standard error is read line by line as it comes."""

    def __init__(self, *args: str, env: Mapping[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", *args],
            env=mailbot_env(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, text: str, timeout: float = START_TIMEOUT) -> str:
        """The first line of standard error holding `text`, once it is written."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if text in line), None)
                if found is not None:
                    return found
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"mailbot ended without {text!r}: {self.lines}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {text!r} within {timeout} s: {self.lines}")
                self._changed.wait(left)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then its exit code once it ended and its output was read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout)
        return code

    def output(self) -> list[str]:
        with self._changed:
            return list(self.lines)
