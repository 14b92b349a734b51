"""Multi-table research datasets: one cohort's patients, encounters, diagnoses, labs and medications,
anonymized together.

- Person and record keys become keyed pseudonyms (HMAC-SM3 under a key of this dataset only): they join
  within the dataset and link to nothing outside it.
- Every event date of a patient moves by that patient's own secret offset (intervals within a patient
  are kept; calendar dates are not).
- Direct identifiers are dropped; the birth date becomes the age at the index date, which with sex and
  region is generalized until every class holds at least k persons (and l distinct values of a
  sensitive attribute, if one is named), counted per person across the tables: a suppressed person
  leaves every table.
- A data dictionary says what each column holds and what was done to it; ``verify`` re-checks the
  release with code of its own before it is handed out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from node.anonymization.operators import Pseudonymizer
from node.anonymization.tabular import KAnonymizer, verify
from node.errors import InvalidInput, PolicyDenied
from node.research.cohort import CohortResult
from node.research.tables import date_column

PERSON = "person_key"
QUASI_CANDIDATES = ("age_at_index", "sex", "gender", "district_code", "postal_code", "region")
_SYSTEM_NAMES = {
    "icd10": "ICD-10",
    "snomed_ct": "SNOMED CT",
    "loinc": "LOINC",
    "atc": "ATC",
    "rxnorm": "RxNorm",
}


@dataclass(frozen=True)
class DatasetOptions:
    dataset_id: str
    k: int = 5
    l_diversity: int | None = None
    sensitive: str | None = None
    max_suppression: float = 0.1
    max_shift_days: int = 180
    drop: Mapping[str, list[str]] = field(
        default_factory=dict
    )  # per role: columns holding direct identifiers


@dataclass(frozen=True)
class ResearchDataset:
    dataset_id: str
    tables: dict[str, pd.DataFrame]
    dictionary: list[dict[str, str]]
    report: dict[str, Any]


def _record_keys(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c != "patient_id" and c.endswith("_id")]


def _pseudonyms(
    values: pd.Series, kind: str, pseudo: Pseudonymizer, known: dict[tuple[str, str], str] | None = None
) -> pd.Series:
    """Each distinct value pseudonymized once per dataset (``known`` carries them across tables: the
    encounter keys of two million lab rows are the encounters table's)."""
    known = {} if known is None else known
    text = values.astype("string")
    mapping: dict[str, str] = {}
    for v in text.dropna().unique():
        key = (kind, str(v))
        if key not in known:
            known[key] = pseudo(kind, str(v))
        mapping[str(v)] = known[key]
    return text.map(mapping)


def build(
    cohort: CohortResult, tables: Mapping[str, pd.DataFrame], pseudo: Pseudonymizer, opts: DatasetOptions
) -> ResearchDataset:
    """The cohort's rows of every table, anonymized together (see the module docstring)."""
    members = set(cohort.patients.astype(str))
    scoped = {
        role: t[t["patient_id"].astype(str).isin(members)].reset_index(drop=True)
        for role, t in tables.items()
    }
    patients = scoped["patients"].drop_duplicates("patient_id").copy()
    ids = patients["patient_id"].astype(str)
    if "birth_date" in patients.columns:
        birth = pd.to_datetime(patients["birth_date"].astype("string"), errors="coerce")
        # age at the index date; without an index event, at the definition's as_of date (else today)
        fallback = pd.Timestamp(cohort.definition.as_of or pd.Timestamp.now().normalize())
        at = pd.Series(cohort.index_dates.reindex(ids).to_numpy(), index=patients.index).fillna(fallback)
        years = (at - pd.Series(birth.to_numpy(), index=patients.index)) / pd.Timedelta(days=365.25)
        patients["age_at_index"] = years.astype("float").round()
        patients["age_at_index"] = patients["age_at_index"].astype("Int64")
    patients[PERSON] = _pseudonyms(ids, "PERSON", pseudo).to_numpy()
    quasi = [c for c in QUASI_CANDIDATES if c in patients.columns]
    if not quasi:
        raise InvalidInput("the patients table has no quasi-identifier to generalize", code="quasi_missing")
    drop_patients = sorted(
        {*opts.drop.get("patients", []), "birth_date", "patient_id"} & set(patients.columns)
    )
    drop_patients = [c for c in drop_patients if c not in quasi]
    anon = KAnonymizer(quasi, opts.k, opts.sensitive, opts.l_diversity, opts.max_suppression, person=PERSON)
    released_patients, table_report = anon.anonymize(patients, drop_patients)
    if not table_report.met:
        raise PolicyDenied(
            f"k={opts.k} cannot be met for this cohort within the allowed suppression", code="k_not_met"
        )
    kept = set(released_patients[PERSON])
    person_of = dict(zip(ids, patients[PERSON], strict=True))
    known: dict[tuple[str, str], str] = {}
    offsets = {pid: pseudo.date_offset_days(f"{opts.dataset_id}:{pid}", opts.max_shift_days) for pid in ids}
    out = {"patients": released_patients.reset_index(drop=True)}
    dictionary = _describe("patients", out["patients"], table_report.generalization)
    rows = {"patients": len(out["patients"])}
    for role, table in scoped.items():
        if role == "patients":
            continue
        t = table.copy()
        pid = t["patient_id"].astype(str)
        t.insert(0, PERSON, pid.map(person_of))
        t = t[t[PERSON].isin(kept)]
        pid = pid[t.index]
        shift = pd.to_timedelta(pid.map(offsets).astype("int64"), unit="D")
        date_col = date_column(role, t)
        shifted: list[str] = []
        for col in t.columns:
            if col == date_col or col in {"end", "period_end", "discharged", "onset", "abatement", "issued"}:
                parsed = pd.to_datetime(t[col].astype("string"), errors="coerce", utc=True, format="ISO8601")
                t[col] = (parsed.dt.tz_localize(None) + shift).dt.strftime("%Y-%m-%dT%H:%M:%S")
                shifted.append(col)
        for col in _record_keys(t):
            t[col] = _pseudonyms(t[col], col.removesuffix("_id").upper(), pseudo, known)
        drop = [c for c in ["patient_id", *opts.drop.get(role, [])] if c in t.columns]
        t = t.drop(columns=drop).reset_index(drop=True)
        out[role] = t
        rows[role] = len(t)
        dictionary += _describe(role, t, {}, shifted)
    report = {
        "dataset_id": opts.dataset_id,
        "cohort": cohort.definition.name,
        "cohort_version": cohort.definition.version,
        "cohort_digest": cohort.definition.digest,
        "persons_in_cohort": len(ids),
        "persons_released": len(kept),
        "persons_suppressed": len(ids) - len(kept),
        "k_target": opts.k,
        "achieved_k": table_report.achieved_k,
        "l_target": opts.l_diversity,
        "achieved_l": table_report.achieved_l,
        "quasi_identifiers": quasi,
        "generalization": table_report.generalization,
        "information_loss": table_report.information_loss,
        "max_date_shift_days": opts.max_shift_days,
        "rows": rows,
    }
    dataset = ResearchDataset(opts.dataset_id, out, dictionary, report)
    problems = check(dataset, tables, opts)
    if problems:  # never hand out a release the independent check refuses
        raise AssertionError(f"research dataset failed verification: {problems}")
    return dataset


def _describe(
    role: str, table: pd.DataFrame, generalization: Mapping[str, Any], shifted: list[str] | None = None
) -> list[dict[str, str]]:
    out = []
    for col in table.columns:
        if col == PERSON:
            what = "person key: a pseudonym consistent within this dataset only (HMAC-SM3)"
        elif col.endswith("_id"):
            what = "record key: a pseudonym consistent within this dataset only (HMAC-SM3)"
        elif col in generalization:
            g = generalization[col]
            what = f"quasi-identifier generalized by {g['hierarchy']} to level {g['level']} of {g['of']}"
        elif shifted and col in shifted:
            what = "date-time moved by the patient's own secret offset (intervals within a patient kept)"
        elif col in _SYSTEM_NAMES:
            what = f"code ({_SYSTEM_NAMES[col]})"
        elif col == "code_system":
            what = "code system of `code`"
        else:
            what = "as recorded"
        out.append({"table": role, "column": col, "type": str(table[col].dtype), "description": what})
    return out


def check(dataset: ResearchDataset, source: Mapping[str, pd.DataFrame], opts: DatasetOptions) -> list[str]:
    """Independent checks of a release: k per person, keys join, no source key or identifier left."""
    problems: list[str] = []
    patients = dataset.tables["patients"]
    quasi = list(dataset.report["quasi_identifiers"])
    if not verify(patients, quasi, opts.k, opts.sensitive, opts.l_diversity, PERSON):
        problems.append("k or l not met per person")
    persons = set(patients[PERSON])
    source_ids = set(source["patients"]["patient_id"].astype(str))
    for role, table in dataset.tables.items():
        if "patient_id" in table.columns:
            problems.append(f"{role}: patient_id left in")
        if role != "patients" and not set(table[PERSON]) <= persons:
            problems.append(f"{role}: person keys without a patient")
        for col in opts.drop.get(role, []):
            if col in table.columns:
                problems.append(f"{role}: identifier column {col} left in")
        for col in table.columns:
            if table[col].dtype == object or str(table[col].dtype) == "string":
                if source_ids & set(table[col].dropna().astype(str).unique()):
                    problems.append(f"{role}.{col}: holds source patient ids")
    return problems
