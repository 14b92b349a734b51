"""Flower's own SuperExec, woken by its SuperNode when a task is waiting.

A SuperNode starts ``flower-superexec`` (found on its PATH), which asks the SuperNode for a task,
launches it, sleeps ``FLWR_SUPEREXEC_TASK_POLL_INTERVAL`` and asks again
(``flwr.supercore.superexec.run_superexec``). Asking 20 times a second (50 ms) cost a third of a
core across three hospitals and still delayed every task by 25 ms on average. ``hnode fl
supernode`` (``warm.py``) starts this entry point instead: Flower's SuperExec unchanged except that
its sleep ends as soon as a datagram arrives on a Unix socket in the fork server's private
directory (``WAKE_ENV`` names it), which the SuperNode (``supernode_main``) sends after storing a
message. The poll interval stays as the fallback. The datagram carries nothing: at worst it causes
one more ask.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import sys
import time as _time
from typing import Any

WAKE_ENV = "HNODE_FL_TASK_WAKE"  # path of the wake-up socket, set by warm.serve for its SuperNode


class _WokenClock:
    """``time`` as the SuperExec's loop sees it: a sleep that a datagram on ``sock`` ends early."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    def sleep(self, seconds: float) -> None:
        ready, _, _ = select.select([self._sock], [], [], seconds)
        if ready:
            with contextlib.suppress(BlockingIOError):
                self._sock.recv(16)  # one wake-up, one more ask: a second task has its own datagram


def listen(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a SuperExec restarted by its SuperNode
    sock.bind(path)
    sock.setblocking(False)
    return sock


def woken(path: str) -> None:
    """Make Flower's SuperExec loop sleep until woken through ``path`` (or its poll interval)."""
    from flwr.supercore.superexec import run_superexec

    if getattr(run_superexec, "time", None) is not _time:
        raise RuntimeError("flwr's SuperExec loop no longer uses the time module as expected")
    setattr(run_superexec, "time", _WokenClock(listen(path)))  # noqa: B010 - the module's own binding


def main() -> None:
    path = os.environ.get(WAKE_ENV)
    if path:
        woken(path)
    from flwr.supercore.cli import flower_superexec

    sys.argv[0] = "flower-superexec"
    flower_superexec()


if __name__ == "__main__":
    main()
