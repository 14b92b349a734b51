"""Flower's own SuperNode with shorter waits.

Flower 1.41's SuperNode loop (``flwr.supernode.start_client_internal``) pulls a message from the
SuperLink, has a ClientApp task handle it, pushes the reply, and pulls again; it sleeps 3 s whenever
the SuperLink has no message for it, and 0.5 s between checks for its ClientApp's reply (and for a
reply's objects). A round needs two exchanges (train, evaluate), five under SecAgg+, so those sleeps,
not training, set the pace of a round. This entry point runs Flower's SuperNode unchanged except for
its waits:

- a check for the ClientApp's reply reads the SuperNode's own in-memory state, so it is repeated
  every ``LOCAL_POLL_S`` (a reply is forwarded within milliseconds, not a quarter second later);
- a pull that found nothing asks the SuperLink over the network (TLS, a signed request), so the
  wait after it starts at ``FIRST_IDLE_S`` after the SuperNode's last message (the next one of a
  round comes within a second) and doubles up to ``IDLE_POLL_S`` (one small request per hospital
  every quarter second while idle); the time the SuperLink held the pull counts as waited
  (``held_pulls``: ``hnode``'s SuperLink answers an empty pull when a message comes or after 2 s, so
  the next pull follows at once);
- after storing a message the SuperNode wakes its SuperExec (``superexec_main``) so the task is
  started at once instead of at the SuperExec's next poll.

``flwr`` pins the module layout this relies on; ``prompt`` refuses to run if it changed (its test
fails first).
"""

from __future__ import annotations

import os
import socket
import sys
import time as _time
from collections.abc import Callable
from typing import Any

import flwr.supernode.start_client_internal as supernode_loop

from node.federated.flower.superexec_main import WAKE_ENV

LOCAL_POLL_S = 0.005
FIRST_IDLE_S = 0.05
IDLE_POLL_S = 0.25
FLOWER_IDLE_S = 1.0  # Flower's waits from this long on are its idle pulls (3 s); shorter ones are local


class _PromptClock:
    """``time`` as the SuperNode's loop sees it: the same, with shorter waits."""

    def __init__(self) -> None:
        self.idle = FIRST_IDLE_S
        self.waited = 0.0  # how long the last empty pull was held by the SuperLink

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    def sleep(self, seconds: float) -> None:
        if seconds < FLOWER_IDLE_S:
            _time.sleep(min(seconds, LOCAL_POLL_S))
            return
        if self.idle > self.waited:
            _time.sleep(self.idle - self.waited)
        self.idle = min(self.idle * 2, IDLE_POLL_S)

    def busy(self) -> None:
        """A message came: the next one of the round is expected soon."""
        self.idle = FIRST_IDLE_S


def _waker(path: str | None) -> Callable[[], None]:
    """Tells the SuperExec listening at ``path`` that a task is waiting (nothing without one)."""
    if not path:
        return lambda: None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)

    def wake() -> None:
        try:
            sock.sendto(b"t", path)
        except OSError:
            pass  # not listening (yet) or its queue is full: its own poll finds the task

    return wake


def prompt(wake_path: str | None = None) -> _PromptClock:
    """Install the shorter waits (and the SuperExec's wake-up) in Flower's SuperNode loop."""
    pull = getattr(supernode_loop, "_pull_and_store_message", None)
    if getattr(supernode_loop, "time", None) is not _time or not callable(pull):
        raise RuntimeError("flwr's SuperNode loop no longer uses the time module as expected")
    clock = _PromptClock()
    wake = _waker(wake_path)

    def pull_and_store_message(*args: Any, **kwargs: Any) -> int | None:
        start = _time.monotonic()
        run_id: int | None = pull(*args, **kwargs)
        clock.waited = _time.monotonic() - start
        if run_id is not None:
            clock.busy()
            wake()
        return run_id

    setattr(supernode_loop, "time", clock)  # noqa: B010 - the module's own binding
    setattr(supernode_loop, "_pull_and_store_message", pull_and_store_message)  # noqa: B010
    return clock


def main() -> None:
    from node.federated.flower.middleware import install_supernode
    from node.federated.flower.pulls import prompt_pulls

    install_supernode()  # Flower's tracing layer only when tracing is on
    prompt(os.environ.get(WAKE_ENV))
    prompt_pulls()  # the SuperNode pulls a message's objects from the SuperLink the same way
    from flwr.supernode.cli.flower_supernode import flower_supernode

    sys.argv[0] = "flower-supernode"
    flower_supernode()


if __name__ == "__main__":
    main()
