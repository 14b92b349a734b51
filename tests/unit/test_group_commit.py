"""Group commit: callers share writes, each gets its own outcome, a failed write fails its batch."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from node.group_commit import GroupCommit


class Denied(Exception):
    pass


def test_concurrent_callers_share_batches_and_get_their_own_outcomes() -> None:
    writes: list[list[int]] = []
    gate = threading.Event()

    def write(items: list[int]) -> list[int | BaseException]:
        gate.wait(5)  # the first batch holds the writer until the others have queued
        writes.append(items)
        return [Denied(f"odd {i}") if i % 2 else i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(write)

    def call(i: int) -> str:
        try:
            return str(group.submit(i))
        except Denied as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(call, i) for i in range(20)]
        threading.Timer(0.3, gate.set).start()
        results = [f.result(timeout=10) for f in futures]
    assert results == [f"odd {i}" if i % 2 else str(i * 10) for i in range(20)]
    assert sorted(i for batch in writes for i in batch) == list(range(20))  # each written exactly once
    assert len(writes) < 20 and group.largest_batch > 1 and group.batches == len(writes)


def test_a_failed_write_fails_every_caller_of_its_batch_only() -> None:
    calls = 0

    def write(items: list[str]) -> list[str | BaseException]:
        nonlocal calls
        calls += 1
        if "boom" in items:
            raise RuntimeError("transaction failed")
        return [s.upper() for s in items]

    group: GroupCommit[str, str] = GroupCommit(write)
    with pytest.raises(RuntimeError, match="transaction failed"):
        group.submit("boom")
    assert group.submit("fine") == "FINE"  # the next batch is not affected
    assert calls == 2


def test_a_writer_returning_the_wrong_number_of_outcomes_is_an_error() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        group.submit(1)
