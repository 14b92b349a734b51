"""The hospital's risk model for encrypted scoring: logistic regression on lab results, trained on the
hospital's own assets, with the sigmoid replaced by a degree-3 polynomial that CKKS can evaluate.

The polynomial *is* the model that is served: plaintext and encrypted scores are compared against it.
Feature standardization is folded into the weights, so partners encrypt raw lab values in the units
listed in ``features``, each clipped first to its published ``clip`` bounds (the training mean plus or
minus ``CLIP_SD`` standard deviations). The node cannot clip what it cannot read, so the bounds are
published and the partner's client clips; every input inside them gives a linear score inside the
``polynomial_interval``, on which the polynomial is monotone and stays within [0, 1].
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.clinical import RISK_FEATURES, CohortCode, feature_table, labels
from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3
from node.errors import InvalidInput
from node.federated.metrics import auc

CLIP_SD = 3.0  # inputs are clipped to the training mean +- 3 standard deviations of each feature
Z_CANDIDATES = (3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0)  # polynomial intervals tried; the best Brier wins


@dataclass(frozen=True)
class RiskModel:
    product_id: str
    target: str  # the cohort predicted (``CohortCode``), e.g. "E11" or "snomed_ct|44054006"
    features: list[dict[str, str]]  # [{"loinc", "name", "unit"}]
    weights: list[float]  # on raw feature units (standardization folded in)
    bias: float
    poly: list[float]  # sigmoid ~ poly[0] + poly[1] z + poly[2] z^2 + poly[3] z^3 on z_interval
    training: dict[str, Any]  # rows, positives, AUC, calibration on the training data
    version: int = 1
    clip_low: list[float] = field(default_factory=list)  # per feature, raw units
    clip_high: list[float] = field(default_factory=list)
    z_bound: float = 8.0  # the polynomial was fitted on [-z_bound, z_bound]
    platt: list[float] = field(default_factory=list)  # [a, b]: risk = sigmoid(a * score + b), public

    @property
    def z_interval(self) -> tuple[float, float]:
        return (-self.z_bound, self.z_bound)

    def clip_bounds(self) -> list[tuple[float, float]]:
        if len(self.clip_low) != len(self.features):
            raise InvalidInput(
                "this risk model predates input bounds: train it again", code="he_model_outdated"
            )
        return list(zip(self.clip_low, self.clip_high, strict=True))

    def clip(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Raw inputs clipped to the published bounds, as the partner's client does before encrypting."""
        bounds = np.array(self.clip_bounds())
        return np.asarray(np.clip(np.asarray(x, dtype=float), bounds[:, 0], bounds[:, 1]))

    def digest(self) -> str:
        return sm3(canonical_json(self.public())).hex()

    def public(self) -> dict[str, Any]:
        """What a partner needs to encrypt inputs and interpret scores (weights stay at the hospital)."""
        return {
            "product_id": self.product_id,
            "version": self.version,
            "target": self.target,
            "features": [
                {**f, "clip": [lo, hi]} for f, (lo, hi) in zip(self.features, self.clip_bounds(), strict=True)
            ],
            "polynomial_interval": list(self.z_interval),
            "calibration": {"method": "platt", "a": self.platt[0], "b": self.platt[1]}
            if self.platt
            else None,
            "output": (
                "score: the sigmoid approximated by a monotone degree-3 polynomial within [0, 1] on "
                f"[{-self.z_bound:g}, {self.z_bound:g}]; clip every input to its feature's bounds before "
                "encrypting, clip the decrypted score s to [0, 1] (CKKS adds noise of about 1e-6); the risk "
                "probability is 1 / (1 + exp(-(a s + b))) with the calibration's a and b"
            ),
        }

    def z(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.asarray(x @ np.asarray(self.weights) + self.bias)

    def predict(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The served model in plaintext: the polynomial, exactly as evaluated under encryption."""
        z = self.z(x)
        p = self.poly
        return np.asarray(p[0] + p[1] * z + p[2] * z**2 + p[3] * z**3)

    def calibrate(self, scores: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Risk probabilities from served scores (clipped to [0, 1]), by the published Platt map."""
        s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
        if not self.platt:
            return np.asarray(s)
        return np.asarray(1 / (1 + np.exp(-(self.platt[0] * s + self.platt[1]))))

    def risk(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """What a partner ends with, in plaintext: clip, score, calibrate."""
        return self.calibrate(self.predict(self.clip(x)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        return cls(**json.loads(text))


def sigmoid_polynomial(z_bound: float) -> list[float]:
    """Least-squares odd cubic for the sigmoid on [-z_bound, z_bound] among those that are monotone there
    and stay within [0, 1]: the slopes s0 at 0 and sZ at z_bound are >= 0 and p(z_bound) <= 1, a
    triangle in (s0, sZ); the optimum is inside it or on one of its edges."""
    big = float(z_bound)
    z = np.linspace(-big, big, 2001)
    y = 1 / (1 + np.exp(-z)) - 0.5
    # p(z) - 0.5 = a z + c z^3 with a = s0 and c = (sZ - s0) / (3 Z^2)
    basis = np.stack([z - z**3 / (3 * big**2), z**3 / (3 * big**2)], axis=1)

    def loss(theta: np.ndarray[Any, Any]) -> float:
        return float(((basis @ theta - y) ** 2).sum())

    free = np.linalg.lstsq(basis, y, rcond=None)[0]
    top = 1.5 / big  # p(Z) = 0.5 + Z (2 s0 + sZ) / 3 <= 1
    corners = [np.array([0.0, 0.0]), np.array([top / 2, 0.0]), np.array([0.0, top])]
    candidates = []
    if free[0] >= 0 and free[1] >= 0 and 2 * free[0] + free[1] <= top:
        candidates.append(free)
    for i in range(3):
        p, q = corners[i], corners[(i + 1) % 3]
        d = basis @ (q - p)
        t = float(np.clip(d @ (y - basis @ p) / max(float(d @ d), 1e-300), 0.0, 1.0))
        candidates.append(p + t * (q - p))
    s0, s_z = min(candidates, key=loss)
    return [0.5, float(s0), 0.0, float((s_z - s0) / (3 * big**2))]


def column_order(
    features: Sequence[dict[str, Any]], header: Sequence[str], ignore: Collection[str] = ()
) -> list[int]:
    """For each of the model's features, the index of the input column that holds it, matched by LOINC
    code or name (never by position); columns named in ``ignore`` (e.g. an applicant id) are skipped."""
    names = {}
    for j, f in enumerate(features):
        for key in ("loinc", "name"):
            names[str(f[key]).strip().casefold()] = j
    found: dict[int, int] = {}
    unknown, twice = [], []
    skip = {i.casefold() for i in ignore}
    for i, column in enumerate(header):
        key = column.strip().casefold()
        if key in skip:
            continue
        if key not in names:
            unknown.append(column)
        elif names[key] in found:
            twice.append(column)
        else:
            found[names[key]] = i
    missing = [f"{f['loinc']} {f['name']}" for j, f in enumerate(features) if j not in found]
    problems = []
    if unknown:
        problems.append("unknown column(s) " + ", ".join(unknown))
    if twice:
        problems.append("feature given twice: " + ", ".join(twice))
    if missing:
        problems.append("missing feature(s) " + ", ".join(missing))
    if problems:
        raise InvalidInput(
            "the input's columns do not match the model's features by name (LOINC code or name): "
            + "; ".join(problems),
            code="he_columns_mismatch",
        )
    return [found[j] for j in range(len(features))]


def _brier_and_scores(
    model: RiskModel, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]
) -> tuple[float, np.ndarray[Any, Any]]:
    scores = model.predict(model.clip(x))
    return float(((scores - y) ** 2).mean()), scores


def _platt(scores: np.ndarray[Any, Any], y: np.ndarray[Any, Any], steps: int = 5000) -> list[float]:
    """Logistic regression of the labels on the served score (gradient descent from the identity-like
    start; a fixed number of steps keeps separable training data from sending the slope to infinity)."""
    s = np.clip(scores, 0.0, 1.0)
    a, b = 4.0, -2.0
    for _ in range(steps):
        g = 1 / (1 + np.exp(-(a * s + b))) - y
        a -= 2.0 * float((g * s).mean())
        b -= 2.0 * float(g.mean())
    return [float(a), float(b)]


def train_risk_model(
    product_id: str,
    observations: pd.DataFrame,
    coded: list[pd.DataFrame],
    target: CohortCode,
    l2: float = 1e-2,
) -> RiskModel:
    x_df = feature_table(observations)
    y = labels(coded, x_df.index, target)
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
    # every clipped input lies in [-CLIP_SD, CLIP_SD] standardized, so |z| <= |b| + CLIP_SD * sum|w|;
    # for each candidate interval, scale (w, b) so that bound fits in it (ranking unchanged), fit the
    # polynomial there, and keep the interval whose scores are best calibrated on the training data
    bound = abs(b) + CLIP_SD * float(np.abs(w).sum())
    best: tuple[float, RiskModel] | None = None
    for z_bound in Z_CANDIDATES:
        shrink = min(1.0, z_bound * (1 - 1e-9) / bound)  # the margin absorbs rounding
        ws, bs = w * shrink, b * shrink
        candidate = RiskModel(
            product_id=product_id,
            target=str(target),
            features=[{"loinc": c, "name": n, "unit": u} for c, n, u in RISK_FEATURES],
            weights=[float(v) for v in ws / std],
            bias=float(bs - float((ws * mean / std).sum())),
            poly=sigmoid_polynomial(z_bound),
            training={},
            clip_low=[float(v) for v in mean - CLIP_SD * std],
            clip_high=[float(v) for v in mean + CLIP_SD * std],
            z_bound=z_bound,
        )
        brier, _ = _brier_and_scores(candidate, x, y)
        if best is None or brier < best[0]:
            best = (brier, candidate)
    assert best is not None
    served_brier, served = _brier_and_scores(best[1], x, y)
    # the cubic compresses scores towards 0.5: a Platt map fitted on the training data (published,
    # applied by the partner after decryption) turns them back into calibrated probabilities
    model = RiskModel(**{**asdict(best[1]), "platt": _platt(served, y)})
    scores = model.calibrate(served)
    brier = float(((scores - y) ** 2).mean())
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
        "brier": round(brier, 4),
        "served_score_brier": round(served_brier, 4),
        "calibration": calibration,
    }
    return RiskModel(**{**asdict(model), "training": training})
