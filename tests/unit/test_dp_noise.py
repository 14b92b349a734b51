"""DP noise comes from OpenDP's samplers (issue 15, item 4): counts are non-negative integers, every
release names its mechanism, scale and epsilon, and no module samples noise by hand."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

from node.errors import InvalidInput
from node.he_query import aggregates
from node.he_query.aggregates import CohortStatistics, add_noise
from node.queries.noise import gaussian_noise, noisy_counts, noisy_reals

ROOT = Path(__file__).resolve().parents[2]
HAND_SAMPLER = re.compile(
    r"def (laplace|discrete_laplace|_geometric|gaussian)\b|rng\.\w+\([^)]*(noise|scale)"
)


def test_counts_are_non_negative_integers_with_their_scale() -> None:
    noisy, noise = noisy_counts([0] * 500 + [3] * 500, epsilon=0.5, sensitivity=2)
    assert all(isinstance(v, int) and v >= 0 for v in noisy)
    assert noise.scale == 4.0 and noise.epsilon == 0.5 and "OpenDP" in noise.mechanism
    # zeros clamp at 0 about half the time; the rest spread with the scale
    assert 0.3 < sum(v == 0 for v in noisy[:500]) / 500 < 0.8
    assert any(v > 3 for v in noisy[500:])


def test_laplace_noise_has_the_announced_scale() -> None:
    noisy, noise = noisy_reals([0.0] * 4000, epsilon=1.0, sensitivity=10.0)
    mad = statistics.fmean(abs(v) for v in noisy)  # E|Laplace(b)| = b
    assert noise.scale == 10.0
    assert 9.0 < mad < 11.0
    assert len(set(noisy)) > 3900  # not a constant, not a tiny grid


def test_gaussian_noise_has_the_requested_deviation() -> None:
    draws = gaussian_noise(4000, 2.0)
    assert 1.85 < statistics.pstdev(draws) < 2.15
    with pytest.raises(InvalidInput):
        gaussian_noise(3, 0.0)


@pytest.mark.parametrize("eps", [0.0, -1.0, float("nan"), float("inf")])
def test_a_release_needs_a_positive_finite_epsilon(eps: float) -> None:
    with pytest.raises(InvalidInput) as exc:
        noisy_counts([1, 2], epsilon=eps)
    assert exc.value.code == "epsilon_invalid"


def test_he_cohort_counts_never_come_back_negative() -> None:
    """The demo's aggregate showed -6, -15, -19: small true counts plus unclamped noise."""
    stats = CohortStatistics([0, 0, 0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0])
    seen = []
    for _ in range(200):
        noisy, noise = add_noise(stats, 0.5)
        seen.extend(noisy.counts)
    assert min(seen) == 0 and max(seen) > 0
    assert noise["count_scale"] == 8.0 and set(noise["sum_scales"]) == set(aggregates.SUMMED_LABS)
    assert "OpenDP" in noise["mechanism"]


def test_no_hand_written_samplers_and_one_importer_of_opendp() -> None:
    offenders = []
    for path in (ROOT / "node").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if re.search(r"^\s*(import opendp|from opendp)", text, re.M) and not rel.startswith("node/queries/"):
            offenders.append(f"{rel}: imports opendp")
        if HAND_SAMPLER.search(text):
            offenders.append(f"{rel}: samples noise by hand")
    assert offenders == []
    assert not hasattr(aggregates, "laplace") and not hasattr(aggregates, "discrete_laplace")
