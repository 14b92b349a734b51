"""Streaming table profiles: rows, types, nulls, distinct counts, min/max, PII, sensitive codes.

Memory stays bounded whatever the table size: distinct counts use a KMV sketch (the K smallest
64-bit hashes; exact below K distinct values, about 1.6% standard error above), and the PII detector
sees a fixed-size sample of each column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry import codes
from node.asset_registry.model import ColumnProfile
from node.asset_registry.ports import PiiDetector

KMV_K = 4096
SAMPLE_SIZE = 200
_ICD10 = re.compile(r"^[A-Z]\d{2}(\.\d{1,4})?$")


class _Distinct:
    def __init__(self) -> None:
        self.mins = np.empty(0, dtype=np.uint64)

    def add(self, values: pd.Series) -> None:
        if values.empty:
            return
        hashed = pd.util.hash_pandas_object(values, index=False).to_numpy(dtype=np.uint64)
        merged = np.unique(np.concatenate([self.mins, hashed]))
        self.mins = merged[:KMV_K]

    def estimate(self) -> tuple[int, bool]:
        if len(self.mins) < KMV_K:
            return len(self.mins), True
        kth = float(self.mins[-1]) / 2.0**64
        return int((KMV_K - 1) / kth), False


@dataclass
class _Column:
    name: str
    dtype: str = ""
    nulls: int = 0
    distinct: _Distinct = field(default_factory=_Distinct)
    sample: list[str] = field(default_factory=list)
    min: Any = None
    max: Any = None
    icd_like: bool | None = None


class TableProfiler:
    """Feed batches with ``add``; read the result with ``columns``. ``classify(system, code)`` names the
    sensitive condition a code stands for (or None): codes are read from the columns named for their
    system (``icd10``, ``snomed_ct``, ``loinc``, ``atc``, ``rxnorm``), from ``code``-like columns next to
    their ``*system`` column, and from columns that look like ICD-10 codes."""

    def __init__(self, classify: Callable[[str, str], str | None]) -> None:
        self.rows = 0
        self._cols: dict[str, _Column] = {}
        self._classify = classify
        self._found: dict[str, set[str]] = {}

    def add(self, batch: pd.DataFrame) -> None:
        self.rows += len(batch)
        names = {str(n) for n in batch.columns}
        for name in batch.columns:
            col = self._cols.setdefault(str(name), _Column(str(name)))
            series = batch[name]
            col.dtype = col.dtype if col.dtype and col.dtype != "object" else _kind(series)
            present = series.dropna()
            col.nulls += len(series) - len(present)
            col.distinct.add(present)
            if len(col.sample) < SAMPLE_SIZE:
                col.sample.extend(str(v) for v in present.iloc[: SAMPLE_SIZE - len(col.sample)])
            self._minmax(col, present)
            self._sensitive_codes(col, present, batch, names)

    def _minmax(self, col: _Column, present: pd.Series) -> None:
        if present.empty or col.dtype not in ("integer", "float", "date", "datetime"):
            return
        lo, hi = present.min(), present.max()
        col.min = lo if col.min is None else min(col.min, lo)
        col.max = hi if col.max is None else max(col.max, hi)

    def _sensitive_codes(
        self, col: _Column, present: pd.Series, batch: pd.DataFrame, names: set[str]
    ) -> None:
        if present.empty or col.dtype != "string":
            return
        name = col.name
        system_col = _system_column(name, names)
        if name in codes.CODE_COLUMNS:
            pairs = pd.DataFrame({"system": name, "code": present.astype(str)})
        elif system_col is not None:
            systems = batch.loc[present.index, system_col].astype(str)
            pairs = pd.DataFrame({"system": systems, "code": present.astype(str)})
        else:
            if col.icd_like is None:
                head = present.astype(str).iloc[:SAMPLE_SIZE]
                col.icd_like = bool(head.str.match(_ICD10.pattern).mean() >= 0.8)
            if not col.icd_like:
                return
            pairs = pd.DataFrame({"system": codes.ICD10, "code": present.astype(str)})
        for system, code in pairs.drop_duplicates().itertuples(index=False):
            label = self._classify(system, code)
            if label is not None:
                found = self._found.setdefault(label, set())
                if len(found) < 50:
                    found.add(f"{system}:{code}")

    def columns(self, detector: PiiDetector) -> list[ColumnProfile]:
        out = []
        for c in self._cols.values():
            distinct, exact = c.distinct.estimate()
            pii = detector.detect_column(c.name, c.sample)
            out.append(
                ColumnProfile(
                    name=c.name,
                    dtype=c.dtype or "empty",
                    nulls=c.nulls,
                    distinct=distinct,
                    distinct_exact=exact,
                    pii=pii,
                    # an identifier's extremes are identifiers too: keep them out of the catalog
                    min=None if pii else _plain(c.min),
                    max=None if pii else _plain(c.max),
                )
            )
        return out

    def sensitive_codes(self) -> dict[str, list[str]]:
        """Each sensitive condition found, with the codes (``system:code``) that name it."""
        return {label: sorted(found) for label, found in self._found.items()}


def _system_column(name: str, names: set[str]) -> str | None:
    """The column holding the system of a code column: code/code_system, value_code/value_system..."""
    if not name.endswith("code") or name.endswith("postal_code") or name == "district_code":
        return None
    stem = name[: -len("code")]
    for candidate in (f"{stem}system", f"{name}_system"):
        if candidate in names:
            return candidate
    return None


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if series.dropna().empty:
        return "object"
    return "string"


def _plain(value: Any) -> Any:
    """JSON-friendly min/max."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else round(float(value), 6)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
