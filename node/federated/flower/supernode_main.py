"""Flower's own SuperNode with a shorter idle wait.

Flower 1.41's SuperNode sleeps 3 s whenever the SuperLink has no message for it, and 0.5 s between
checks for its ClientApp's reply. A round needs two exchanges (train, evaluate), five under SecAgg+,
and each hospital usually finds the next message not yet there: those sleeps, not training, set
the pace of a round. This entry point runs Flower's SuperNode unchanged except that those waits last
at most ``IDLE_POLL_S`` (the SuperLink then sees one small request per hospital every quarter
second while idle). ``flwr`` pins the module layout this relies on; the test of this module fails
if it changes.
"""

from __future__ import annotations

import sys
import time as _time
from typing import Any

import flwr.supernode.start_client_internal as supernode_loop

IDLE_POLL_S = 0.25


class _PromptClock:
    """``time`` as the SuperNode's loop sees it: the same, with waits capped at IDLE_POLL_S."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        _time.sleep(min(seconds, IDLE_POLL_S))


def prompt() -> None:
    if getattr(supernode_loop, "time", None) is not _time:
        raise RuntimeError("flwr's SuperNode loop no longer uses the time module as expected")
    setattr(supernode_loop, "time", _PromptClock())  # noqa: B010 - the module's own binding


def main() -> None:
    from node.federated.flower.pulls import prompt_pulls

    prompt()
    prompt_pulls()  # the SuperNode pulls a message's objects from the SuperLink the same way
    from flwr.supernode.cli.flower_supernode import flower_supernode

    sys.argv[0] = "flower-supernode"
    flower_supernode()


if __name__ == "__main__":
    main()
