"""Cohort definitions as versioned data, evaluated on one hospital's tables, with attrition.

A definition names an optional index event (the first matching diagnosis, lab or medication: its date
is the patient's index date) and an ordered list of criteria, each including or excluding the patients
who match it: diagnoses, medications by code system and code prefixes, labs by LOINC with a value range,
age at the index date (or at ``as_of``) and sex, each optionally within a window of days around the index
date. Attrition counts the patients left after each criterion; counts below the contract's minimum
cohort are withheld (reported as ``null`` with ``suppressed: true``), never shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3_hex
from node.errors import InvalidInput
from node.research.tables import CODE_COLUMNS, dates

_Strict = ConfigDict(extra="forbid", frozen=True)


class CodeMatch(BaseModel):
    model_config = _Strict
    system: str = Field(description="code system column: icd10, snomed_ct, atc, rxnorm")
    codes: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(min_length=1, max_length=200)

    def matches(self, column: pd.Series) -> pd.Series:
        values = column.astype("string").str.upper().str.replace(".", "", regex=False)
        prefixes = tuple(c.upper().replace(".", "") for c in self.codes)
        return values.str.startswith(prefixes).fillna(False).astype(bool)


class LabMatch(BaseModel):
    model_config = _Strict
    loinc: str = Field(min_length=3, max_length=16)
    min: float | None = None
    max: float | None = None


class AgeRange(BaseModel):
    model_config = _Strict
    min: int | None = Field(default=None, ge=0, le=130)
    max: int | None = Field(default=None, ge=0, le=130)


class Criterion(BaseModel):
    model_config = _Strict
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    include: bool = True
    diagnosis: CodeMatch | None = None
    medication: CodeMatch | None = None
    lab: LabMatch | None = None
    age: AgeRange | None = None
    sex: Literal["male", "female"] | None = None
    window_days: tuple[int, int] | None = Field(
        default=None, description="[from, to] days relative to the index date (needs an index)"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        kinds = [k for k in ("diagnosis", "medication", "lab", "age", "sex") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a criterion has exactly one of diagnosis, medication, lab, age, sex")
        if self.window_days is not None and self.window_days[0] > self.window_days[1]:
            raise ValueError("window_days must be [from, to] with from <= to")
        return self

    @property
    def kind(self) -> str:
        return next(
            k for k in ("diagnosis", "medication", "lab", "age", "sex") if getattr(self, k) is not None
        )


class IndexEvent(BaseModel):
    model_config = _Strict
    diagnosis: CodeMatch | None = None
    medication: CodeMatch | None = None
    lab: LabMatch | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> IndexEvent:
        if sum(x is not None for x in (self.diagnosis, self.medication, self.lab)) != 1:
            raise ValueError("the index event is exactly one of diagnosis, medication, lab")
        return self


class CohortDefinition(BaseModel):
    model_config = _Strict
    name: str = Field(min_length=1, max_length=200)
    version: int = Field(default=1, ge=1)
    index: IndexEvent | None = None
    as_of: date | None = Field(default=None, description="date ages are computed at without an index")
    criteria: list[Criterion] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> CohortDefinition:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be unique")
        if self.index is None and any(c.window_days for c in self.criteria):
            raise ValueError("window_days needs an index event")
        return self

    @property
    def digest(self) -> str:
        return sm3_hex(canonical_json(self.model_dump(mode="json")))

    def systems(self) -> set[tuple[str, str]]:
        """(role, code system or LOINC) pairs the definition reads: what the product must offer."""
        out: set[tuple[str, str]] = set()
        for m in [self.index, *self.criteria]:
            if m is None:
                continue
            if m.diagnosis is not None:
                out.add(("diagnoses", m.diagnosis.system))
            if m.medication is not None:
                out.add(("medications", m.medication.system))
            if m.lab is not None:
                out.add(("labs", "loinc"))
        return out


def parse_definition(raw: Mapping[str, Any] | str) -> CohortDefinition:
    """A definition from JSON; errors name the field, never echo a value."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
        return CohortDefinition.model_validate(data)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "definition"
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise InvalidInput(f"cohort definition: {where}: {msg}", code="cohort_invalid") from None
        raise InvalidInput("cohort definition is not JSON", code="cohort_invalid") from None


@dataclass(frozen=True)
class AttritionStep:
    criterion: str
    include: bool
    remaining: int

    def as_dict(self, min_cohort: int) -> dict[str, Any]:
        hidden = 0 < self.remaining < min_cohort
        return {
            "criterion": self.criterion,
            "include": self.include,
            "remaining": None if hidden else self.remaining,
            "suppressed": hidden,
        }


