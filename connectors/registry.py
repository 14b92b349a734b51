"""Open a data source by connector name: the one place the edges turn a name into a connector."""

from __future__ import annotations

from pathlib import Path

from connectors.dicom import DicomFolderSource
from connectors.fhir import FhirFileSource, FhirServerSource
from connectors.hl7v2 import Hl7FileSource
from connectors.sql import SqlTableSource
from connectors.tabular import CsvSource, ParquetSource
from node.asset_registry.ports import DataSource
from node.errors import InvalidInput

CONNECTORS = ("fhir", "hl7", "dicom", "csv", "parquet", "sql")


def open_source(connector: str, source: str, tables: list[str] | None = None) -> DataSource:
    if connector == "fhir":
        if source.startswith(("http://", "https://")):
            return FhirServerSource(source)
        return FhirFileSource(Path(source))
    if connector == "hl7":
        return Hl7FileSource(Path(source))
    if connector == "dicom":
        return DicomFolderSource(Path(source))
    if connector == "csv":
        return CsvSource(Path(source))
    if connector == "parquet":
        return ParquetSource(Path(source))
    if connector == "sql":
        return SqlTableSource(source, tables or [])
    raise InvalidInput(
        f"unknown connector '{connector}'; choose one of {', '.join(CONNECTORS)}", code="connector_unknown"
    )
