"""Differentially private gradient-boosted trees for federated jobs (model ``dp_trees``), after
Maddock et al. 2022 ("Federated Boosted Decision Trees with Differential Privacy", totally random
trees with batched updates) and DPBoost (Li et al. 2020).

Split candidates do not come from the rows: every tree's shape (feature and threshold of each inner
node) is drawn from the job's seed and the tree's index, so every hospital and the coordinator
derive the same trees without exchanging them. A threshold is one of ``CANDIDATES``: quantiles of the
standard normal, the public reference scale on which the product publishes its features (the
realistic workload's ``synthetic.SCALES``, a product's ``scales``); a 0/1 flag splits at 0.5.

Each round a hospital builds the next ``batch`` trees on the current model: per record the logistic
loss's gradient g = p - y and hessian h = p (1 - p), clipped to |g| <= C and 0 <= h <= C_H
(``HESSIAN_BOUND``, the logistic bound), summed per leaf. A record falls in exactly one leaf of
each tree, so adding or removing one record changes the round's release, the B trees' gradient sums
G and hessian sums scaled by C / C_H, by at most ``sensitivity`` = C * sqrt(2 B) in L2 norm. Gaussian
noise of standard deviation z * C * sqrt(2 B) on every G and z * C_H * sqrt(2 B) on every H makes the
round one Gaussian mechanism with noise multiplier z, which ``privacy.epsilon`` composes over rounds.

Under SecAgg+ the coordinator sees only the sum of the hospitals' releases, and Flower's SecAgg+
unmasks a sum only if at least its reconstruction threshold t of hospitals are in it; each hospital
then adds noise of multiplier z / sqrt(t) (variance sigma^2 / t), so every sum the coordinator can
see carries at least sigma^2: the same Gaussian mechanism for that sum (distributed DP;
``JobSpec.dp_noise_divisor``, applied by the ClientApp only inside the protocol). With FedAvg each
hospital adds the full noise.

The hospital sends its noisy sums divided by its record count (a count every FedAvg update carries);
FedAvg's example-weighted mean, or SecAgg+'s, of these is the federation's noisy sums per record.
With them it sends the public standard deviation of its hessian noise divided by its count, whose
mean (K sd / N for K hospitals) tells every reader how noisy the summed hessians are. A leaf's value
is lr * clip(-G / (H + reg + noise_reg * K sd / N), +-max_leaf) / B: the regularizer grows with the
noise, so a leaf whose hessian is mostly noise stays near 0; each tree of a batch takes 1/B of a
Newton step. Whoever predicts computes the leaves from the summed statistics (post-processing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from node.errors import InvalidInput
from node.federated.logistic import log_loss, sigmoid
from node.queries.noise import gaussian_noise

Array = np.ndarray[Any, Any]
Sampler = Callable[[int, float], Sequence[float]]  # (size, standard deviation) -> Gaussian draws
HESSIAN_BOUND = 0.25  # p (1 - p) <= 1/4: the logistic loss's hessian needs no clipping beyond this
CANDIDATES = np.array([NormalDist().inv_cdf(k / 32) for k in range(1, 32)])  # 31 reference quantiles


@dataclass(frozen=True)
class TreePlan:
    """What every party derives the same: ``trees`` slots (rounds x ``batch``), depth, the seed of
    the trees' shapes, which columns are 0/1 flags, the learning rate, the leaf regularizer ``reg``
    (in per-record units), its growth with the hessian noise, and the largest leaf value before the
    learning rate."""

    trees: int = 100
    batch: int = 5
    depth: int = 3
    seed: int = 0
    flags: tuple[int, ...] = ()
    lr: float = 0.3
    reg: float = 0.005
    noise_reg: float = 1.0
    max_leaf: float = 2.0

    @property
    def leaves(self) -> int:
        return int(2**self.depth)


def sensitivity(clip: float, batch: int) -> float:
    """L2 sensitivity of one round's release (G, H * clip / HESSIAN_BOUND) to one record."""
    return clip * float(np.sqrt(2 * batch))


def noise_scales(clip: float, noise_multiplier: float, batch: int) -> tuple[float, float]:
    """Standard deviations of the noise on each gradient sum and on each hessian sum."""
    s = noise_multiplier * sensitivity(clip, batch)
    return s, s * HESSIAN_BOUND / clip


def shape(plan: TreePlan, features: int, tree: int) -> tuple[Array, Array]:
    """Tree ``tree``'s inner nodes (heap order): the feature each tests and its threshold."""
    rng = np.random.default_rng([plan.seed, 20, tree])
    feature = rng.integers(0, features, size=plan.leaves - 1)
    threshold = CANDIDATES[rng.integers(0, len(CANDIDATES), size=plan.leaves - 1)]
    threshold[np.isin(feature, plan.flags)] = 0.5
    return feature, threshold


def leaf_of(x: Array, feature: Array, threshold: Array, depth: int) -> Array:
    """The leaf (0 .. 2**depth - 1) each row falls in."""
    node = np.zeros(len(x), dtype=int)
    for _ in range(depth):
        node = 2 * node + 1 + (x[np.arange(len(x)), feature[node]] > threshold[node])
    return np.asarray(node - (2**depth - 1))


