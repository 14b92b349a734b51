"""Imported tables at rest: Parquet parts, each sealed in an SM4-GCM envelope under the node's KEK.

A table is written into a staging directory and appears under its reference only when committed
(one atomic rename), so a failed import leaves nothing behind. Reading streams part by part.
"""

from __future__ import annotations

import io
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from node.crypto.envelope import open_envelope, read_header, seal
from node.errors import InvalidInput, NotFound

KEK_ID = "node-at-rest-v1"
PART_ROWS = 100_000


class EncryptedParquetStore:
    def __init__(self, root: Path, kek: Callable[[], bytes]) -> None:
        self._root = root
        self._kek = kek

    def writer(self) -> _Writer:
        staging = self._root / ".staging" / secrets.token_hex(8)
        staging.mkdir(parents=True)
        return _Writer(self._root, staging, self._kek())

    def read(self, ref: str, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        folder = self._folder(ref)
        keks = {KEK_ID: self._kek()}
        for part in sorted(folder.glob("part-*.hne")):
            data = open_envelope(part.read_bytes(), keks)
            yield pq.read_table(io.BytesIO(data), columns=list(columns) if columns else None).to_pandas()

    def delete(self, ref: str) -> None:
        shutil.rmtree(self._folder(ref))

    def seal_record(self, record_id: str, data: bytes) -> bytes:
        return seal(data, self._kek(), KEK_ID, {"quarantined_record": record_id})

    def open_record(self, record_id: str, blob: bytes) -> bytes:
        context = read_header(blob).get("context")
        if not isinstance(context, dict) or context.get("quarantined_record") != record_id:
            raise InvalidInput("sealed record belongs to another quarantine entry", code="envelope_mismatch")
        return open_envelope(blob, {KEK_ID: self._kek()})

    def _folder(self, ref: str) -> Path:
        folder = self._root / ref
        if not ref.startswith("tbl_") or not folder.is_dir():
            raise NotFound(f"stored table {ref} not found", code="table_not_found")
        return folder


class _Writer:
    def __init__(self, root: Path, staging: Path, kek: bytes) -> None:
        self._root = root
        self._staging = staging
        self._kek = kek
        self._buffer: list[pd.DataFrame] = []
        self._buffered = 0
        self._parts = 0

    def write(self, batch: pd.DataFrame) -> None:
        self._buffer.append(batch)
        self._buffered += len(batch)
        if self._buffered >= PART_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        frame = pd.concat(self._buffer, ignore_index=True) if len(self._buffer) > 1 else self._buffer[0]
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink, compression="zstd")
        blob = seal(sink.getvalue(), self._kek, KEK_ID, {"part": str(self._parts)})
        (self._staging / f"part-{self._parts:05d}.hne").write_bytes(blob)
        self._parts += 1
        self._buffer, self._buffered = [], 0

    def commit(self) -> str:
        self._flush()
        ref = "tbl_" + secrets.token_hex(8)
        self._staging.rename(self._root / ref)
        return ref

    def abort(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)
