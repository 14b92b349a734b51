"""Stopping a long-running process: SIGINT and SIGTERM end it the way Ctrl-C does (a KeyboardInterrupt,
so ``finally`` blocks close the database and hand the embedded chain over), and a watchdog bounds that
graceful close. If it has not finished ``grace_s`` after the first signal, faulthandler prints every
thread's stack to stderr (so the stall can be diagnosed) and exits the process with code 1. Nothing is
lost by the hard exit: the embedded chain commits after every write, PostgreSQL rolls back an open
transaction, and the kernel releases the chain's lock.

The watchdog starts from the signal itself (Python's C-level handler writes the signal number to a
wakeup pipe at once), not from the Python-level handler, which runs only when the main thread returns to
the interpreter: a main thread stuck in a C call would otherwise never arm it."""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
from types import FrameType

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_on_signals(grace_s: float, name: str) -> None:
    """Install the handlers; call from the main thread. Later signals while stopping are ignored: the
    watchdog is already counting."""
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            raise KeyboardInterrupt

    for s in _STOP_SIGNALS:
        signal.signal(s, on_signal)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(read_end, grace_s, name), name="stop-watchdog", daemon=True).start()


def _watch(read_end: int, grace_s: float, name: str) -> None:
    while True:
        received = os.read(read_end, 1)
        if not received:
            return
        if received[0] in _STOP_SIGNALS:
            break
    sys.stderr.write(
        f"{name}: stopping on {signal.Signals(received[0]).name}; a close that takes over {grace_s:g} s ends "
        "with the stacks of its threads and exit code 1\n"
    )
    sys.stderr.flush()
    # faulthandler's timer is a C thread: it fires even if no Python thread can run
    faulthandler.dump_traceback_later(grace_s, exit=True, file=sys.stderr)
