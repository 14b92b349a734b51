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


def test_listener_reads_the_senders_charset_and_answers_in_it(tmp_path: Path) -> None:
    """A GB18030 LIS feed (MSH-18) is acknowledged in GB18030; a censored NM value is accepted; a message
    type without a table is AR, a bad value AE; the spool keeps each message as received."""
    port = _free_port()
    spool = tmp_path / "spool"
    proc = subprocess.Popen(
        [HNODE, "hl7", "listen", "--spool", str(spool), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    header = "MSH|^~\\&|LIS|CQ|HNODE|CQ|20250312100000||{kind}|{ctrl}|P|2.5||||||GB 18030-2000\r"
    pid = "PID|1||ZY0001^^^CQ^MR||张^建国||19800101|M\r"
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
        with sock:
            good = (
                header.format(kind="ORU^R01", ctrl="L1")
                + pid
                + "OBX|1|NM|20447-9^HIV-1 病毒载量^LN||<20|copies/mL"
            )
            sock.sendall(VT + good.encode("gb18030") + FS + b"\r")
            data = b""
            while not data.endswith(FS + b"\r"):
                data += sock.recv(4096)
            ack = data[1:-2].decode("gb18030")
            assert "MSA|AA|L1" in ack and "GB 18030-2000" in ack.split("\r")[0]
            bad = header.format(kind="ORU^R01", ctrl="L2") + pid + "OBX|1|NM|718-7^血红蛋白^LN||一百二|g/L"
            nak = _exchange_gb(sock, bad)
            assert "MSA|AE|L2|" in nak and "not a number" in nak and "一百二" not in nak
            other = header.format(kind="SIU^S12", ctrl="L3") + "SCH|1"
            assert "MSA|AR|L3|" in _exchange_gb(sock, other)
        got = {name: b for name, b in Hl7FileSource(spool).batches()}
        assert (
            list(got["observations"]["comparator"]) == ["<"] and got["observations"]["value"].iloc[0] == 20.0
        )
        assert "血红蛋白" not in (spool.glob("*.hl7").__next__().read_bytes().decode("gb18030"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _exchange_gb(sock: socket.socket, message: str) -> str:
    sock.sendall(VT + message.encode("gb18030") + FS + b"\r")
    data = b""
    while not data.endswith(FS + b"\r"):
        data += sock.recv(4096)
    return data[1:-2].decode("gb18030")
