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

Flower's SuperExec starts each ClientApp task as the ``flwr-clientapp`` command found on PATH, which
``warm.py`` makes a thin client of its fork server: a Python interpreter started per task only to
hand its arguments and streams over a Unix socket (about 10 ms of CPU and, on a loaded machine, 50 to
100 ms before the task starts). With the fork server's socket named (``FORK_SERVER_ENV``) this
SuperExec hands the task over itself, as the thin client would (same arguments, same streams, the
connection held until the task ends: a SuperExec that dies has its tasks stopped); if the fork server
cannot be reached, the command is started as before.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time as _time
from collections.abc import Sequence
from typing import Any

WAKE_ENV = "HNODE_FL_TASK_WAKE"  # path of the wake-up socket, set by warm.serve for its SuperNode
FORK_SERVER_ENV = "HNODE_FL_FORK_SERVER"  # path of the fork server's socket, set by warm.serve


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


def hand_over(path: str, args: Sequence[str], quiet: bool) -> bool:
    """Hand the task ``args`` to the fork server at ``path`` as its thin client does (this process's
    streams, or /dev/null for its output if ``quiet``); False if the server could not be reached (the
    task was not started). The connection is held until the server reports the task's end."""
    devnull = os.open(os.devnull, os.O_RDWR) if quiet else None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(path)
        fds = [0, devnull, devnull] if devnull is not None else [0, 1, 2]
        socket.send_fds(conn, [b"\0".join(os.fsencode(a) for a in args)], fds)
    except OSError:
        conn.close()
        return False
    finally:
        if devnull is not None:
            os.close(devnull)

    def until_done() -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(32)  # the task's pid
            conn.recv(32)  # its exit status: it has ended

    threading.Thread(target=until_done, daemon=True).start()
    return True


class _HandingOver:
    """``subprocess`` as Flower's SubprocessExecutor sees it: ``command`` is handed to the fork
    server instead of being started; anything else, or a server out of reach, starts as before."""

    def __init__(self, path: str, command: str) -> None:
        self._path = path
        self._command = command

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def Popen(self, args: Sequence[str], **kwargs: Any) -> Any:
        if args and args[0] == self._command:
            if hand_over(self._path, args, quiet=kwargs.get("stdout") is subprocess.DEVNULL):
                return None  # Flower keeps no handle on the tasks it starts
        return subprocess.Popen(args, **kwargs)  # noqa: S603 - Flower's own command and arguments


def handing_over(path: str) -> None:
    """Make Flower's SuperExec hand its ClientApp tasks to the fork server at ``path``."""
    import inspect

    from flwr.supercore.constant import TASK_TYPE_TO_COMMAND, TaskType
    from flwr.supercore.superexec.executor import subprocess_executor

    source = inspect.getsource(subprocess_executor.SubprocessExecutor.launch)
    if getattr(subprocess_executor, "subprocess", None) is not subprocess or "= subprocess.Popen" in source:
        raise RuntimeError("flwr's SubprocessExecutor no longer starts its tasks as expected")
    command = TASK_TYPE_TO_COMMAND[TaskType.CLIENT_APP]
    setattr(subprocess_executor, "subprocess", _HandingOver(path, command))  # noqa: B010


def main() -> None:
    path = os.environ.get(WAKE_ENV)
    if path:
        woken(path)
    fork_server = os.environ.get(FORK_SERVER_ENV)
    if fork_server:
        handing_over(fork_server)
    from flwr.supercore.cli import flower_superexec

    sys.argv[0] = "flower-superexec"
    flower_superexec()


if __name__ == "__main__":
    main()
