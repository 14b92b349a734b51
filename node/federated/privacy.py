"""Differential privacy for federated training: DP gradient descent at each hospital (per-record
clipping + Gaussian noise) and a Rényi-DP accountant for the Gaussian mechanism.

Every local step is a full-batch Gaussian mechanism with sensitivity C (one record's clipped
gradient) and noise sigma = z * C, so T steps compose to RDP(alpha) = T * alpha / (2 z^2), and
epsilon(delta) = min over alpha of RDP(alpha) + log(1/delta) / (alpha - 1). Each hospital's records
are protected by its own noise; the epsilon reported is per hospital (parallel composition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHAS = [1 + x / 10 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512]


def epsilon(steps: int, noise_multiplier: float, delta: float) -> float:
    """Epsilon after ``steps`` full-batch Gaussian steps (no subsampling amplification claimed)."""
    if steps <= 0:
        return 0.0
    if noise_multiplier <= 0:
        return math.inf
    return min(steps * a / (2 * noise_multiplier**2) + math.log(1 / delta) / (a - 1) for a in ALPHAS)


def noise_for(target_epsilon: float, steps: int, delta: float) -> float:
    """The smallest noise multiplier (to 1e-3) that keeps ``steps`` steps within ``target_epsilon``."""
    if target_epsilon <= 0:
        raise ValueError("target epsilon must be positive")
    lo, hi = 1e-3, 1e4
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if epsilon(steps, mid, delta) > target_epsilon else (lo, mid)
    return hi


@dataclass(frozen=True)
class DpConfig:
    target_epsilon: float
    delta: float
    clip: float  # per-record gradient norm bound C
    noise_multiplier: float  # z
    steps: int  # local steps per hospital over the whole job

    @classmethod
    def plan(cls, target_epsilon: float, steps: int, delta: float = 1e-5, clip: float = 1.0) -> DpConfig:
        return cls(target_epsilon, delta, clip, noise_for(target_epsilon, steps, delta), steps)

    def spent(self, steps_done: int) -> float:
        return epsilon(steps_done, self.noise_multiplier, self.delta)
