"""SIGINT/SIGTERM stop a long-running process through its ``finally`` blocks, and a watchdog bounds a
close that stalls (node/cli/stopping.py); each case runs as a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

PROBE = """
import ctypes, sys, time
from node.cli.stopping import stop_on_signals
stop_on_signals(float(sys.argv[1]), "probe")
try:
    print("ready", flush=True)  # inside the try: the signal may come before the next line
    if sys.argv[2] == "busy-in-c":  # the main thread never returns to the interpreter to run a handler
        mutex = ctypes.create_string_buffer(64)  # a pthread mutex, locked twice: it never returns
        libc = ctypes.CDLL(None)
        libc.pthread_mutex_lock(mutex)
        libc.pthread_mutex_lock(mutex)
    while True:
        time.sleep(0.05)
finally:
    print("closing", flush=True)
    if sys.argv[2] == "stall":
        time.sleep(600)
    if sys.argv[2] == "slow-close":
        time.sleep(1.0)
    print("closed", flush=True)
"""


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _kill_leftovers() -> Iterator[None]:
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _start(grace_s: float, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE, str(grace_s), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _started.append(proc)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_runs_the_close_and_the_watchdog_stays_quiet(sig: signal.Signals) -> None:
    proc = _start(5.0, "graceful")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert "closing\nclosed\n" in out
    assert "Timeout" not in err
    assert proc.returncode != 0  # an interrupted run is not a success


def test_a_stalled_close_is_ended_with_the_threads_stacks() -> None:
    proc = _start(1.0, "stall")
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    waited = time.monotonic() - started
    assert proc.returncode == 1
    assert "closing\n" in out and "closed" not in out
    assert "probe: stopping on SIGTERM; a close that takes over 1 s ends" in err
    assert "Timeout (0:00:01)!" in err and 'File "<string>"' in err  # where the close stalled
    assert 1.0 <= waited < 15


def test_the_watchdog_fires_while_the_main_thread_is_stuck_in_a_c_call() -> None:
    proc = _start(1.0, "busy-in-c")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "closing" not in out  # the Python-level handler never ran
    assert "probe: stopping on SIGINT" in err and "Timeout (0:00:01)!" in err


def test_a_second_signal_does_not_cut_the_close_short() -> None:
    proc = _start(5.0, "slow-close")
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout is not None and proc.stdout.readline() == "closing\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert out == "closed\n" and "Timeout" not in err
