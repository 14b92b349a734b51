"""Model quality: discrimination (AUC), accuracy and calibration (expected calibration error and the
Brier score)."""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def auc(y: Array, score: Array) -> float:
    """Area under the ROC curve (Mann-Whitney U with tied scores sharing their mean rank)."""
    y, score = np.asarray(y), np.asarray(score, dtype=float)
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    if (counts > 1).any():
        sums = np.bincount(inverse, weights=ranks)
        ranks = (sums / counts)[inverse]
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def accuracy(y: Array, score: Array, threshold: float = 0.5) -> float:
    return float(((np.asarray(score) >= threshold) == (np.asarray(y) == 1)).mean())


def expected_calibration_error(y: Array, score: Array, bins: int = 10) -> float:
    """Weighted mean |observed rate - mean predicted| over equal-width probability bins."""
    y, score = np.asarray(y, dtype=float), np.asarray(score, dtype=float)
    idx = np.clip((score * bins).astype(int), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() * abs(y[mask].mean() - score[mask].mean())
    return float(total / len(y))


def brier(y: Array, score: Array) -> float:
    """Mean squared difference between the predicted probability and the 0/1 outcome."""
    return float(((np.asarray(score, dtype=float) - np.asarray(y, dtype=float)) ** 2).mean())


def report(y: Array, score: Array) -> dict[str, float]:
    return {
        "auc": round(auc(y, score), 4),
        "accuracy": round(accuracy(y, score), 4),
        "ece": round(expected_calibration_error(y, score), 4),
        "brier": round(brier(y, score), 4),
        "n": float(len(y)),
    }
