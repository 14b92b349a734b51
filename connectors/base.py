"""Helpers shared by the connectors: row batching, file walking and digests, error wording."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from node.crypto.sm import SM3Stream
from node.errors import InvalidInput, NotFound

BATCH_ROWS = 20_000


class TableBuffers:
    """Rows accumulated per table, handed out as DataFrames of about ``BATCH_ROWS`` rows."""

    def __init__(self, columns: dict[str, list[str]], batch_rows: int = BATCH_ROWS) -> None:
        self._columns = columns
        self._rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in columns}
        self._batch = batch_rows

    def add(self, table: str, row: tuple[Any, ...] | dict[str, Any]) -> Iterator[tuple[str, pd.DataFrame]]:
        rows = self._rows[table]
        rows.append(tuple(map(row.get, self._columns[table])) if isinstance(row, dict) else row)
        if len(rows) >= self._batch:
            yield self._take(table)

    def flush(self) -> Iterator[tuple[str, pd.DataFrame]]:
        for table, rows in self._rows.items():
            if rows:
                yield self._take(table)

    def _take(self, table: str) -> tuple[str, pd.DataFrame]:
        frame = pd.DataFrame.from_records(self._rows[table], columns=self._columns[table])
        self._rows[table] = []
        return table, frame


def source_files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files to read: ``path`` itself, or the matching files below it in a stable order."""
    if not path.exists():
        raise NotFound(f"{path}: no such file or directory", code="source_missing")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
    if not files:
        raise InvalidInput(f"{path}: no {', '.join(suffixes)} files found", code="source_empty")
    return files


class DigestingReader:
    """Reads whole files while feeding an SM3 digest of everything read."""

    def __init__(self) -> None:
        self._sm3 = SM3Stream()
        self._final: str | None = None

    def read_bytes(self, path: Path) -> bytes:
        data = path.read_bytes()
        self._sm3.update(len(str(path.name)).to_bytes(4, "big") + path.name.encode() + data)
        return data

    def update(self, data: bytes) -> None:
        self._sm3.update(data)

    @property
    def digest(self) -> str:
        if self._final is None:
            self._final = self._sm3.hexdigest()
        return self._final


def malformed(where: str, reason: str) -> InvalidInput:
    """A precise error naming the place (file, line, resource) and the reason, never the data."""
    return InvalidInput(f"{where}: {reason}", code="source_malformed")


ON_ERROR = ("reject", "quarantine")


@dataclass(frozen=True)
class Rejected:
    """One record kept out of the import: where it was and why (never its content), and the record
    itself for the encrypted quarantine."""

    where: str
    reason: str
    payload: bytes


class RecordErrors:
    """Per-record outcome: ``reject`` raises on the first bad record (all or nothing); ``quarantine``
    keeps each bad record aside and lets the good ones through."""

    def __init__(self, on_error: str = "reject") -> None:
        if on_error not in ON_ERROR:
            raise InvalidInput(
                f"unknown --on-error '{on_error}'; choose reject or quarantine", code="on_error_unknown"
            )
        self.mode = on_error
        self.rejected: list[Rejected] = []

    def bad(self, where: str, reason: str, payload: bytes) -> None:
        if self.mode == "reject":
            raise malformed(where, reason)
        self.rejected.append(Rejected(where, reason, payload))

    def caught(self, exc: InvalidInput, payload: bytes) -> None:
        """A precise connector error for one record, handled as ``bad``."""
        if self.mode == "reject":
            raise exc
        where, _, reason = exc.message.partition(": ")
        self.rejected.append(Rejected(where, reason or exc.message, payload))
