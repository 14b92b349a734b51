"""`hnode hl7 listen` as a real process: ACK after spooling, NAK for bad messages, keeps serving."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.hl7v2 import Hl7FileSource
from connectors.mllp import FS, VT, frame
from connectors.samples import generate, hl7_messages

HNODE = str(Path(sys.executable).parent / "hnode")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _exchange(sock: socket.socket, payload: bytes) -> str:
    sock.sendall(payload)
    data = b""
    while not data.endswith(FS + b"\r"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(VT)
    return data[1:-2].decode()


def test_listener_acks_naks_and_keeps_serving(tmp_path: Path) -> None:
    port = _free_port()
    spool = tmp_path / "spool"
    proc = subprocess.Popen(
        [HNODE, "hl7", "listen", "--spool", str(spool), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("listener did not start")
                time.sleep(0.1)
        messages = list(hl7_messages(next(generate(10, seed=9, hospital="h9")), "h9"))
        with sock:
            ack = _exchange(sock, frame(messages[0]))
            assert "MSA|AA|ADTh9-p000000-0" in ack
            nak = _exchange(
                sock, frame("MSH|^~\\&|HIS|H9|||20250101||ADT^A04|C1|P|2.5\rPID|1\rbroken segment")
            )
            assert "MSA|AE|" in nak and "broken segment" in nak
            nak2 = _exchange(sock, frame("PID|no header"))
            assert "MSA|AE|" in nak2
            ack2 = _exchange(sock, frame(messages[1]))  # still serving on the same connection
            assert "MSA|AA|ORUh9-p000000-0" in ack2
        with socket.create_connection(("127.0.0.1", port), timeout=5) as again:  # and to new connections
            assert "MSA|AA|" in _exchange(again, frame(messages[2]))
        got = {name: len(b) for name, b in Hl7FileSource(spool).batches()}
        assert got["observations"] == 8 and got["patients"] == 2  # only the acknowledged messages
    finally:
        proc.terminate()
        proc.wait(timeout=10)
