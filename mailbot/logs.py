"""Where log lines go and which are shown: set up once per command by `mailbot.cli.main`.

mailbot's own loggers (`mailbot.*`) and the libraries' get separate thresholds, so that the
libraries' chatter (aiosmtpd's `mail.log`, flufl.bounce, APScheduler, imapclient, SQLAlchemy,
Alembic...) stays below WARNING unless asked for with -vv:

| verbosity | mailbot | libraries |
|---|---|---|
| default | WARNING (INFO for `run`) | WARNING |
| -v | INFO | WARNING |
| -vv | DEBUG | INFO |
| -vvv | DEBUG | DEBUG (SQLAlchemy's statements too) |

Lines go to standard error as text, or as JSON objects, one a line (`--log-json` or
`[logging] format = "json"`), with `time`, `level`, `logger` and `message`, and any fields a
line adds (`exc_info` for a traceback).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# SQLAlchemy decides per connection whether to log every statement by asking whether its
# logger is enabled for INFO, so it is held at WARNING unless every library line is wanted.
CHATTY = ("sqlalchemy",)


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the moment of each line (as `logging.lastResort`
    does), so that a command run with its output captured never leaves a closed stream behind."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _Thresholds(logging.Filter):
    """Lets mailbot's lines through from one level and the libraries' from another."""

    def __init__(self, own: int, libraries: int) -> None:
        super().__init__()
        self.own = own
        self.libraries = libraries

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "mailbot" or record.name.startswith("mailbot.")
        return record.levelno >= (self.own if own else self.libraries)


_handler: _Stderr | None = None


def levels(verbosity: int, *, service: bool = False) -> tuple[int, int]:
    """The thresholds (mailbot's, the libraries') for -v given `verbosity` times."""
    own = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    if service:
        own = min(own, logging.INFO)
    libraries = [logging.WARNING, logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 3)]
    return own, libraries


def setup_logging(verbosity: int, *, service: bool = False, json_lines: bool = False) -> None:
    """Send log lines to standard error with the thresholds of `verbosity` (see the module's
    table); `service` is `mailbot run`, which says what it does at INFO by default.

    Called again, it replaces what it set up before rather than adding a second handler.
    """
    global _handler
    own, libraries = levels(verbosity, service=service)
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(earlier)
    _handler = _Stderr()
    _handler.addFilter(_Thresholds(own, libraries))
    root.addHandler(_handler)
    root.setLevel(min(own, libraries))
    for name in CHATTY:
        logging.getLogger(name).setLevel(
            logging.DEBUG if libraries <= logging.DEBUG else logging.WARNING
        )
    use_json(json_lines)


def use_json(json_lines: bool = True) -> None:
    """Write JSON lines (or text lines) from now on; the configuration can ask for it once read."""
    if _handler is None:
        return
    if json_lines:
        _handler.setFormatter(
            JsonFormatter(
                "{levelname}{name}{message}",
                style="{",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
                json_ensure_ascii=False,
            )
        )
    else:
        _handler.setFormatter(logging.Formatter(TEXT_FORMAT))


def writes_json() -> bool:
    """Whether log lines are JSON, so that a notice for people goes out as a log line too."""
    return _handler is not None and isinstance(_handler.formatter, JsonFormatter)
