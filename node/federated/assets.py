"""A hospital's training data from its own registered assets: lab-result means as features, a
diagnosis as the label, a test split chosen by a keyed hash of the patient id (stable, not sent)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from node.asset_registry.clinical import feature_table, labels, standardized
from node.federated.data import Partition


def asset_partition(
    hospital: str, observations: pd.DataFrame, conditions: pd.DataFrame, target: str, test: float = 0.25
) -> Partition:
    features = feature_table(observations)
    x = standardized(features)
    y = labels(conditions, features.index, target)
    in_test = np.array(
        [
            int.from_bytes(hashlib.sha256(f"split:{p}".encode()).digest()[:4], "big") / 2**32 < test
            for p in features.index
        ]
    )
    return Partition(hospital, x[~in_test], y[~in_test], x[in_test], y[in_test])
