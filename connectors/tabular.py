"""CSV and Parquet files, streamed in batches.

CSV rows are checked for their field count, so a ragged row is reported with its line number
instead of being silently padded; numeric columns are recognised per batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.base import BATCH_ROWS, DigestingReader, RecordErrors, Rejected, malformed, source_files
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo

CSV_BATCH = 50_000


class _Digest(io.RawIOBase):
    """A binary stream that feeds what is read into the source digest."""

    def __init__(self, raw: io.BufferedReader, reader: DigestingReader) -> None:
        self._raw = raw
        self._reader = reader

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = self._raw.readinto(b)
        if n:
            self._reader.update(bytes(b[:n]))
        return n or 0


class CsvSource:
    """One table per CSV file (named after the file), header row required, UTF-8."""

    def __init__(self, path: Path, delimiter: str = ",", on_error: str = "reject") -> None:
        self._path = path
        self._delimiter = delimiter
        self._reader = DigestingReader()
        self._errors = RecordErrors(on_error)
        self.info = SourceInfo("csv", str(path), SourceSystem.OTHER)

    @property
    def rejected(self) -> list[Rejected]:
        return self._errors.rejected

    @property
    def digest(self) -> str:
        return self._reader.digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        for f in source_files(self._path, (".csv", ".tsv")):
            yield from self._file(f)

    def _file(self, f: Path) -> Iterator[tuple[str, pd.DataFrame]]:
        table = f.stem.lower().replace("-", "_").replace(" ", "_")
        with f.open("rb") as raw:
            digesting = io.BufferedReader(_Digest(raw, self._reader))  # type: ignore[type-var]
            text = io.TextIOWrapper(digesting, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=self._delimiter)
            try:
                header = next(reader)
            except StopIteration:
                raise malformed(f.name, "empty file (no header row)") from None
            except UnicodeDecodeError:
                raise malformed(f.name, "not UTF-8 text") from None
            if len(set(header)) != len(header) or not all(h.strip() for h in header):
                raise malformed(f"{f.name}:1", "header has empty or duplicate column names")
            rows: list[list[str]] = []
            try:
                for row in reader:
                    if len(row) != len(header):
                        if not row:
                            continue
                        line = io.StringIO()
                        csv.writer(line, delimiter=self._delimiter).writerow(row)
                        self._errors.bad(
                            f"{f.name}:{reader.line_num}",
                            f"ragged row: expected {len(header)} fields, found {len(row)}",
                            (self._delimiter.join(header) + "\r\n" + line.getvalue()).encode("utf-8"),
                        )
                        continue
                    rows.append(row)
                    if len(rows) >= CSV_BATCH:
                        yield table, _frame(rows, header)
                        rows = []
            except UnicodeDecodeError:
                raise malformed(f"{f.name}:{reader.line_num}", "not UTF-8 text") from None
            except csv.Error as exc:
                raise malformed(f"{f.name}:{reader.line_num}", f"CSV syntax error: {exc}") from None
            if rows:
                yield table, _frame(rows, header)


# values that look numeric but are identifiers: leading zero or plus sign, or 11+ digit integers
_IDENTIFIER_LIKE = r"^(?:[+]|0\d|\d{11,}$)"


def _frame(rows: list[list[str]], header: list[str]) -> pd.DataFrame:
    """Columns whose every value is a number become numeric, unless they look like identifiers."""
    frame = pd.DataFrame(rows, columns=header, dtype=object).replace("", None)
    for col in frame.columns:
        values = frame[col]
        present = values.dropna().astype(str)
        if present.empty or present.str.match(_IDENTIFIER_LIKE).any():
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric[values.notna()].notna().all():
            frame[col] = numeric
    return frame


class ParquetSource:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader = DigestingReader()
        self.info = SourceInfo("parquet", str(path), SourceSystem.OTHER)

    @property
    def digest(self) -> str:
        return self._reader.digest

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        for f in source_files(self._path, (".parquet", ".pq")):
            table = f.stem.lower().replace("-", "_")
            try:
                pf = pq.ParquetFile(f)
            except (pa.ArrowInvalid, OSError):
                raise malformed(f.name, "not a Parquet file") from None
            with f.open("rb") as raw:
                while chunk := raw.read(1 << 20):
                    self._reader.update(chunk)
            try:
                for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                    yield table, batch.to_pandas()
            except (pa.ArrowInvalid, OSError) as exc:
                raise malformed(f.name, f"corrupt Parquet data ({type(exc).__name__})") from None
