"""The served risk model's outputs: inputs clipped to published bounds, the polynomial's interval
covering every clipped input, scores in [0, 1], input columns matched to features by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from node.asset_registry.clinical import RISK_FEATURES, CohortCode
from node.errors import InvalidInput
from node.he_query.model import RiskModel, column_order, train_risk_model

CODES = [c for c, _, _ in RISK_FEATURES]


def _hospital(n: int, seed: int, shift: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Labs in the features' units (glucose, HbA1c, cholesterol, creatinine, SBP, BMI); diabetics have
    high glucose and HbA1c. ``shift`` moves a second population's labs (another hospital's applicants)."""
    rng = np.random.default_rng(seed)
    sick = rng.random(n) < 0.3
    centre = np.array([5.2, 5.6, 4.7, 75.0, 125.0, 23.5]) * (1 + shift)
    spread = np.array([1.0, 0.6, 0.9, 18.0, 14.0, 3.2])
    x = centre + spread * rng.standard_normal((n, 6))
    x[sick, 0] += 3.5
    x[sick, 1] += 2.0
    ids = [f"p{i}" for i in range(n)]
    obs = pd.DataFrame(
        [
            {"patient_id": p, "loinc": c, "value": float(x[i, j])}
            for i, p in enumerate(ids)
            for j, c in enumerate(CODES)
        ]
    )
    cond = pd.DataFrame({"patient_id": [p for p, s in zip(ids, sick, strict=True) if s], "icd10": "E11.9"})
    return obs, cond


@pytest.fixture(scope="module")
def model() -> RiskModel:
    obs, cond = _hospital(600, 1)
    return train_risk_model("pd_x", obs, [cond], CohortCode("icd10", "E11"))


def _rows(obs: pd.DataFrame) -> np.ndarray:
    return (
        obs.pivot_table(index="patient_id", columns="loinc", values="value").reindex(columns=CODES).to_numpy()
    )


def test_the_polynomial_interval_covers_every_clipped_input(model: RiskModel) -> None:
    lo, hi = model.z_interval
    bounds = np.array(model.clip_bounds())
    assert bounds.shape == (6, 2) and np.all(bounds[:, 0] < bounds[:, 1])
    # the corners of the clipped input box are the extreme linear scores
    w = np.array(model.weights)
    z_max = model.bias + np.maximum(w * bounds[:, 0], w * bounds[:, 1]).sum()
    z_min = model.bias + np.minimum(w * bounds[:, 0], w * bounds[:, 1]).sum()
    assert lo <= z_min and z_max <= hi
    public = model.public()
    assert public["polynomial_interval"] == [lo, hi]
    assert [f["clip"] for f in public["features"]] == [list(b) for b in model.clip_bounds()]


def test_scores_stay_in_0_1_for_any_input_once_clipped(model: RiskModel) -> None:
    obs, _ = _hospital(200, 2, shift=0.6)  # a population far from the training one
    raw = _rows(obs)
    wild = np.vstack([raw, raw * 50, -raw, np.full((1, 6), 1e6)])
    scores = model.predict(model.clip(wild))
    assert np.all((scores >= 0) & (scores <= 1)), (scores.min(), scores.max())
    # monotone in z: clipping never reorders applicants the linear model ranks apart
    z = np.linspace(*model.z_interval, 401)
    p = model.poly
    assert np.all(np.diff(p[0] + p[1] * z + p[2] * z**2 + p[3] * z**3) >= 0)


def test_the_model_still_discriminates_and_its_risks_are_calibrated(model: RiskModel) -> None:
    assert model.training["auc"] > 0.9 and model.training["brier"] < model.training["served_score_brier"]
    obs, cond = _hospital(400, 7)  # held out: another draw of the same population
    rows = obs.pivot_table(index="patient_id", columns="loinc", values="value").reindex(columns=CODES)
    sick = rows.index.isin(set(cond["patient_id"]))
    risk = model.risk(rows.to_numpy())
    served = model.predict(model.clip(rows.to_numpy()))
    assert np.all((risk > 0) & (risk < 1))
    assert float(((risk - sick) ** 2).mean()) < 0.5 * float(((served - sick) ** 2).mean())
    public = model.public()["calibration"]
    assert public == {"method": "platt", "a": model.platt[0], "b": model.platt[1]}


@pytest.mark.parametrize(
    ("header", "order"),
    [
        (CODES, [0, 1, 2, 3, 4, 5]),
        ([CODES[1], CODES[0], *CODES[2:]], [1, 0, 2, 3, 4, 5]),  # swapped: read by name, not position
        (["葡萄糖", "糖化血红蛋白", "总胆固醇", "肌酐", "收缩压", "体重指数"], [0, 1, 2, 3, 4, 5]),
        (["applicant", *CODES], [1, 2, 3, 4, 5, 6]),  # an id column is ignored only if named as such
    ],
)
def test_columns_are_matched_by_name(model: RiskModel, header: list[str], order: list[int]) -> None:
    assert column_order(model.public()["features"], header, ignore={"applicant"}) == order


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (["glucose", "hba1c", "chol", "creat", "sbp", "bmi"], "unknown column"),
        (CODES[:5], "missing"),
        ([CODES[0], *CODES], "twice"),
    ],
)
def test_misnamed_or_missing_columns_are_refused(model: RiskModel, header: list[str], fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        column_order(model.public()["features"], header)
    assert fragment in err.value.message and err.value.code == "he_columns_mismatch"
