"""The held-out order mails, written by hand apart from the reader, through the real pipeline."""

from __future__ import annotations

import pytest

from mailbot.bootstrap import App
from tests.holdout_check import figures, judge_all
from tests.holdout_orders import CATALOGUE, blind_mails, probe_mails
from tests.reading_desk import set_up_desk


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_held_out_mails_are_read_without_a_wrong_vanished_or_needless_line(app: App) -> None:
    """Every held-out line is priced right or asked as a person would ask; no line is priced
    wrong, vanishes, or is asked about needlessly; unknown SKUs are reported; no signature,
    date or total is listed as a line. The probes keep no line wrong or vanished."""
    set_up_desk(app, CATALOGUE)
    blind, probes = blind_mails(), probe_mails()
    verdicts = judge_all(app, [*blind, *probes])
    unclean = "\n".join(v.describe() for v in verdicts[: len(blind)] if not v.clean)
    assert unclean == ""
    counts = figures(verdicts[len(blind) :])
    assert (counts["priced_wrong"], counts["silent_drops"]) == (0, 0)
