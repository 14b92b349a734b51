"""DICOM folders: study, series and instance metadata. Pixel data stays where it is."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pydicom
from pydicom.errors import InvalidDicomError

from connectors.base import DigestingReader, TableBuffers, malformed
from node.asset_registry.model import SourceSystem
from node.asset_registry.ports import SourceInfo
from node.errors import InvalidInput, NotFound

TABLE = "dicom_instances"
TAGS = [
    ("sop_instance_uid", "SOPInstanceUID"),
    ("study_instance_uid", "StudyInstanceUID"),
    ("series_instance_uid", "SeriesInstanceUID"),
    ("patient_id", "PatientID"),
    ("patient_name", "PatientName"),
    ("patient_birth_date", "PatientBirthDate"),
    ("patient_sex", "PatientSex"),
    ("modality", "Modality"),
    ("study_date", "StudyDate"),
    ("body_part", "BodyPartExamined"),
    ("institution", "InstitutionName"),
    ("manufacturer", "Manufacturer"),
    ("image_rows", "Rows"),
    ("image_columns", "Columns"),
    ("burned_in_annotation", "BurnedInAnnotation"),
]
COLUMNS = {TABLE: [c for c, _ in TAGS] + ["file", "size_bytes"]}


class DicomFolderSource:
    """Every file under a folder must be DICOM Part 10; others are reported by name."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader = DigestingReader()
        self.info = SourceInfo("dicom", str(path), SourceSystem.PACS)

    @property
    def digest(self) -> str:
        return self._reader.digest

    def _files(self) -> list[Path]:
        if not self._path.exists():
            raise NotFound(f"{self._path}: no such file or directory", code="source_missing")
        if self._path.is_file():
            return [self._path]
        files = sorted(p for p in self._path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InvalidInput(f"{self._path}: no files found", code="source_empty")
        return files

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        buffers = TableBuffers(COLUMNS)
        base = self._path if self._path.is_dir() else self._path.parent
        for f in self._files():
            data = self._reader.read_bytes(f)
            rel = str(f.relative_to(base))
            try:
                ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
            except InvalidDicomError:
                raise malformed(rel, "not a DICOM file (no DICM preamble)") from None
            except Exception as exc:  # noqa: BLE001 - pydicom raises many types on truncated files
                raise malformed(rel, f"unreadable DICOM ({type(exc).__name__})") from None
            if "SOPInstanceUID" not in ds or "StudyInstanceUID" not in ds:
                raise malformed(rel, "DICOM file without SOP or study instance UID")
            row: list[Any] = [_value(ds.get(tag)) for _, tag in TAGS]
            yield from buffers.add(TABLE, (*row, rel, len(data)))
        yield from buffers.flush()


def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, int):
        return v
    text = str(v).strip()
    return text or None
