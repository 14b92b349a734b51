"""Cohort statistics that one hospital contributes to an encrypted multi-hospital aggregate, with
differential-privacy noise added before encryption.

A cohort is the patients with a diagnosis (ICD-10 prefix from the product's allowed list). The ten
statistics: the cohort size, a five-bin histogram of mean fasting glucose (exact integers, BFV) and
the sums of four lab means (reals, CKKS), each patient's values clipped to published bounds so that
the sensitivity is known.
"""

from __future__ import annotations

import itertools
import math
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.clinical import feature_table, patients_with
from node.errors import InvalidInput

GLUCOSE_BINS = (0.0, 5.6, 7.0, 9.0, 11.1, math.inf)  # mmol/L: normal, impaired, diabetic ranges
# LOINC -> (name, lower clip, upper clip)
SUMMED_LABS: dict[str, tuple[str, float, float]] = {
    "2345-7": ("葡萄糖", 2.0, 20.0),
    "4548-4": ("糖化血红蛋白", 3.0, 15.0),
    "8480-6": ("收缩压", 80.0, 220.0),
    "2093-3": ("总胆固醇", 2.0, 12.0),
}
COUNT_NAMES = ["cohort_size"] + [
    f"glucose_{lo:g}-{hi:g}" if hi != math.inf else f"glucose_{lo:g}+"
    for lo, hi in itertools.pairwise(GLUCOSE_BINS)
]
SUM_NAMES = [f"sum_{code}" for code in SUMMED_LABS]


@dataclass(frozen=True)
class CohortStatistics:
    counts: list[int]  # COUNT_NAMES
    sums: list[float]  # SUM_NAMES

    @property
    def cohort_size(self) -> int:
        return self.counts[0]


def cohort_statistics(
    observations: pd.DataFrame, conditions: pd.DataFrame, condition: str
) -> CohortStatistics:
    if not condition or not condition[0].isalpha() or len(condition) > 8:
        raise InvalidInput(
            "cohort.condition must be an ICD-10 code prefix such as E11", code="cohort_invalid"
        )
    members = patients_with(conditions, condition)
    features = feature_table(observations)
    cohort = features[features.index.isin(members)]
    glucose = cohort["2345-7"].to_numpy(dtype=float)
    hist = np.histogram(glucose, bins=np.array(GLUCOSE_BINS))[0] if len(glucose) else np.zeros(5, dtype=int)
    sums = [
        float(np.clip(cohort[code].to_numpy(dtype=float), lo, hi).sum())
        for code, (_, lo, hi) in SUMMED_LABS.items()
    ]
    return CohortStatistics([len(cohort), *[int(h) for h in hist]], sums)


def _geometric(p: float) -> int:
    """Failures before the first success, p = success probability, from the OS CSPRNG."""
    u = (secrets.randbits(53) + 1) / (2**53 + 1)
    return math.floor(math.log(u) / math.log1p(-p))


def discrete_laplace(scale: float) -> int:
    """Two-sided geometric noise: P(k) proportional to exp(-|k| / scale) (the integer Laplace mechanism)."""
    p = 1 - math.exp(-1 / scale)
    return _geometric(p) - _geometric(p)


def laplace(scale: float) -> float:
    u = (secrets.randbits(53) + 0.5) / 2**53 - 0.5
    return -scale * math.copysign(1.0, u) * math.log1p(-2 * abs(u))


def add_noise(stats: CohortStatistics, epsilon: float) -> tuple[CohortStatistics, dict[str, Any]]:
    """Spend ``epsilon``: half on the counts (a patient changes the size and one bin: L1 sensitivity 2),
    half on the four sums (a patient moves each sum by at most its clip range)."""
    if epsilon <= 0:
        raise InvalidInput("an aggregate needs a privacy budget epsilon > 0", code="epsilon_invalid")
    count_scale = 2 / (epsilon / 2)
    counts = [c + discrete_laplace(count_scale) for c in stats.counts]
    sum_eps = epsilon / 2 / len(SUMMED_LABS)
    sums = [
        s + laplace((hi - lo) / sum_eps)
        for s, (_, lo, hi) in zip(stats.sums, SUMMED_LABS.values(), strict=True)
    ]
    noise = {
        "mechanism": "discrete Laplace (counts), Laplace (clipped sums)",
        "epsilon": epsilon,
        "count_scale": count_scale,
        "sum_scales": {code: (hi - lo) / sum_eps for code, (_, lo, hi) in SUMMED_LABS.items()},
    }
    return CohortStatistics(counts, sums), noise
