"""Gradient-boosted trees (XGBoost) trained by Flower's bagging approach.

Each round every hospital boosts ``local_epochs`` trees on top of the global model and sends only
those new trees (the booster's JSON, as one uint8 array); the coordinator appends every hospital's
trees to the global model (``flwr``'s ``aggregate_bagging``). The trees themselves reach the
coordinator: they cannot be summed under secure aggregation, and their split thresholds are derived
from the hospital's data (so jobs with trees run without SecAgg+ or DP, as the job spec enforces).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from node.errors import InvalidInput

Array = np.ndarray[Any, Any]
MAX_MODEL_BYTES = 64 * 1024 * 1024


def _xgb() -> Any:
    import xgboost  # loaded only where trees are trained or scored

    return xgboost


class BoostedTrees:
    """A ``Model`` whose parameters are one uint8 array: the booster's JSON (empty before round 1).
    ``set`` takes the global model; ``fit`` boosts on it and ``get`` then returns the new trees only."""

    def __init__(self, features: int, max_depth: int = 3, seed: int = 0) -> None:
        self.features, self.max_depth, self.seed = features, max_depth, seed
        self.blob = b""

    def get(self) -> list[Array]:
        return [np.frombuffer(self.blob, dtype=np.uint8).copy()]

    def set(self, arrays: list[Array]) -> None:
        if len(arrays) != 1 or np.asarray(arrays[0]).dtype != np.uint8 or arrays[0].ndim != 1:
            raise InvalidInput("a tree model travels as one byte array", code="fl_update_malformed")
        if arrays[0].size > MAX_MODEL_BYTES:
            raise InvalidInput("the tree model is too large", code="fl_update_malformed")
        self.blob = arrays[0].tobytes()

    def _booster(self) -> Any:
        xgb = _xgb()
        booster = xgb.Booster(params={"nthread": 1})
        if self.blob:
            try:
                booster.load_model(bytearray(self.blob))
            except xgb.core.XGBoostError:
                raise InvalidInput("not a tree model", code="fl_update_malformed") from None
            if booster.num_features() != self.features:
                raise InvalidInput(
                    "the tree model reads another number of features", code="fl_update_malformed"
                )
        return booster

    def fit(self, x: Array, y: Array, epochs: int, lr: float) -> float:
        xgb = _xgb()
        params = {
            "objective": "binary:logistic",
            "eta": min(lr, 1.0),
            "max_depth": self.max_depth,
            "tree_method": "hist",
            "nthread": 1,
            "seed": self.seed,
            "eval_metric": "logloss",
        }
        data = xgb.DMatrix(x, label=y)
        start = self._booster() if self.blob else None
        booster = xgb.train(params, data, num_boost_round=epochs, xgb_model=start)
        done = booster.num_boosted_rounds()
        self.blob = bytes(booster[done - epochs : done].save_raw("json"))  # the new trees only
        p = np.clip(booster.predict(data), 1e-9, 1 - 1e-9)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

    def predict(self, x: Array) -> Array:
        if not self.blob:
            return np.full(len(x), 0.5)
        return np.asarray(self._booster().predict(_xgb().DMatrix(x)), dtype=float)
