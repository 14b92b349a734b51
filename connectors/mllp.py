"""An MLLP listener for live HL7 v2 feeds from a HIS or LIS.

Each framed message (VT ... FS CR) is checked with the same parser as the file connector. A good
message is appended to a spool file and fsync'ed *before* the ACK (MSA|AA) goes out, so an
acknowledged message is never lost; a bad one gets a NAK (MSA|AE with the reason, or AR for an
oversized frame) and the listener keeps serving. The spool folder is imported with the hl7 connector.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import datetime
from pathlib import Path

from connectors.hl7v2 import parse_message
from node.errors import InvalidInput

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_MESSAGE = 1 << 20


def frame(message: str) -> bytes:
    return VT + message.encode("utf-8") + FS + CR


def _ack(code: str, control_id: str, text: str = "") -> bytes:
    now = datetime.now().strftime("%Y%m%d%H%M%S")
    msh = f"MSH|^~\\&|HNODE|HNODE|||{now}||ACK|ACK{secrets.token_hex(6)}|P|2.5"
    msa = f"MSA|{code}|{control_id}" + (f"|{text.replace('|', ' ')[:80]}" if text else "")
    return frame("\r".join([msh, msa]))


class MllpListener:
    def __init__(self, spool: Path, max_message: int = MAX_MESSAGE) -> None:
        self._spool = spool
        self._max = max_message
        self.accepted = 0
        self.rejected = 0
        self._lock = asyncio.Lock()

    def _spool_file(self) -> Path:
        self._spool.mkdir(parents=True, exist_ok=True)
        return self._spool / f"mllp-{datetime.now():%Y%m%d}.hl7"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    raw = await reader.readuntil(FS + CR)
                except asyncio.IncompleteReadError:
                    return  # peer closed
                except asyncio.LimitOverrunError:
                    self.rejected += 1
                    writer.write(_ack("AR", "", "message exceeds the size limit"))
                    await writer.drain()
                    return
                writer.write(await self._process(raw))
                await writer.drain()
        finally:
            writer.close()

    async def _process(self, raw: bytes) -> bytes:
        start = raw.find(VT)
        body = raw[start + 1 : -2] if start >= 0 else b""
        if start < 0:
            self.rejected += 1
            return _ack("AE", "", "frame does not start with VT")
        try:
            text = body.decode("utf-8")
            message = parse_message(text.replace("\n", "\r").strip("\r"), "mllp")
        except UnicodeDecodeError:
            self.rejected += 1
            return _ack("AE", "", "message is not UTF-8")
        except InvalidInput as exc:
            self.rejected += 1
            return _ack("AE", "", exc.message.removeprefix("mllp").lstrip(": "))
        async with self._lock:
            await asyncio.to_thread(self._append, text)
        self.accepted += 1
        return _ack("AA", message.control_id)

    def _append(self, text: str) -> None:
        with self._spool_file().open("a", encoding="utf-8", newline="") as f:
            f.write(text.strip("\r") + "\r\n\r\n")
            f.flush()
            os.fsync(f.fileno())

    async def serve(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self.handle, host, port, limit=self._max)
