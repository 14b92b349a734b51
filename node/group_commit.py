"""Leader/follower group commit: concurrent callers in one process share one database transaction.

Each caller submits one item and blocks. Whoever wins the writer lock takes every item pending at that
moment and writes them together (one transaction, one commit, one audit-head lock); the callers whose
items it took find their outcome ready when they get the lock. A batch is as large as the concurrency
that built up while the previous one was committing, so a lone caller pays no waiting.

``write(items)`` returns one outcome per item, in order: a value, or an exception that only that
caller should raise (a per-item denial). An exception raised by ``write`` itself (the transaction
failed, nothing was written) goes to every caller of the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Slot(Generic[T, R]):
    item: T
    outcome: R | BaseException | None = None
    done: bool = False


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Callable[[list[T]], Sequence[R | BaseException]]) -> None:
        self._write = write
        self._pending_lock = threading.Lock()
        self._writer = threading.Lock()
        self._pending: list[_Slot[T, R]] = []
        self.batches = 0  # transactions written
        self.largest_batch = 0  # most items one transaction carried

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._pending_lock:
            self._pending.append(slot)
        with self._writer:
            if not slot.done:  # nobody took it yet: lead a batch with everything pending
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._run(batch)
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome  # type: ignore[return-value]  # set by _run: R here

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        try:
            outcomes = self._write([s.item for s in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"group commit wrote {len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of the batch
            outcomes = [exc] * len(batch)
        for s, outcome in zip(batch, outcomes, strict=True):
            s.outcome, s.done = outcome, True
