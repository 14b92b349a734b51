"""The hospital's risk model for encrypted scoring: logistic regression on lab results, trained on the
hospital's own assets, with the sigmoid replaced by a degree-3 polynomial that CKKS can evaluate.

The polynomial *is* the model that is served: plaintext and encrypted scores are compared against it.
Feature standardization is folded into the weights, so partners encrypt raw lab values in the units
listed in ``features``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.clinical import RISK_FEATURES, feature_table, labels
from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3
from node.errors import InvalidInput
from node.federated.metrics import auc

POLY_RANGE = 8.0  # the sigmoid is approximated on [-8, 8]: scores of more extreme inputs saturate poorly


@dataclass(frozen=True)
class RiskModel:
    product_id: str
    target: str  # ICD-10 prefix predicted, e.g. "E11"
    features: list[dict[str, str]]  # [{"loinc", "name", "unit"}]
    weights: list[float]  # on raw feature units (standardization folded in)
    bias: float
    poly: list[float]  # sigmoid ~ poly[0] + poly[1] z + poly[2] z^2 + poly[3] z^3
    training: dict[str, Any]  # rows, positives, AUC, calibration on the training data
    version: int = 1

    def digest(self) -> str:
        return sm3(canonical_json(self.public())).hex()

    def public(self) -> dict[str, Any]:
        """What a partner needs to encrypt inputs and interpret scores (weights stay at the hospital)."""
        return {
            "product_id": self.product_id,
            "version": self.version,
            "target": self.target,
            "features": self.features,
            "output": "risk probability, sigmoid approximated by a degree-3 polynomial on [-8, 8]",
        }

    def z(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.asarray(x @ np.asarray(self.weights) + self.bias)

    def predict(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The served model in plaintext: the polynomial, exactly as evaluated under encryption."""
        z = self.z(x)
        p = self.poly
        return np.asarray(p[0] + p[1] * z + p[2] * z**2 + p[3] * z**3)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        return cls(**json.loads(text))


def sigmoid_polynomial() -> list[float]:
    """Least-squares degree-3 odd polynomial for the sigmoid on [-POLY_RANGE, POLY_RANGE]."""
    z = np.linspace(-POLY_RANGE, POLY_RANGE, 2001)
    y = 1 / (1 + np.exp(-z)) - 0.5
    a = np.stack([z, z**3], axis=1)
    c1, c3 = np.linalg.lstsq(a, y, rcond=None)[0]
    return [0.5, float(c1), 0.0, float(c3)]


def train_risk_model(
    product_id: str,
    observations: pd.DataFrame,
    conditions: pd.DataFrame,
    target: str = "E11",
    l2: float = 1e-2,
) -> RiskModel:
    x_df = feature_table(observations)
    y = labels(conditions, x_df.index, target)
    if len(y) < 50 or y.sum() < 5 or (len(y) - y.sum()) < 5:
        raise InvalidInput(
            f"too few patients to train ({len(y)} with all labs, {int(y.sum())} with {target})",
            code="he_model_too_little_data",
        )
    x = x_df.to_numpy(dtype=float)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(2000):  # full-batch gradient descent on the L2-regularized log loss
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        grad = p - y
        w -= 0.5 * (xs.T @ grad / len(y) + l2 * w)
        b -= 0.5 * float(grad.mean())
    # shrink so that training inputs stay inside the polynomial's range
    z_max = float(np.percentile(np.abs(xs @ w + b), 99))
    if z_max > POLY_RANGE * 0.75:
        shrink = POLY_RANGE * 0.75 / z_max
        w, b = w * shrink, b * shrink
    weights = w / std
    bias = b - float((w * mean / std).sum())
    model = RiskModel(
        product_id=product_id,
        target=target,
        features=[{"loinc": c, "name": n, "unit": u} for c, n, u in RISK_FEATURES],
        weights=[float(v) for v in weights],
        bias=float(bias),
        poly=sigmoid_polynomial(),
        training={},
    )
    scores = model.predict(x)
    bins = np.clip((scores * 10).astype(int), 0, 9)
    calibration = [
        {
            "bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}",
            "n": int((bins == i).sum()),
            "observed": float(y[bins == i].mean()),
        }
        for i in range(10)
        if (bins == i).any()
    ]
    training = {
        "patients": len(y),
        "positives": int(y.sum()),
        "auc": round(auc(y, scores), 4),
        "brier": round(float(((scores - y) ** 2).mean()), 4),
        "calibration": calibration,
    }
    return RiskModel(**{**asdict(model), "training": training})
