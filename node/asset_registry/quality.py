"""Data-quality rules per column (数据质量规则库), checked at import (检测), alerting (告警) when a new
version breaks a rule the previous version kept.

Rules, chosen by the column's name:
- completeness: keys (``*_id``, ``mrn``, ``patient_id``, codes) are never empty; a result has a value
  (``value``, ``value_text`` or free ``text``);
- validity: values from their value set (FHIR gender, HL7 sex), code formats (ICD-10, LOINC), units
  allowed for a lab's LOINC code, dates that parse and are not in the future;
- plausibility: lab values inside physiologically possible ranges by LOINC code;
- referential integrity: patients and encounters referred to exist in the same import;
- timeliness: the newest record is not older than the asset's update frequency allows.
A rule holds when its violation rate is at most its tolerance. Results name columns and counts, never
values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# (lowest, highest, allowed units) of results that can occur in a living patient, by LOINC
LAB_RANGES: dict[str, tuple[float, float, frozenset[str]]] = {
    "2345-7": (0.5, 60.0, frozenset({"mmol/L"})),  # glucose
    "4548-4": (2.0, 25.0, frozenset({"%"})),  # HbA1c
    "2093-3": (0.5, 20.0, frozenset({"mmol/L"})),  # total cholesterol
    "2160-0": (5.0, 3000.0, frozenset({"umol/L", "µmol/L", "μmol/L"})),  # creatinine
    "718-7": (20.0, 250.0, frozenset({"g/L"})),  # haemoglobin
    "8480-6": (40.0, 300.0, frozenset({"mm[Hg]", "mmHg"})),  # systolic blood pressure
    "8462-4": (20.0, 200.0, frozenset({"mm[Hg]", "mmHg"})),  # diastolic blood pressure
    "39156-5": (8.0, 80.0, frozenset({"kg/m2", "kg/m²"})),  # BMI
    "8302-2": (30.0, 260.0, frozenset({"cm"})),  # body height
    "29463-7": (0.3, 400.0, frozenset({"kg"})),  # body weight
    "20447-9": (0.0, 1e9, frozenset({"copies/mL", "{copies}/mL"})),  # HIV-1 viral load
}
VALUE_SETS: dict[str, frozenset[str]] = {
    "gender": frozenset({"male", "female", "other", "unknown"}),  # FHIR administrative-gender
    "sex": frozenset({"M", "F", "O", "U", "A", "N"}),  # HL7 table 0001
}
CODE_FORMATS: dict[str, re.Pattern[str]] = {
    "icd10": re.compile(r"^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?(\+|\*)?$"),
    "loinc": re.compile(r"^\d{1,7}-\d$"),
    "snomed_ct": re.compile(r"^\d{6,18}$"),
    "atc": re.compile(r"^[A-Z]\d{2}([A-Z]([A-Z](\d{2})?)?)?$"),
}
KEY = re.compile(r"^(patient_id|mrn|\w+_id)$")
TIME_COLUMNS = frozenset(
    {"time", "issued", "authored", "onset", "start", "performed", "occurrence", "created", "message_time"}
    | {"date", "transaction_date", "recorded"}
)
MAX_AGE_DAYS = {"realtime": 1, "hourly": 1, "daily": 2, "weekly": 8, "monthly": 32, "yearly": 366}
MAX_KEYS = 2_000_000  # keys kept for referential integrity; above it the check is skipped
TOLERANCE = {"completeness": 0.0, "validity": 0.0, "plausibility": 0.01, "referential": 0.0}
REFERENCES = {"patient_id": ("patients", "patient_id"), "encounter_id": ("encounters", "encounter_id")}
HL7_REFERENCES = {"mrn": ("patients", "mrn")}


@dataclass
class _Count:
    checked: int = 0
    violations: int = 0

    def add(self, checked: int, violations: int) -> None:
        self.checked += checked
        self.violations += violations


@dataclass
class TableQuality:
    """Feed batches with ``add``; read the rule results with ``results``."""

    table: str
    counts: dict[tuple[str, str], _Count] = field(default_factory=dict)
    keys: dict[str, set[Any]] = field(default_factory=dict)
    newest: pd.Timestamp | None = None
    now: pd.Timestamp | None = None

    def _count(self, rule: str, column: str, checked: int, violations: int) -> None:
        self.counts.setdefault((rule, column), _Count()).add(checked, violations)

    def add(self, batch: pd.DataFrame) -> None:
        n = len(batch)
        cols = set(map(str, batch.columns))
        for name in cols:
            series = batch[name]
            if KEY.match(name) and not name.startswith(("claim_ref", "coverage_id")):
                self._count("completeness", name, n, int(series.isna().sum()))
                if name in ("patient_id", "encounter_id", "mrn") and len(self.keys.get(name, ())) < MAX_KEYS:
                    self.keys.setdefault(name, set()).update(series.dropna().astype(str).unique().tolist())
            if name in VALUE_SETS:
                present = series.dropna().astype(str)
                self._count("validity", name, len(present), int((~present.isin(VALUE_SETS[name])).sum()))
            if name in CODE_FORMATS:
                present = series.dropna().astype(str)
                bad = ~present.str.match(CODE_FORMATS[name].pattern)
                self._count("validity", name, len(present), int(bad.sum()))
            if name in TIME_COLUMNS or name == "birth_date":
                self._times(name, series)
        if "value" in cols and "value_text" in cols:
            missing = batch["value"].isna() & batch["value_text"].isna()
            if "text" in cols:
                missing &= batch["text"].isna()
            self._count("completeness", "value", n, int(missing.sum()))
        if {"loinc", "value"} <= cols:
            self._labs(batch, "unit" in cols)

    def _times(self, name: str, series: pd.Series) -> None:
        present = series.dropna()
        if present.empty:
            return
        text = present.astype(str)
        try:  # vectorized when the column is ISO 8601 throughout (FHIR, our HL7 rendering, most exports)
            parsed = pd.to_datetime(text, utc=True, format="ISO8601")
        except (ValueError, TypeError):
            parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
        now = self.now or pd.Timestamp.now(tz="UTC")
        future = parsed > now + pd.Timedelta(days=1)
        self._count("validity", name, len(present), int(parsed.isna().sum() + future.sum()))
        if name != "birth_date" and parsed.notna().any():
            top = parsed.max()
            self.newest = top if self.newest is None else max(self.newest, top)

    def _labs(self, batch: pd.DataFrame, has_unit: bool) -> None:
        for loinc, (lo, hi, units) in LAB_RANGES.items():
            rows = batch[batch["loinc"] == loinc]
            if rows.empty:
                continue
            values = pd.to_numeric(rows["value"], errors="coerce").dropna()
            out = int(((values < lo) | (values > hi)).sum())
            self._count("plausibility", f"value[{loinc}]", len(values), out)
            if has_unit:
                present = rows["unit"].dropna().astype(str)
                self._count("validity", f"unit[{loinc}]", len(present), int((~present.isin(units)).sum()))

    def results(self, others: dict[str, TableQuality], update_frequency: str) -> list[dict[str, Any]]:
        out = []
        for (rule, column), c in sorted(self.counts.items()):
            rate = c.violations / c.checked if c.checked else 0.0
            out.append(_result(rule, column, c.checked, c.violations, rate <= TOLERANCE[rule]))
        refs = {
            **REFERENCES,
            **(HL7_REFERENCES if "patients" in others and "mrn" in others["patients"].keys else {}),
        }
        for column, (table, key) in refs.items():
            if table == self.table or column not in self.keys or table not in others:
                continue
            known = others[table].keys.get(key)
            if known is None or len(known) >= MAX_KEYS or len(self.keys[column]) >= MAX_KEYS:
                continue
            missing = len(self.keys[column] - known)
            ok = missing == 0
            out.append(
                _result("referential", f"{column}->{table}.{key}", len(self.keys[column]), missing, ok)
            )
        if self.newest is not None and update_frequency in MAX_AGE_DAYS:
            now = self.now or pd.Timestamp.now(tz="UTC")
            age = (now - self.newest).days
            limit = MAX_AGE_DAYS[update_frequency]
            out.append(
                {**_result("timeliness", "newest", 1, int(age > limit), age <= limit), "age_days": age}
            )
        return out


def _result(rule: str, column: str, checked: int, violations: int, passed: bool) -> dict[str, Any]:
    return {"rule": rule, "column": column, "checked": checked, "violations": violations, "passed": passed}


def alerts(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules the previous version kept that this one breaks."""
    held = {(r["rule"], r["column"]) for r in previous if r.get("passed")}
    return [
        {"rule": r["rule"], "column": r["column"], "violations": r["violations"], "checked": r["checked"]}
        for r in current
        if not r["passed"] and (r["rule"], r["column"]) in held
    ]


def summary(rules: list[dict[str, Any]], alerts_: list[dict[str, Any]]) -> dict[str, Any]:
    passed = sum(1 for r in rules if r["passed"])
    return {"score": round(passed / len(rules), 4) if rules else 1.0, "rules": rules, "alerts": alerts_}
