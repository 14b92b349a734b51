"""Streaming table profiles: rows, types, nulls, distinct counts, min/max, PII, sensitive codes.

Memory stays bounded whatever the table size: distinct counts use a KMV sketch (the K smallest
64-bit hashes; exact below K distinct values, about 1.6% standard error above), and the PII detector
sees a fixed-size sample of each column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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
    codes: set[str] = field(default_factory=set)
    icd_like: bool | None = None


class TableProfiler:
    """Feed batches with ``add``; read the result with ``columns``."""

    def __init__(self, sensitive_code_pattern: re.Pattern[str]) -> None:
        self.rows = 0
        self._cols: dict[str, _Column] = {}
        self._sensitive = sensitive_code_pattern

    def add(self, batch: pd.DataFrame) -> None:
        self.rows += len(batch)
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
            self._sensitive_codes(col, present)

    def _minmax(self, col: _Column, present: pd.Series) -> None:
        if present.empty or col.dtype not in ("integer", "float", "date", "datetime"):
            return
        lo, hi = present.min(), present.max()
        col.min = lo if col.min is None else min(col.min, lo)
        col.max = hi if col.max is None else max(col.max, hi)

    def _sensitive_codes(self, col: _Column, present: pd.Series) -> None:
        if present.empty or col.dtype != "string":
            return
        if col.icd_like is None:
            head = present.astype(str).iloc[:SAMPLE_SIZE]
            col.icd_like = bool(head.str.match(_ICD10.pattern).mean() >= 0.8)
        if col.icd_like:
            values = present.astype(str)
            hits = values[values.str.match(self._sensitive.pattern)]
            col.codes.update(hits.unique().tolist()[:50])

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
        return {c.name: sorted(c.codes) for c in self._cols.values() if c.codes}


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
