"""Models a hospital trains locally: logistic regression and a one-hidden-layer MLP, in NumPy,
gradient-boosted trees (``node.federated.trees``, XGBoost) and differentially private boosted trees
(``node.federated.dp_trees``, NumPy).

Parameters travel as a list of arrays (Flower ArrayRecords); training is full-batch gradient descent
with L2, the same code centrally and at every hospital, so federated and centralized runs compare.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from node.errors import InvalidInput
from node.federated.dp_trees import DpTrees, TreePlan
from node.federated.logistic import log_loss, sigmoid
from node.federated.trees import BoostedTrees
from node.queries.noise import gaussian_noise

Array = np.ndarray[Any, Any]


class Model(Protocol):
    def get(self) -> list[Array]: ...

    def set(self, arrays: list[Array]) -> None: ...

    def fit(self, x: Array, y: Array, epochs: int, lr: float) -> float:
        """Train in place; return the final training log loss."""
        ...

    def predict(self, x: Array) -> Array: ...


class LogisticRegression:
    def __init__(self, features: int, l2: float = 1e-3) -> None:
        self.w = np.zeros(features)
        self.b = np.zeros(1)
        self.l2 = l2

    def get(self) -> list[Array]:
        return [self.w.copy(), self.b.copy()]

    def set(self, arrays: list[Array]) -> None:
        _check_shapes(arrays, [self.w.shape, self.b.shape])
        self.w, self.b = (np.array(a, dtype=float) for a in arrays)

    def predict(self, x: Array) -> Array:
        return sigmoid(x @ self.w + self.b[0])

    def fit(self, x: Array, y: Array, epochs: int, lr: float) -> float:
        for _ in range(epochs):
            p = self.predict(x)
            g = p - y
            self.w -= lr * (x.T @ g / len(y) + self.l2 * self.w)
            self.b -= lr * g.mean()
        return log_loss(y, self.predict(x))

    def fit_dp(self, x: Array, y: Array, epochs: int, lr: float, clip: float, noise: float) -> float:
        """DP gradient descent: each record's gradient clipped to ``clip``, Gaussian noise of standard
        deviation ``noise * clip`` (OpenDP's sampler) added to the sum before averaging."""
        for _ in range(epochs):
            g = (self.predict(x) - y)[:, None] * np.hstack([x, np.ones((len(y), 1))])
            norms = np.maximum(np.linalg.norm(g, axis=1) / clip, 1.0)
            total = (g / norms[:, None]).sum(axis=0) + np.array(gaussian_noise(g.shape[1], noise * clip))
            step = total / len(y)
            self.w -= lr * (step[:-1] + self.l2 * self.w)
            self.b -= lr * step[-1]
        return log_loss(y, self.predict(x))


class Mlp:
    """features -> hidden (tanh) -> 1 (sigmoid)."""

    def __init__(self, features: int, hidden: int = 16, l2: float = 1e-3, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w1 = rng.normal(0, 1 / np.sqrt(features), (features, hidden))
        self.b1 = np.zeros(hidden)
        self.w2 = rng.normal(0, 1 / np.sqrt(hidden), hidden)
        self.b2 = np.zeros(1)
        self.l2 = l2

    def get(self) -> list[Array]:
        return [a.copy() for a in (self.w1, self.b1, self.w2, self.b2)]

    def set(self, arrays: list[Array]) -> None:
        _check_shapes(arrays, [a.shape for a in (self.w1, self.b1, self.w2, self.b2)])
        self.w1, self.b1, self.w2, self.b2 = (np.array(a, dtype=float) for a in arrays)

    def predict(self, x: Array) -> Array:
        return sigmoid(np.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2[0])

    def fit(self, x: Array, y: Array, epochs: int, lr: float) -> float:
        for _ in range(epochs):
            h = np.tanh(x @ self.w1 + self.b1)
            p = sigmoid(h @ self.w2 + self.b2[0])
            g = (p - y) / len(y)
            gh = np.outer(g, self.w2) * (1 - h**2)
            self.w2 -= lr * (h.T @ g + self.l2 * self.w2)
            self.b2 -= lr * g.sum()
            self.w1 -= lr * (x.T @ gh + self.l2 * self.w1)
            self.b1 -= lr * gh.sum(axis=0)
        return log_loss(y, self.predict(x))

    def fit_dp(self, x: Array, y: Array, epochs: int, lr: float, clip: float, noise: float) -> float:
        """DP gradient descent as ``LogisticRegression.fit_dp``: every record's gradient (all four
        arrays together) clipped to ``clip`` in L2 norm, Gaussian noise of standard deviation
        ``noise * clip`` on each coordinate of the sum. A record's gradient of ``w1`` is the outer
        product of its features and its hidden-layer error, whose norm is the product of theirs."""
        sizes = [self.w1.size, self.b1.size, self.w2.size, 1]
        for _ in range(epochs):
            h = np.tanh(x @ self.w1 + self.b1)
            e = sigmoid(h @ self.w2 + self.b2[0]) - y  # per record: d loss / d logit
            gh = np.outer(e, self.w2) * (1 - h**2)  # per record: d loss / d hidden pre-activation
            norms = np.sqrt(
                (x**2).sum(axis=1) * (gh**2).sum(axis=1)
                + (gh**2).sum(axis=1)
                + e**2 * ((h**2).sum(axis=1) + 1)
            )
            c = 1.0 / np.maximum(norms / clip, 1.0)
            noise_all = np.array(gaussian_noise(sum(sizes), noise * clip))
            n1, nb1, n2, nb2 = np.split(noise_all, np.cumsum(sizes)[:-1])
            ce, cgh = c * e, c[:, None] * gh
            self.w1 -= lr * ((x.T @ cgh + n1.reshape(self.w1.shape)) / len(y) + self.l2 * self.w1)
            self.b1 -= lr * (cgh.sum(axis=0) + nb1) / len(y)
            self.w2 -= lr * ((h.T @ ce + n2) / len(y) + self.l2 * self.w2)
            self.b2 -= lr * (ce.sum() + nb2) / len(y)
        return log_loss(y, self.predict(x))


def _check_shapes(arrays: list[Array], expected: list[tuple[int, ...]]) -> None:
    got = [tuple(np.shape(a)) for a in arrays]
    if got != expected or not all(np.isfinite(np.asarray(a, dtype=float)).all() for a in arrays):
        raise InvalidInput(
            f"model update has shapes {got}, expected {expected}, or non-finite values",
            code="fl_update_malformed",
        )


def make_model(kind: str, features: int, plan: TreePlan | None = None) -> Model:
    """A fresh model; ``plan`` shapes DP trees (``JobSpec.new_model`` derives it from the job)."""
    if kind == "logreg":
        return LogisticRegression(features)
    if kind == "mlp":
        return Mlp(features)
    if kind == "xgboost":
        return BoostedTrees(features)
    if kind == "dp_trees":
        return DpTrees(features, plan)
    raise InvalidInput("model must be logreg, mlp, xgboost or dp_trees", code="fl_model_unknown")
