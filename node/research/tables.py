"""Which of a product's tables is which: patients, encounters, diagnoses, labs, medications, found by
their columns (the shapes the CSV, FHIR and HL7 connectors write), and their date columns."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from node.errors import InvalidInput

ROLES = ("patients", "encounters", "diagnoses", "labs", "medications")
# code systems a criterion may name, by role: the column that holds codes of that system
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "diagnoses": ("icd10", "snomed_ct"),
    "medications": ("atc", "rxnorm"),
    "labs": ("loinc",),
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("birth_date",),
    "encounters": ("start", "period_start", "admitted"),
    "diagnoses": ("onset", "onset_date", "recorded", "recorded_date"),
    "labs": ("time", "effective", "effective_time", "issued"),
    "medications": ("authored", "authored_on", "start"),
}


def role_of(table: pd.DataFrame) -> str | None:
    cols = set(table.columns)
    if "patient_id" not in cols:
        return None
    if "loinc" in cols and "value" in cols:
        return "labs"
    if cols & {"atc", "rxnorm"}:
        return "medications"
    if cols & {"icd10", "snomed_ct"} and not cols & {"procedure_id", "allergy_id"}:
        return "diagnoses"  # FHIR procedures and allergies carry SNOMED CT codes too
    if "encounter_id" in cols and cols & set(DATE_COLUMNS["encounters"]):
        return "encounters"
    if cols & {"birth_date", "sex", "gender"}:
        return "patients"
    return None


def by_role(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The product's tables keyed by role; two tables of one role, or none for patients, is an error."""
    out: dict[str, pd.DataFrame] = {}
    for name, table in tables.items():
        role = role_of(table)
        if role is None:
            continue
        if role in out:
            raise InvalidInput(
                f"the product holds two {role} tables ({name} and another): keep one per role",
                code="research_tables_ambiguous",
            )
        out[role] = table
    if "patients" not in out:
        raise InvalidInput(
            "the product holds no patients table (patient_id, birth_date, sex)", code="research_no_patients"
        )
    return out


def date_column(role: str, table: pd.DataFrame) -> str | None:
    return next((c for c in DATE_COLUMNS[role] if c in table.columns), None)


def dates(role: str, table: pd.DataFrame) -> pd.Series:
    """The table's event dates as timezone-naive timestamps (NaT where unknown)."""
    col = date_column(role, table)
    if col is None:
        return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    parsed = pd.to_datetime(table[col].astype("string"), errors="coerce", utc=True, format="ISO8601")
    return parsed.dt.tz_localize(None)
