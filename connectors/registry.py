"""Open a data source by connector name: the one place the edges turn a name into a connector."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from connectors.base import ON_ERROR
from connectors.dicom import DicomFolderSource
from connectors.fhir import FhirFileSource, FhirServerSource
from connectors.hl7v2 import Hl7FileSource
from connectors.sql import SqlTableSource
from connectors.tabular import CsvSource, ParquetSource
from node.asset_registry.ports import DataSource
from node.errors import InvalidInput

CONNECTORS = ("fhir", "hl7", "dicom", "csv", "parquet", "sql")


def open_source(
    connector: str, source: str, tables: list[str] | None = None, on_error: str = "reject"
) -> DataSource:
    """``on_error``: ``reject`` fails the whole import on a bad record; ``quarantine`` keeps each bad
    record aside (FHIR resources, HL7 v2 messages, CSV rows; other connectors always reject)."""
    if on_error not in ON_ERROR:
        raise InvalidInput(
            f"unknown --on-error '{on_error}'; choose reject or quarantine", code="on_error_unknown"
        )
    if connector == "fhir":
        if source.startswith(("http://", "https://")):
            return FhirServerSource(source, on_error=on_error)
        return FhirFileSource(Path(source), on_error=on_error)
    if connector == "hl7":
        return Hl7FileSource(Path(source), on_error=on_error)
    if connector == "dicom":
        return DicomFolderSource(Path(source))
    if connector == "csv":
        return CsvSource(Path(source), on_error=on_error)
    if connector == "parquet":
        return ParquetSource(Path(source))
    if connector == "sql":
        return SqlTableSource(source, tables or [])
    raise InvalidInput(
        f"unknown connector '{connector}'; choose one of {', '.join(CONNECTORS)}", code="connector_unknown"
    )


REOPEN_SUFFIX = {"fhir": ".json", "hl7": ".hl7", "csv": ".csv"}


class _RecordSource:
    """One corrected record read by its connector from a private temporary file (removed afterwards)."""

    def __init__(self, connector: str, content: bytes, name: str) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="hnode-fix-"))
        path = self._dir / name
        path.write_bytes(content)
        self._inner = open_source(connector, str(path))
        self.info = self._inner.info
        self.free_text = getattr(self._inner, "free_text", {})
        self.short_text = getattr(self._inner, "short_text", {})

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        try:
            yield from self._inner.batches()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def digest(self) -> str:
        return self._inner.digest

    @property
    def records(self) -> int | None:
        return getattr(self._inner, "records", None)


def reopen_record(connector: str, content: bytes, location: str) -> DataSource:
    """A corrected quarantined record as a source of its connector (any bad value still rejects it)."""
    if connector not in REOPEN_SUFFIX:
        raise InvalidInput(f"records of connector {connector} cannot be fixed here", code="connector_unknown")
    # a CSV row belongs to the table its file names ("obs.csv:3" -> obs)
    original = Path(location.split(":", 1)[0].split(" ", 1)[0]).name
    name = (
        original
        if original.lower().endswith(REOPEN_SUFFIX[connector])
        else f"record{REOPEN_SUFFIX[connector]}"
    )
    return _RecordSource(connector, content, name)
