"""The ingest benchmark's corpus: spread over many senders, none past the reply limit, with the
same mix of mail whatever the number of senders."""

from __future__ import annotations

import email
import sys
from collections import Counter
from email.policy import default
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from corpus import LANGUAGES, STOCK, Corpus, Sample, bench_clients, per_sender

COUNT = 300


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return Corpus(1, bench_clients(200)).messages(COUNT)


def test_clients_have_distinct_addresses_and_take_turns_by_language() -> None:
    clients = bench_clients(200)
    assert len({client.address for client in clients}) == 200
    assert [client.language for client in clients[:6]] == [*LANGUAGES, *LANGUAGES]
    assert Counter(client.language for client in clients) == {"en": 67, "ru": 67, "ro": 66}
    with pytest.raises(ValueError, match="one per language"):
        bench_clients(2)


def test_each_sender_of_a_language_writes_as_often_as_another(samples: list[Sample]) -> None:
    clients = bench_clients(200)
    language = {client.address: client.language for client in clients}
    counts = per_sender(samples)
    assert set(counts) <= set(language)
    for each in LANGUAGES:
        theirs = [counts.get(c.address, 0) for c in clients if c.language == each]
        assert max(theirs) - min(theirs) <= 1, each
    # 300 messages from 200 clients: no sender comes near the reply limit of 20 an hour.
    assert max(counts.values()) <= 3


def test_senders_write_in_their_own_language(samples: list[Sample]) -> None:
    language = {client.address: client.language for client in bench_clients(200)}
    subjects = {"en": "Order", "ru": "Заказ", "ro": "Comandă"}
    for sample in samples:
        subject = email.message_from_bytes(sample.raw, policy=default)["Subject"]
        assert subject.split()[0] == subjects[language[sample.sender]], sample.message_id


def test_the_mix_does_not_depend_on_the_number_of_senders(samples: list[Sample]) -> None:
    few = Corpus(1, bench_clients(3)).messages(COUNT)
    assert [(s.kind, s.lines, s.priced) for s in few] == [
        (s.kind, s.lines, s.priced) for s in samples
    ]
    assert {s.kind for s in samples} >= {
        "body-utf-8",
        "body-windows-1251",
        "body-koi8-r",
        "body-html-table",
        "csv-utf-8",
        "csv-utf-8-sig",
        "csv-windows-1251",
        "csv-koi8-r",
        "xlsx",
    }


def test_the_same_seed_gives_the_same_bytes(samples: list[Sample]) -> None:
    again = Corpus(1, bench_clients(200)).messages(20)
    assert [s.raw for s in again] == [s.raw for s in samples[:20]]


def test_priced_lines_are_the_known_skus_with_enough_stock() -> None:
    assert STOCK["WABCO-4324"] == 0  # the demo price list: this one is never priced
    (sample,) = Corpus(3, bench_clients(3)).messages(1)
    assert 0 <= sample.priced <= sample.lines
    totals = Corpus(2, bench_clients(9)).messages(60)
    priced, lines = sum(s.priced for s in totals), sum(s.lines for s in totals)
    assert 0.5 * lines < priced < lines  # unknown SKUs and short stock are rejected
