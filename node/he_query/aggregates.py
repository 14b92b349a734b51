"""Cohort statistics that one hospital contributes to an encrypted multi-hospital aggregate, with
differential-privacy noise added before encryption.

A cohort is the patients with a record coded under a prefix in a code system (``CohortCode``: ICD-10,
SNOMED CT, LOINC, ATC, RxNorm or a local system; one of the product's allowed cohorts). The ten
statistics: the cohort size, a five-bin histogram of mean fasting glucose (exact integers, BFV) and
the sums of four lab means (reals, CKKS), each patient's values clipped to published bounds so that
the sensitivity is known.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from node.asset_registry.clinical import CohortCode, feature_table, patients_with
from node.errors import InvalidInput
from node.queries.noise import noisy_counts, noisy_reals

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
    observations: pd.DataFrame, coded: list[pd.DataFrame], cohort: CohortCode
) -> CohortStatistics:
    """The statistics of the cohort's patients among those with every risk lab; ``coded`` are the tables
    that may hold the cohort's codes."""
    members = patients_with(coded, cohort)
    features = feature_table(observations)
    rows = features[features.index.isin(members)]
    glucose = rows["2345-7"].to_numpy(dtype=float)
    hist = np.histogram(glucose, bins=np.array(GLUCOSE_BINS))[0] if len(glucose) else np.zeros(5, dtype=int)
    sums = [
        float(np.clip(rows[code].to_numpy(dtype=float), lo, hi).sum())
        for code, (_, lo, hi) in SUMMED_LABS.items()
    ]
    return CohortStatistics([len(rows), *[int(h) for h in hist]], sums)


def add_noise(stats: CohortStatistics, epsilon: float) -> tuple[CohortStatistics, dict[str, Any]]:
    """Spend ``epsilon``: half on the counts (a patient changes the size and one bin: L1 sensitivity 2),
    half on the four sums (a patient moves each sum by at most its clip range). OpenDP samples the
    noise; counts come back as non-negative integers."""
    if epsilon <= 0:
        raise InvalidInput("an aggregate needs a privacy budget epsilon > 0", code="epsilon_invalid")
    counts, count_noise = noisy_counts(stats.counts, epsilon / 2, sensitivity=2)
    sum_eps = epsilon / 2 / len(SUMMED_LABS)
    sums: list[float] = []
    sum_scales: dict[str, float] = {}
    for s, (code, (_, lo, hi)) in zip(stats.sums, SUMMED_LABS.items(), strict=True):
        (noisy,), n = noisy_reals([s], sum_eps, hi - lo)
        sums.append(noisy)
        sum_scales[code] = n.scale
    noise = {
        "mechanism": f"{count_noise.mechanism} (counts), Laplace (OpenDP) (clipped sums)",
        "epsilon": epsilon,
        "count_scale": count_noise.scale,
        "sum_scales": sum_scales,
    }
    return CohortStatistics(counts, sums), noise