@dataclass(frozen=True)
class CohortResult:
    definition: CohortDefinition
    start: int
    steps: list[AttritionStep]
    patients: pd.Index  # the patient ids in the cohort (never leaves the node)
    index_dates: pd.Series  # patient id -> index date (NaT without an index)

    @property
    def size(self) -> int:
        return len(self.patients)

    def attrition(self, min_cohort: int) -> dict[str, Any]:
        """What may be shown: counts below ``min_cohort`` withheld."""
        first = AttritionStep("all_patients", True, self.start)
        return {
            "cohort": self.definition.name,
            "version": self.definition.version,
            "digest": self.definition.digest,
            "min_cohort": min_cohort,
            "steps": [s.as_dict(min_cohort) for s in (first, *self.steps)],
            "size": None if 0 < self.size < min_cohort else self.size,
        }


def _events(kind: str, m: Any, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """(patient_id, date) of the rows matching a diagnosis, medication or lab criterion."""
    role = {"diagnosis": "diagnoses", "medication": "medications", "lab": "labs"}[kind]
    table = tables.get(role)
    if table is None:
        raise InvalidInput(f"the product offers no {role} table", code="cohort_table_missing")
    if kind == "lab":
        hit = table["loinc"].astype("string") == m.loinc
        values = pd.to_numeric(table["value"], errors="coerce")
        if m.min is not None:
            hit &= values >= m.min
        if m.max is not None:
            hit &= values <= m.max
    else:
        if m.system not in CODE_COLUMNS[role] or m.system not in table.columns:
            raise InvalidInput(
                f"the product's {role} table holds no {m.system} codes", code="cohort_system_missing"
            )
        hit = m.matches(table[m.system])
    hit = hit.fillna(False).astype(bool)
    return pd.DataFrame(
        {"patient_id": table.loc[hit, "patient_id"].astype(str), "date": dates(role, table)[hit]}
    )


def evaluate(definition: CohortDefinition, tables: Mapping[str, pd.DataFrame]) -> CohortResult:
    """Run the definition over one hospital's tables (keyed by role, see ``research.tables``)."""
    patients = tables["patients"]
    ids = patients["patient_id"].astype(str)
    remaining = pd.Index(ids.unique())
    start = len(remaining)
    index_dates = pd.Series(pd.NaT, index=remaining, dtype="datetime64[ns]")
    if definition.index is not None:
        ix = definition.index
        kind = next(k for k in ("diagnosis", "medication", "lab") if getattr(ix, k) is not None)
        ev = _events(kind, getattr(ix, kind), tables).dropna(subset=["date"])
        first = ev.groupby("patient_id")["date"].min()
        index_dates = first.reindex(remaining)
        remaining = remaining[index_dates.notna().to_numpy()]
        index_step = [AttritionStep(f"index_{kind}", True, len(remaining))]
    else:
        index_step = []
    birth = (
        pd.Series(
            pd.to_datetime(patients["birth_date"].astype("string"), errors="coerce").to_numpy(), index=ids
        )
        if "birth_date" in patients.columns
        else None
    )
    sex_col = "sex" if "sex" in patients.columns else ("gender" if "gender" in patients.columns else None)
    sexes = (
        pd.Series(patients[sex_col].astype("string").str.lower().to_numpy(), index=ids) if sex_col else None
    )
    as_of = pd.Timestamp(definition.as_of) if definition.as_of else None
    steps: list[AttritionStep] = index_step
    for c in definition.criteria:
        if c.kind in ("diagnosis", "medication", "lab"):
            ev = _events(c.kind, getattr(c, c.kind), tables)
            if c.window_days is not None:
                ref = index_dates.reindex(ev["patient_id"]).to_numpy()
                delta = (ev["date"].to_numpy() - ref) / pd.Timedelta(days=1)
                ev = ev[(delta >= c.window_days[0]) & (delta <= c.window_days[1])]
            matched = pd.Index(ev["patient_id"].unique())
        elif c.kind == "age":
            if birth is None:
                raise InvalidInput("the patients table has no birth_date", code="cohort_table_missing")
            at = (
                index_dates.reindex(remaining)
                if definition.index
                else pd.Series(as_of or pd.Timestamp.now().normalize(), index=remaining)
            )
            b = birth[~birth.index.duplicated()].reindex(remaining)
            age = (at.to_numpy() - b.to_numpy()) / pd.Timedelta(days=365.25)
            ok = pd.Series(True, index=remaining)
            if c.age is not None and c.age.min is not None:
                ok &= age >= c.age.min
            if c.age is not None and c.age.max is not None:
                ok &= age < c.age.max + 1
            matched = remaining[ok.to_numpy()]
        else:
            if sexes is None:
                raise InvalidInput("the patients table has no sex column", code="cohort_table_missing")
            s = sexes[~sexes.index.duplicated()].reindex(remaining)
            matched = remaining[(s == c.sex).fillna(False).to_numpy()]
        remaining = remaining.intersection(matched) if c.include else remaining.difference(matched)
        steps.append(AttritionStep(c.id, c.include, len(remaining)))
    return CohortResult(definition, start, steps, remaining, index_dates.reindex(remaining))
