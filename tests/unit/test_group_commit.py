"""Group commit: stores that arrive during a commit are committed together, failures stay apart."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailbot.ingress.group_commit import GroupCommit
from mailbot.services.inbox.storing import Stored
from tests.servers import wait_for

WAIT = 10.0


class StoreUnavailableError(Exception):
    """What the fake raises where the database would fail."""


class Batches:
    """Records each batch; the first blocks until released; batches with b"bad" fail."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: list[list[bytes]] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, raws: Sequence[bytes]) -> list[Stored]:
        with self.lock:
            self.batches.append(list(raws))
            first = len(self.batches) == 1
        if first:
            self.entered.set()
            assert self.release.wait(WAIT), "the test never released the first commit"
        if b"bad" in raws:
            raise StoreUnavailableError("refused")
        return [Stored(int(raw.split(b"-")[-1]), duplicate=False) for raw in raws]


def test_messages_waiting_during_a_commit_are_committed_together() -> None:
    """While one commit runs, the messages that arrive wait and then share the next commit."""
    store = Batches()
    commit = GroupCommit(store)
    with ThreadPoolExecutor(max_workers=3) as threads:
        first = threads.submit(commit, b"m-1")
        assert store.entered.wait(WAIT)
        others = [threads.submit(commit, raw) for raw in (b"m-2", b"m-3")]
        wait_for(lambda: commit.waiting == 2, WAIT, "two stores waiting")
        store.release.set()

        assert first.result(WAIT) == Stored(1, duplicate=False)
        assert [f.result(WAIT).id for f in others] == [2, 3]
    assert store.batches[0] == [b"m-1"]
    assert sorted(store.batches[1]) == [b"m-2", b"m-3"]
    assert len(store.batches) == 2


def test_a_failing_group_is_stored_one_by_one() -> None:
    """When a group fails, each of its messages is stored alone: only the bad one fails."""
    store = Batches()
    commit = GroupCommit(store)
    with ThreadPoolExecutor(max_workers=3) as threads:
        first = threads.submit(commit, b"m-1")
        assert store.entered.wait(WAIT)
        good = threads.submit(commit, b"m-2")
        bad = threads.submit(commit, b"bad")
        wait_for(lambda: commit.waiting == 2, WAIT, "two stores waiting")
        store.release.set()

        assert first.result(WAIT).id == 1
        assert good.result(WAIT).id == 2
        with pytest.raises(StoreUnavailableError):
            bad.result(WAIT)
    # The group of two, then each of them alone.
    assert sorted(map(sorted, store.batches[1:])) == [[b"bad"], [b"bad", b"m-2"], [b"m-2"]]


def test_a_lone_message_is_committed_at_once_and_its_error_raised() -> None:
    """With nothing else waiting a message is its own group, and its failure is its caller's."""
    store = Batches()
    store.release.set()
    commit = GroupCommit(store)

    assert commit(b"m-7") == Stored(7, duplicate=False)
    with pytest.raises(StoreUnavailableError):
        commit(b"bad")
    assert store.batches == [[b"m-7"], [b"bad"]]
    assert commit.waiting == 0
