"""A Grid that waits for replies promptly.

Flower's grids poll the SuperLink for replies at a fixed pace (every 3 s over HTTP in deployment,
every 0.1 s in simulation), so a round that needs several exchanges (SecAgg+ needs four before
evaluation) mostly sleeps. This wrapper polls with a short interval that grows by a quarter per empty
poll (2 ms, 2.5 ms, ... up to 0.1 s: about twenty polls in the first half second of a slow exchange)
and leaves everything else to the grid it wraps. The time a pull took counts as waited: ``hnode``'s
SuperLink holds a pull that finds no reply until one is stored (``held_pulls``), and the next pull
then follows at once. (Doubling from 5 ms overslept replies that take a few
tens of milliseconds by as much again: 0.073 s per FedAvg round in simulation, against 0.039 s now.)
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from flwr.app import Message, RecordDict
from flwr.serverapp import Grid
from flwr.supercore.run import Run

FIRST_WAIT_S = 0.002
GROWTH = 1.25
LONGEST_WAIT_S = 0.1


class PromptGrid(Grid):
    def __init__(self, inner: Grid) -> None:
        self._inner = inner

    def set_run(self, run: Run) -> None:
        self._inner.set_run(run)

    @property
    def run(self) -> Run:
        return self._inner.run

    def create_message(
        self,
        content: RecordDict,
        message_type: str,
        dst_node_id: int,
        group_id: str,
        ttl: float | None = None,
    ) -> Message:
        return self._inner.create_message(content, message_type, dst_node_id, group_id, ttl)

    def get_node_ids(self) -> Iterable[int]:
        return self._inner.get_node_ids()

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        return self._inner.push_messages(messages)

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return self._inner.pull_messages(message_ids)

    def send_and_receive(
        self, messages: Iterable[Message], *, timeout: float | None = None
    ) -> Iterable[Message]:
        waiting = set(self.push_messages(messages))
        deadline = None if timeout is None else time.monotonic() + timeout
        replies: list[Message] = []
        wait = FIRST_WAIT_S
        while waiting:
            start = time.monotonic()
            got = list(self.pull_messages(waiting))
            replies.extend(got)
            waiting -= {m.metadata.reply_to_message_id for m in got}
            now = time.monotonic()
            if not waiting or (deadline is not None and now >= deadline):
                break
            pause = wait - (now - start)  # a pull the SuperLink held has waited already
            if deadline is not None:
                pause = min(pause, deadline - now)
            if pause > 0:
                time.sleep(pause)
            wait = min(wait * GROWTH, LONGEST_WAIT_S)
        return replies
