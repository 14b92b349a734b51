"""Running ``hnode`` services as real processes in tests: start, wait until they answer, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator

import httpx

from tests.integration.test_cli import HNODE


def process_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NODE_")} | env


@contextlib.contextmanager
def hnode_process(
    *args: str, env: dict[str, str], health_port: int | None = None, ready_within_s: float = 40
) -> Iterator[subprocess.Popen[bytes]]:
    """``hnode ARGS`` in the background; with ``health_port``, wait (up to ``ready_within_s``) for its
    API's /health first. Its output goes to a temporary file, shown if it dies early."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([HNODE, *args], env=process_env(env), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ready_within_s
        while health_port is not None:
            try:
                if httpx.get(f"http://127.0.0.1:{health_port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"hnode {' '.join(args)} did not start: {log.read().decode()[-3000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
