"""Lab-result and diagnosis tables as model features: one row per patient, the patient's mean value of
each lab in ``RISK_FEATURES``, and a label from the patient's diagnoses. Shared by the encrypted risk
model and federated training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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


def patients_with(conditions: pd.DataFrame, icd10_prefix: str) -> set[Any]:
    """The patients with a diagnosis whose ICD-10 code starts with ``icd10_prefix``."""
    if not {"patient_id", "icd10"} <= set(conditions.columns):
        raise InvalidInput(
            "a diagnosis asset needs columns icd10 and patient_id", code="he_model_asset_shape"
        )
    return set(conditions.loc[conditions["icd10"].astype(str).str.startswith(icd10_prefix), "patient_id"])


def labels(conditions: pd.DataFrame, patients: pd.Index, target: str) -> np.ndarray[Any, Any]:
    positive = patients_with(conditions, target)
    return np.array([1.0 if p in positive else 0.0 for p in patients])


def standardized(features: pd.DataFrame) -> np.ndarray[Any, Any]:
    """Features scaled by the published reference ranges: every hospital scales alike, sharing nothing."""
    means = np.array([REFERENCE_SCALES[c][0] for c in features.columns])
    sds = np.array([REFERENCE_SCALES[c][1] for c in features.columns])
    return np.asarray((features.to_numpy(dtype=float) - means) / sds)


def clinical_tables(assets: list[Asset], store: AssetStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A product's lab-result table (patient_id, loinc, value) and diagnosis table (patient_id, icd10)."""

    def find(columns: set[str]) -> pd.DataFrame:
        for a in assets:
            if columns <= {c.name for c in a.columns}:
                return pd.concat(list(store.read(a.storage_ref)), ignore_index=True)
        raise InvalidInput(
            f"the product needs an asset with columns {', '.join(sorted(columns))}", code="he_asset_missing"
        )

    return find({"patient_id", "loinc", "value"}), find({"patient_id", "icd10"})
