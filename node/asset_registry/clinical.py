"""Lab-result and coded tables as model features and cohorts: one row per patient, the patient's mean
value of each lab in ``RISK_FEATURES``, and cohorts (labels) of the patients with a code. Shared by the
encrypted risk model, HE aggregates and federated training.

A cohort is named by a code system and a code prefix (``CohortCode``): an ICD-10 prefix alone (``E11``),
or ``system|prefix`` as FHIR search tokens write it, where the system is one of the registry's columns
(``icd10``, ``snomed_ct``, ``loinc``, ``atc``, ``rxnorm``), a FHIR system URI, or a hospital's local
system as its source names it (the ``code_system`` of ``code``/``code_system`` columns)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry import codes
from node.asset_registry.model import Asset
from node.asset_registry.ports import AssetStore
from node.errors import InvalidInput

# (LOINC, name, unit): the lab results a risk model reads, in this order
RISK_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("2345-7", "葡萄糖", "mmol/L"),
    ("4548-4", "糖化血红蛋白", "%"),
    ("2093-3", "总胆固醇", "mmol/L"),
    ("2160-0", "肌酐", "umol/L"),
    ("8480-6", "收缩压", "mm[Hg]"),
    ("39156-5", "体重指数", "kg/m2"),
)
# reference means and standard deviations of those labs in adults (for standardizing without pooling data)
REFERENCE_SCALES: dict[str, tuple[float, float]] = {
    "2345-7": (5.2, 1.2),
    "4548-4": (5.6, 1.0),
    "2093-3": (4.7, 1.0),
    "2160-0": (75.0, 20.0),
    "8480-6": (125.0, 15.0),
    "39156-5": (23.5, 3.5),
}


def feature_table(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per patient, one column per risk feature: the patient's mean value of that lab."""
    need = {"patient_id", "loinc", "value"}
    if not need <= set(observations.columns):
        raise InvalidInput(
            f"a lab-result asset needs columns {', '.join(sorted(need))}", code="he_model_asset_shape"
        )
    codes = [f[0] for f in RISK_FEATURES]
    obs = observations[observations["loinc"].astype(str).isin(codes)].copy()
    obs["value"] = pd.to_numeric(obs["value"], errors="coerce")
    wide = obs.pivot_table(index="patient_id", columns="loinc", values="value", aggfunc="mean")
    return wide.reindex(columns=codes).dropna()


_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")


def _normalized(code: str) -> str:
    """Codes compare upper-case without dots (``e11.9`` and ``E119`` are one code)."""
    return code.upper().replace(".", "")


@dataclass(frozen=True)
class CohortCode:
    """The patients with a record coded in ``system`` (our short name, or a local system as the source
    names it) whose code starts with ``prefix``."""

    system: str
    prefix: str

    @classmethod
    def parse(cls, text: str) -> CohortCode:
        system, bar, prefix = text.strip().rpartition("|")
        named = codes.named_system(system if bar else codes.ICD10)
        if not _PREFIX.match(prefix) or named is None or (not bar and not prefix[0].isalpha()):
            raise InvalidInput(
                "a cohort is an ICD-10 prefix (E11) or SYSTEM|PREFIX, the system icd10, snomed_ct, loinc, "
                "atc, rxnorm, a FHIR system URI or a local code system (snomed_ct|44054006)",
                code="cohort_invalid",
            )
        return cls(named, prefix)

    def __str__(self) -> str:
        return self.prefix if self.system == codes.ICD10 else f"{self.system}|{self.prefix}"

    def covers(self, other: CohortCode) -> bool:
        """Whether ``other`` is this cohort or a narrower one (``E11.9`` under ``E11``)."""
        return self.system == other.system and _normalized(other.prefix).startswith(_normalized(self.prefix))

    def holds(self, table: pd.DataFrame) -> bool:
        """Whether ``table`` can hold codes of this system, keyed by patient."""
        cols = set(table.columns)
        return "patient_id" in cols and (self.system in cols or {"code", "code_system"} <= cols)

    def matches(self, table: pd.DataFrame) -> pd.Series:
        """Rows of ``table`` coded in this system with a code under the prefix: in the column named for
        the system, or in ``code`` where ``code_system`` is the system (local codes, ICD-10 editions)."""
        prefix = _normalized(self.prefix)
        hit = pd.Series(False, index=table.index)
        if self.system in table.columns:
            hit |= _starts(table[self.system], prefix)
        if {"code", "code_system"} <= set(table.columns):
            systems = table["code_system"].astype("string")
            mine = systems.map(codes.named_system, na_action="ignore") == self.system
            hit |= mine.fillna(False).astype(bool) & _starts(table["code"], prefix)
        return hit


def _starts(column: pd.Series, prefix: str) -> pd.Series:
    values = column.astype("string").str.upper().str.replace(".", "", regex=False)
    return values.str.startswith(prefix).fillna(False).astype(bool)


def patients_with(tables: Iterable[pd.DataFrame], cohort: CohortCode) -> set[Any]:
    """The patients with a record coded in the cohort's system under its prefix, in any of ``tables``."""
    out: set[Any] = set()
    for table in tables:
        if cohort.holds(table):
            out |= set(table.loc[cohort.matches(table), "patient_id"].dropna())
    return out


def labels(tables: Iterable[pd.DataFrame], patients: pd.Index, cohort: CohortCode) -> np.ndarray[Any, Any]:
    positive = patients_with(tables, cohort)
    return np.array([1.0 if p in positive else 0.0 for p in patients])


def standardized(features: pd.DataFrame) -> np.ndarray[Any, Any]:
    """Features scaled by the published reference ranges: every hospital scales alike, sharing nothing."""
    means = np.array([REFERENCE_SCALES[c][0] for c in features.columns])
    sds = np.array([REFERENCE_SCALES[c][1] for c in features.columns])
    return np.asarray((features.to_numpy(dtype=float) - means) / sds)


def clinical_tables(
    assets: list[Asset], store: AssetStore, cohort: CohortCode
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """A product's lab-result table (patient_id, loinc, value) and every table that can hold the cohort's
    codes (by patient, in the column named for the system or as ``code``/``code_system``)."""
    labs = next((a for a in assets if {"patient_id", "loinc", "value"} <= {c.name for c in a.columns}), None)
    if labs is None:
        raise InvalidInput(
            "the product needs an asset with columns loinc, patient_id, value", code="he_asset_missing"
        )
    coded = [a for a in assets if cohort.holds(pd.DataFrame(columns=[c.name for c in a.columns]))]
    if not coded:
        raise InvalidInput(
            f"the product holds no table with {cohort.system} codes by patient (patient_id and a "
            f"{cohort.system} column, or code and code_system)",
            code="cohort_system_missing",
        )

    def read(a: Asset) -> pd.DataFrame:
        return pd.concat(list(store.read(a.storage_ref)), ignore_index=True)

    lab_table = read(labs)
    return lab_table, [lab_table if a.id == labs.id else read(a) for a in coded]
