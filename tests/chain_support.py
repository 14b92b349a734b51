"""Chain helpers for tests: a Hardhat JSON-RPC node started from npm, funding, free ports."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

HARDHAT_DIR = Path(__file__).resolve().parents[1] / "chain_adapter" / "hardhat"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_hardhat() -> Iterator[str]:
    """A real Hardhat Network node on loopback, as `npx hardhat node` starts it."""
    if not (HARDHAT_DIR / "node_modules" / ".bin" / "hardhat").exists():
        pytest.fail("Hardhat is not installed: run `make install` (npm ci in chain_adapter/hardhat)")
    port = free_port()
    npx = shutil.which("npx")
    assert npx, "npx (Node.js) is required"
    log = tempfile.TemporaryFile()  # Hardhat logs every call: an unread pipe would fill and stall it
    proc = subprocess.Popen(
        [npx, "--no-install", "hardhat", "node", "--hostname", "127.0.0.1", "--port", str(port)],
        cwd=HARDHAT_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"},
        start_new_session=True,  # npx starts node as a child: stop the whole group
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"hardhat node exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                if Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 1})).is_connected():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("hardhat node did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def fund_from_hardhat(w3: Web3, address: str) -> None:
    """Hardhat's accounts are unlocked: its first account pays for ours."""
    rich = w3.eth.accounts[0]
    tx = w3.eth.send_transaction({"from": rich, "to": address, "value": 10**20})
    w3.eth.wait_for_transaction_receipt(tx)
