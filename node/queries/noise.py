"""Differential-privacy noise through OpenDP, the only DP library the node uses (this module is its only
importer). OpenDP's Laplace mechanism samples exactly (integer Laplace for counts, Laplace on a
discretized grid for reals), so its noise does not leak through floating-point low bits (Mironov, CCS
2012). Each release says its mechanism, scale and epsilon, checked by OpenDP's own privacy map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import opendp.prelude as dp

from node.errors import InvalidInput

dp.enable_features("contrib")


@dataclass(frozen=True)
class Noise:
    """How a release was noised: what a reader needs to judge its accuracy and its privacy cost."""

    mechanism: str
    scale: float
    epsilon: float
    sensitivity: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            "scale": self.scale,
            "epsilon": self.epsilon,
            "sensitivity": self.sensitivity,
        }


def _check(epsilon: float, sensitivity: float) -> None:
    if not (epsilon > 0 and math.isfinite(epsilon)):
        raise InvalidInput("a noisy release needs a privacy budget epsilon > 0", code="epsilon_invalid")
    if not (sensitivity > 0 and math.isfinite(sensitivity)):
        raise InvalidInput("sensitivity must be a positive number", code="sensitivity_invalid")


@cache
def _integer_laplace(scale: float) -> Any:
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)


@cache
def _real_laplace(scale: float) -> Any:
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float), scale=scale
    )


def noisy_counts(counts: Sequence[int], epsilon: float, sensitivity: int = 1) -> tuple[list[int], Noise]:
    """Counts with integer (discrete) Laplace noise, then post-processed to non-negative integers
    (clamping a released value costs no privacy). ``sensitivity``: the L1 distance one person moves
    the whole vector by."""
    _check(epsilon, sensitivity)
    scale = sensitivity / epsilon
    meas = _integer_laplace(scale)
    spent = meas.map(int(sensitivity))
    assert spent <= epsilon * (1 + 1e-9), (spent, epsilon)  # OpenDP's own accounting agrees
    noisy = [max(0, int(v)) for v in meas([int(c) for c in counts])] if counts else []
    return noisy, Noise("discrete Laplace (OpenDP), clamped at 0", scale, epsilon, float(sensitivity))


def noisy_reals(values: Sequence[float], epsilon: float, sensitivity: float) -> tuple[list[float], Noise]:
    """Reals (sums of clipped values) with Laplace noise; ``sensitivity``: the L1 distance one person
    moves the whole vector by."""
    _check(epsilon, sensitivity)
    scale = sensitivity / epsilon
    meas = _real_laplace(scale)
    spent = meas.map(float(sensitivity))
    assert spent <= epsilon * (1 + 1e-9), (spent, epsilon)
    noisy = [float(v) for v in meas([float(v) for v in values])] if values else []
    return noisy, Noise("Laplace (OpenDP)", scale, epsilon, float(sensitivity))


@cache
def _gaussian(scale: float) -> Any:
    return dp.m.make_gaussian(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float), scale=scale
    )


def gaussian_noise(size: int, std: float) -> list[float]:
    """``size`` draws of Gaussian noise of standard deviation ``std`` from OpenDP's sampler (DP gradient
    descent adds it to a clipped gradient sum; its accountant, not this function, charges epsilon)."""
    if not (std > 0 and math.isfinite(std)):
        raise InvalidInput("noise standard deviation must be a positive number", code="noise_invalid")
    return [float(v) for v in _gaussian(float(std))([0.0] * size)]