def clipped(g: Array, h: Array, clip: float) -> tuple[Array, Array]:
    return np.clip(g, -clip, clip), np.clip(h, 0.0, HESSIAN_BOUND)


def leaf_sums(leaf: Array, g: Array, h: Array, leaves: int) -> Array:
    """(2, leaves): the gradient and hessian sums of the rows in each leaf."""
    return np.stack([np.bincount(leaf, g, leaves), np.bincount(leaf, h, leaves)])


def leaf_values(stats: Array, plan: TreePlan) -> Array:
    """Leaf values from summed (noisy) statistics (G, H, hessian noise per record); a hessian that
    noise made negative counts as 0."""
    reg = plan.reg + plan.noise_reg * stats[..., 2, :].mean(axis=-1, keepdims=True)
    w = -stats[..., 0, :] / (np.maximum(stats[..., 1, :], 0.0) + reg)
    return np.asarray(plan.lr * np.clip(w, -plan.max_leaf, plan.max_leaf) / plan.batch)


class DpTrees:
    """A ``Model`` whose one parameter array holds, per tree slot, the federation's gradient sums,
    hessian sums and hessian noise per leaf, divided by the record count: shape (trees, 3, leaves),
    zero until built."""

    def __init__(self, features: int, plan: TreePlan | None = None, sampler: Sampler | None = None) -> None:
        self.features, self.plan = features, plan or TreePlan()
        # OpenDP's sampler (unseeded); a seeded one only where a benchmark emulates the federation
        self.sampler: Sampler = sampler or gaussian_noise
        self.stats = np.zeros((self.plan.trees, 3, self.plan.leaves))
        self._shapes = [shape(self.plan, features, t) for t in range(self.plan.trees)]

    def get(self) -> list[Array]:
        return [self.stats.copy()]

    def set(self, arrays: list[Array]) -> None:
        if len(arrays) != 1 or np.shape(arrays[0]) != self.stats.shape:
            raise InvalidInput("a tree model's statistics have another shape", code="fl_update_malformed")
        stats = np.array(arrays[0], dtype=float)
        if not np.isfinite(stats).all():
            raise InvalidInput("a tree model's statistics are not finite", code="fl_update_malformed")
        self.stats = stats

    @property
    def built(self) -> int:
        """Trees built so far: the slots before the first that holds nothing."""
        empty = np.flatnonzero(~self.stats.any(axis=(1, 2)))
        return int(empty[0]) if len(empty) else self.plan.trees

    def margin(self, x: Array) -> Array:
        values = leaf_values(self.stats[: self.built], self.plan)
        out = np.zeros(len(x))
        for t, v in enumerate(values):
            out += v[leaf_of(x, *self._shapes[t], self.plan.depth)]
        return out

    def predict(self, x: Array) -> Array:
        return sigmoid(self.margin(x))

    def round_sums(self, x: Array, y: Array, trees: range, clip: float) -> Array:
        """(len(trees), 2, leaves): the clipped gradient and hessian sums per leaf of ``trees``, on
        the gradients of the current model: what one round releases, before noise."""
        p = self.predict(x)
        g, h = clipped(p - y, p * (1 - p), clip)
        return np.stack(
            [leaf_sums(leaf_of(x, *self._shapes[t], self.plan.depth), g, h, self.plan.leaves) for t in trees]
        )

    def _round(self, x: Array, y: Array, trees: int, clip: float, noise: float) -> float:
        new = range(self.built, self.built + trees)
        if trees < 1 or new.stop > self.plan.trees:
            raise InvalidInput("the job has no tree slots left for this round", code="fl_trees_exhausted")
        sums = self.round_sums(x, y, new, clip)
        sd_h = 0.0
        if noise > 0:
            sd_g, sd_h = noise_scales(clip, noise, trees)
            size = trees * self.plan.leaves
            sums[:, 0] += np.reshape(self.sampler(size, sd_g), (trees, -1))
            sums[:, 1] += np.reshape(self.sampler(size, sd_h), (trees, -1))
        self.stats[new.start : new.stop, :2] = sums / len(y)
        self.stats[new.start : new.stop, 2] = sd_h / len(y)
        return log_loss(y, self.predict(x))

    def fit(self, x: Array, y: Array, epochs: int, lr: float) -> float:
        """Build the next ``epochs`` trees (one batch) without noise; the rate is the plan's."""
        return self._round(x, y, epochs, clip=1.0, noise=0.0)

    def fit_dp(self, x: Array, y: Array, epochs: int, lr: float, clip: float, noise: float) -> float:
        """Build the next ``epochs`` trees with clipped statistics and Gaussian noise (OpenDP's
        sampler) of noise multiplier ``noise``: one Gaussian mechanism per call."""
        if not (clip > 0 and noise > 0):
            raise InvalidInput("DP trees need a positive clip and noise multiplier", code="fl_dp_invalid")
        return self._round(x, y, epochs, clip, noise)
