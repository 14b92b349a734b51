"""Generated patients for the realistic federated benchmark (``hnode fl bench --workload realistic``).

Each hospital generates its own patients from the job's seed and its index, so a SuperNode needs no
file and every process that asks for a hospital's partition gets the same rows. Hospitals differ in
case mix (non-IID): an older tertiary hospital, a younger community hospital, a diabetes centre
(ages, BMI, diabetes and smoking prevalence, prescribing). What a hospital records: age, sex, BMI,
HbA1c, fasting glucose, eGFR, LDL, systolic blood pressure, diagnosis flags (type 2 diabetes,
hypertension, chronic kidney disease), smoking, and medication flags (metformin, insulin, statin).

The outcome, a cardiovascular or renal event within a year, is the same function of the features at
every hospital (covariate shift only): convex in age, U-shaped in BMI, thresholds in HbA1c and eGFR,
interactions (HbA1c with metformin, LDL with statins, smoking with sex), plus an unmeasured frailty
term, drawn as a Bernoulli outcome. A linear model cannot represent it exactly; an MLP or trees can.

Features are scaled by fixed reference values (as a product publishes them), not by a hospital's
own rows, so no statistics need pooling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

FEATURES = (
    "age", "female", "bmi", "hba1c", "glucose", "egfr", "ldl", "sbp",
    "dx_t2d", "dx_hypertension", "dx_ckd", "smoker", "med_metformin", "med_insulin", "med_statin",
)  # fmt: skip
# reference centre and scale of each continuous feature; flags stay 0/1
SCALES = {
    "age": (60.0, 15.0),
    "bmi": (27.0, 5.0),
    "hba1c": (6.5, 1.5),
    "glucose": (7.0, 2.5),
    "egfr": (80.0, 25.0),
    "ldl": (3.0, 1.0),
    "sbp": (130.0, 18.0),
}


@dataclass(frozen=True)
class Profile:
    """A hospital's case mix."""

    age_mean: float
    age_sd: float
    female: float
    bmi_shift: float
    diabetes_shift: float  # added to the logit of type 2 diabetes
    smoker: float
    metformin: float  # share of diabetics on metformin


PROFILES = (
    Profile(64.0, 13.0, 0.47, 0.0, 0.0, 0.18, 0.70),  # tertiary: older, sicker
    Profile(48.0, 16.0, 0.55, -1.0, -0.6, 0.28, 0.60),  # community: younger, more smokers
    Profile(58.0, 12.0, 0.50, 2.0, 1.6, 0.20, 0.90),  # diabetes centre
)


def _logistic(z: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def patients(hospital: int, n: int, seed: int) -> tuple[Array, Array]:
    """``n`` patients of hospital ``hospital`` (0-based): raw features (columns as ``FEATURES``) and
    the 0/1 outcome. Deterministic in (hospital, n, seed)."""
    p = PROFILES[hospital % len(PROFILES)]
    rng = np.random.default_rng([seed, hospital])
    age = np.clip(rng.normal(p.age_mean, p.age_sd, n), 18, 95)
    female = (rng.random(n) < p.female).astype(float)
    bmi = np.clip(26.0 + 0.04 * (age - 50) + p.bmi_shift - 0.6 * female + rng.normal(0, 4.5, n), 15, 60)
    t2d = (
        rng.random(n) < _logistic(-2.0 + 0.045 * (age - 55) + 0.16 * (bmi - 27) + p.diabetes_shift)
    ).astype(float)
    metformin = t2d * (rng.random(n) < p.metformin)
    hba1c = np.where(t2d == 1, rng.normal(7.6, 1.3, n) - 0.4 * metformin, rng.normal(5.4, 0.4, n))
    hba1c = np.clip(hba1c, 4.0, 14.0)
    insulin = t2d * (rng.random(n) < _logistic(-2.5 + 1.2 * (hba1c - 8)))
    glucose = np.clip(1.59 * hba1c - 2.59 + rng.normal(0, 1.0, n), 3.0, 25.0)
    egfr = np.clip(
        115 - 0.9 * np.maximum(age - 30, 0) - 10 * t2d * (hba1c > 8) + rng.normal(0, 14, n), 5, 150
    )
    ckd = ((egfr < 60) & (rng.random(n) < 0.85)).astype(float)
    smoker = (rng.random(n) < p.smoker).astype(float)
    statin = (rng.random(n) < _logistic(-1.8 + 0.05 * (age - 55) + 1.1 * t2d + 0.8 * ckd)).astype(float)
    ldl = np.clip(rng.normal(3.3, 0.9, n) - 1.0 * statin, 0.8, 8.0)
    sbp = np.clip(122 + 0.5 * (age - 50) + 0.8 * (bmi - 27) + rng.normal(0, 15, n), 85, 230)
    hypertension = ((sbp > 140) & (rng.random(n) < 0.8) | (rng.random(n) < 0.05)).astype(float)
    x = np.column_stack(
        [age, female, bmi, hba1c, glucose, egfr, ldl, sbp, t2d, hypertension, ckd, smoker,
         metformin, insulin, statin]
    )  # fmt: skip
    logit = risk(x) + rng.normal(0, 0.5, n)  # unmeasured frailty
    y = (rng.random(n) < _logistic(logit)).astype(float)
    return x, y


def risk(x: Array) -> Array:
    """The outcome's log-odds from the raw features, before the unmeasured frailty."""
    c = {name: x[:, i] for i, name in enumerate(FEATURES)}
    age, bmi, hba1c, egfr, ldl, sbp = (c[k] for k in ("age", "bmi", "hba1c", "egfr", "ldl", "sbp"))
    male = 1 - c["female"]
    return np.asarray(
        -3.2
        + 0.035 * (age - 60)
        + 0.0012 * (age - 60) ** 2  # convex in age
        + 0.012 * (bmi - 26) ** 2  # U-shaped in BMI
        + 0.7
        * np.maximum(hba1c - 7.5, 0)
        * (1 - 0.6 * c["med_metformin"])  # HbA1c above 7.5, unless metformin
        + 0.6 * (egfr < 60)
        + 0.9 * (egfr < 30)  # CKD stages
        + 0.6 * np.maximum(ldl - 3.0, 0) * (1 - c["med_statin"])  # LDL above 3, untreated
        + 0.8 * c["smoker"] * male
        + 0.2 * c["smoker"]
        + 0.025 * np.maximum(sbp - 140, 0)  # uncontrolled blood pressure
        + 0.3 * c["med_insulin"]
    )


def scale(x: Array) -> Array:
    """Features on the reference scales (flags unchanged)."""
    out = x.astype(float, copy=True)
    for name, (centre, spread) in SCALES.items():
        i = FEATURES.index(name)
        out[:, i] = (out[:, i] - centre) / spread
    return out
