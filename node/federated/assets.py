"""A hospital's training data from its own registered assets: the job's features (lab means, diagnosis
and medication flags) and outcome, a test split chosen by a keyed hash of the patient id (stable, not
sent).

Which patients: those with every chosen lab measured (complete cases) or, with no lab feature, every
patient in the product's tables; with a lab outcome, only those with that lab measured. Flags are 0/1
and not scaled. Labs are standardized by a published scale (the product's ``scales``, else the adult
reference ranges of the risk labs), else by this hospital's own training rows (mean and standard
deviation; nothing pooled or sent): hospitals then scale alike only as far as their populations agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.clinical import REFERENCE_SCALES, CohortCode, patients_with
from node.asset_registry.model import Asset
from node.asset_registry.ports import AssetStore
from node.errors import InvalidInput
from node.federated.data import Partition
from node.federated.features import Flag, ModelInputs
from node.research.tables import role_of

Array = np.ndarray[Any, Any]


def _unavailable(message: str) -> InvalidInput:
    return InvalidInput(message, code="fl_feature_unavailable")


def model_tables(assets: list[Asset], store: AssetStore) -> dict[str, pd.DataFrame]:
    """The product's tables by role (labs, diagnoses, medications, patients, encounters)."""
    out: dict[str, pd.DataFrame] = {}
    for a in assets:
        role = role_of(pd.DataFrame(columns=[c.name for c in a.columns]))
        if role is not None and role not in out:
            out[role] = pd.concat(list(store.read(a.storage_ref)), ignore_index=True)
    return out


def _patients_with(table: pd.DataFrame, system: str, prefixes: tuple[str, ...]) -> set[Any]:
    """The patients with a code of ``system`` under one of ``prefixes``, as HE cohorts select them (in
    the column named for the system, or as ``code`` with its ``code_system``)."""
    out: set[Any] = set()
    for p in prefixes:
        out |= patients_with([table], CohortCode(system, p))
    return out


def _coded(tables: Mapping[str, pd.DataFrame], role: str, system: str, what: str) -> pd.DataFrame:
    table = tables.get(role)
    if table is None or not CohortCode(system, "").holds(table):
        raise _unavailable(f"{what} needs a {role} table with {system} codes in the product")
    return table


def _lab_means(tables: Mapping[str, pd.DataFrame], codes: list[str]) -> pd.DataFrame:
    labs = tables.get("labs")
    if labs is None:
        raise _unavailable("lab features need a lab-result table (patient_id, loinc, value) in the product")
    obs = labs[labs["loinc"].astype(str).isin(codes)].copy()
    obs["value"] = pd.to_numeric(obs["value"], errors="coerce")
    wide = obs.pivot_table(index="patient_id", columns="loinc", values="value", aggfunc="mean")
    return wide.reindex(columns=codes)


def model_frame(tables: Mapping[str, pd.DataFrame], inputs: ModelInputs) -> tuple[pd.DataFrame, Array]:
    """One row per patient, one column per feature (``inputs.names``), and the 0/1 outcome."""
    out = inputs.outcome
    codes = list(inputs.loinc) + ([out.loinc] if out.loinc else [])
    means = _lab_means(tables, codes) if codes else pd.DataFrame()
    if inputs.loinc:
        patients = means.dropna(subset=list(inputs.loinc)).index
    else:
        ids: set[Any] = set()
        for t in tables.values():
            ids |= set(t["patient_id"])
        patients = pd.Index(sorted(ids))
    if out.loinc:
        patients = patients.intersection(means.index[means[out.loinc].notna()])
    frame = pd.DataFrame(index=patients)
    for c in inputs.loinc:
        frame[f"loinc:{c}"] = means.loc[patients, c].astype(float)
    flags: list[tuple[str, Flag]] = [("diagnoses", f) for f in inputs.diagnosis_flags]
    flags += [("medications", f) for f in inputs.medication_flags]
    for role, flag in flags:
        having = _patients_with(
            _coded(tables, role, flag.system, f"feature {flag.name}"), flag.system, (flag.prefix,)
        )
        frame[flag.name] = [1.0 if p in having else 0.0 for p in patients]
    if out.loinc:
        value = means.loc[patients, out.loinc].to_numpy(dtype=float)
        lo = -np.inf if out.min is None else out.min
        hi = np.inf if out.max is None else out.max
        y = ((value >= lo) & (value <= hi)).astype(float)
    else:
        positive = _patients_with(
            _coded(tables, "diagnoses", out.system, f"outcome {out.name}"), out.system, out.prefixes
        )
        y = np.array([1.0 if p in positive else 0.0 for p in patients])
    return frame, y


def unscaled_labs(inputs: ModelInputs, published: Mapping[str, tuple[float, float]]) -> list[str]:
    """Labs with neither a published nor a reference scale: a hospital scales them by its own rows,
    so one record's removal moves every row's scaled value (DP trees' split candidates and DP gradient
    descent's clipped gradients would then depend on the data)."""
    return [code for code in inputs.loinc if not (published.get(code) or REFERENCE_SCALES.get(code))]


def scales_for(
    frame: pd.DataFrame, inputs: ModelInputs, published: Mapping[str, tuple[float, float]], rows: Array
) -> tuple[Array, Array]:
    """(mean, sd) per column: published, else reference, else from this hospital's ``rows``; flags 0/1."""
    means, sds = np.zeros(frame.shape[1]), np.ones(frame.shape[1])
    for i, code in enumerate(inputs.loinc):
        scale = published.get(code) or REFERENCE_SCALES.get(code)
        if scale is None:
            own = frame.iloc[rows, i].to_numpy(dtype=float)
            scale = (float(own.mean()), float(own.std()) or 1.0) if len(own) else (0.0, 1.0)
        means[i], sds[i] = scale
    return means, sds


def in_test(patients: pd.Index, test: float) -> Array:
    return np.array(
        [
            int.from_bytes(hashlib.sha256(f"split:{p}".encode()).digest()[:4], "big") / 2**32 < test
            for p in patients
        ],
        dtype=bool,
    )


def asset_partition(
    hospital: str,
    tables: Mapping[str, pd.DataFrame],
    inputs: ModelInputs,
    published: Mapping[str, tuple[float, float]] | None = None,
    test: float = 0.25,
) -> Partition:
    frame, y = model_frame(tables, inputs)
    held = in_test(frame.index, test)
    means, sds = scales_for(frame, inputs, published or {}, np.flatnonzero(~held))
    x = (frame.to_numpy(dtype=float) - means) / sds
    return Partition(hospital, x[~held], y[~held], x[held], y[held])
