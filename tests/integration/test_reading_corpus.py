"""The reading corpus through the real pipeline on SQLite: orders read the way clerks write them."""

from __future__ import annotations

import pytest

from mailbot.bootstrap import App
from tests.reading_corpus import catalogue, corpus
from tests.reading_desk import read_mail, set_up_desk
from tests.reading_score import GOAL, score

MAILS = 60
SEED = 10


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_corpus_is_priced_right_without_a_wrong_or_vanished_line(app: App) -> None:
    """At least 95 % of lines are priced right, none wrong, none vanishes, every ask is asked."""
    set_up_desk(app, catalogue(SEED))
    mails = corpus(MAILS, seed=SEED)
    result = score(mails, [read_mail(app, mail.raw)[0] for mail in mails])
    report = f"{result.summary()}\n{result.failures()}"
    # Plain numbers in the asserts: pytest would otherwise print the whole score's repr too.
    wrong, silent, unasked = result.wrong, result.silent, result.asks - result.asked
    assert wrong == 0, report
    assert silent == 0, report
    assert unasked == 0, report
    assert result.automation >= GOAL, report
