"""The scheduler: an APScheduler job that ticks every `scheduler.tick_seconds` and makes one
call, `app.jobs.run_due(now)`. Everything it acts on lives in the database, so the ticker
keeps no state of its own and several instances may tick at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from mailbot.bootstrap import App
from mailbot.heartbeats import Pulse, Unwatched

log = logging.getLogger("mailbot.scheduler")


class Ticker:
    def __init__(self, app: App, pulse: Pulse | None = None) -> None:
        self.app = app
        self._scheduler = BackgroundScheduler(timezone=app.config.scheduler.timezone)
        self._pulse = pulse or Unwatched()

    def start(self) -> None:
        """Tick every `tick_seconds` from now on; a tick still running is never doubled."""
        seconds = self.app.config.scheduler.tick_seconds
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=seconds),
            id="mailbot-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=seconds,
        )
        self._scheduler.start()
        log.info("scheduler ticking every %s", timedelta(seconds=seconds))

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def stop(self) -> None:
        """Stop ticking; waits for a tick in progress to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def tick(self) -> None:
        try:
            report = self.app.jobs.run_due(self.app.clock.now())
        except Exception:
            log.exception("scheduler tick failed; trying again on the next one")
            self._pulse.beat("the last tick failed")
            return
        self._pulse.worked(f"ticking every {self.app.config.scheduler.tick_seconds} s")
        for line in report.lines():
            if line != "nothing due":
                log.info("%s", line)
