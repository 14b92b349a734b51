"""An MLLP listener for live HL7 v2 feeds from a HIS or LIS.

Each framed message (VT ... FS CR) is decoded and checked by the same rules as the file connector
(MSH-18 character set, the message's own separators, every row it would give). A good message is
appended as received to a spool file and fsync'ed *before* the ACK (MSA|AA) goes out, so an
acknowledged message is never lost. A message the import would reject gets MSA|AE with the reason; one
it cannot take at all (a message type without a table, an unknown character set, an oversized frame)
gets MSA|AR. Acknowledgements are written in the sender's character set and declare it in MSH-18. The
spool folder is imported with the hl7 connector.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import datetime
from pathlib import Path

from connectors.hl7v2 import CHARSETS, charset_of, decode, parse_message, rows_of, supported
from node.errors import InvalidInput

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_MESSAGE = 1 << 20


def frame(message: str, codec: str = "utf-8") -> bytes:
    return VT + message.encode(codec) + FS + CR


_DECLARED = {"utf-8": "UNICODE UTF-8", "gb18030": "GB 18030-2000", "latin-1": "8859/1", "ascii": "ASCII"}


def _ack(code: str, control_id: str, text: str = "", codec: str = "utf-8") -> bytes:
    now = datetime.now().strftime("%Y%m%d%H%M%S")
    msh = f"MSH|^~\\&|HNODE|HNODE|||{now}||ACK|ACK{secrets.token_hex(6)}|P|2.5||||||{_DECLARED[codec]}"
    msa = f"MSA|{code}|{control_id}" + (f"|{text.replace('|', ' ')[:80]}" if text else "")
    return frame("\r".join([msh, msa]), codec)


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
        if start < 0:
            self.rejected += 1
            return _ack("AE", "", "frame does not start with VT")
        body = raw[start + 1 : -2].replace(b"\r\n", b"\r").replace(b"\n", b"\r").strip(b"\r")
        try:
            codec = charset_of(body, "mllp")
        except InvalidInput as exc:  # no MSH (AE), or a character set we cannot read (AR)
            self.rejected += 1
            return _ack("AR" if "character set" in exc.message else "AE", "", _reason(exc))
        control = ""
        try:
            message = parse_message(decode(body, "mllp"), "mllp")
            control = message.control_id
            if not supported(message.kind):
                self.rejected += 1
                return _ack("AR", control, f"unsupported message type {'^'.join(message.kind)}", codec)
            list(rows_of(message))  # the values the import will read are valid
        except InvalidInput as exc:
            self.rejected += 1
            return _ack("AE", control, _reason(exc), codec)
        async with self._lock:
            await asyncio.to_thread(self._append, body)
        self.accepted += 1
        return _ack("AA", message.control_id, codec=codec)

    def _append(self, body: bytes) -> None:
        with self._spool_file().open("ab") as f:  # as received: each message keeps its own MSH-18
            f.write(body + b"\r\n\r\n")
            f.flush()
            os.fsync(f.fileno())

    async def serve(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self.handle, host, port, limit=self._max)


def _reason(exc: InvalidInput) -> str:
    return exc.message.removeprefix("mllp").lstrip(": ")


assert set(_DECLARED) == set(CHARSETS.values())
