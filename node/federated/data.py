"""The benchmark's data at each hospital: the Wisconsin breast-cancer data (shipped in scikit-learn)
split non-IID across hospitals, or generated patients (``synthetic``, the realistic workload).

Wisconsin: each hospital gets a different mix of benign and malignant cases (label skew drawn from a
Dirichlet distribution) and keeps a stratified test set. Features are standardized with statistics
that the hospitals pool as counts, sums and sums of squares, never as rows.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from node.federated import synthetic

WORKLOADS = ("wisconsin", "realistic")

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Partition:
    hospital: str
    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array


def _wisconsin() -> tuple[Array, Array]:
    """The CSV inside scikit-learn's wheel (no download), read without importing scikit-learn: a
    ClientApp process of the deployment runtime reads it once per message, and the import costs
    more than the training."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise RuntimeError("scikit-learn, which ships the Wisconsin data, is not installed")
    table = np.loadtxt(
        Path(spec.origin).parent / "datasets" / "data" / "breast_cancer.csv", delimiter=",", skiprows=1
    )
    # positive class = malignant (scikit-learn codes malignant as 0, as in load_breast_cancer)
    return table[:, :-1], (table[:, -1] == 0).astype(float)


def wisconsin_partitions(
    hospitals: int = 3, alpha: float = 1.0, seed: int = 42, test: float = 0.25
) -> list[Partition]:
    x, y = _wisconsin()
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet([alpha] * hospitals, size=2)  # per class, the share each hospital holds
    owner = np.empty(len(y), dtype=int)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        cuts = (np.cumsum(shares[cls])[:-1] * len(idx)).astype(int)
        for h, part in enumerate(np.split(idx, cuts)):
            owner[part] = h
    parts = []
    for h in range(hospitals):
        idx = np.flatnonzero(owner == h)
        test_idx = np.concatenate(
            [
                rng.permutation(idx[y[idx] == c])[: max(1, round(test * (y[idx] == c).sum()))]
                for c in (0, 1)
                if (y[idx] == c).any()
            ]
        )
        train_idx = np.setdiff1d(idx, test_idx)
        parts.append(Partition(f"hospital-{h + 1}", x[train_idx], y[train_idx], x[test_idx], y[test_idx]))
    mean, std = pooled_standardization([p.x_train for p in parts])
    return [
        Partition(p.hospital, (p.x_train - mean) / std, p.y_train, (p.x_test - mean) / std, p.y_test)
        for p in parts
    ]


def pooled_standardization(blocks: list[Array]) -> tuple[Array, Array]:
    """Global mean and standard deviation from each hospital's n, sum and sum of squares."""
    n = sum(len(b) for b in blocks)
    s1 = sum(b.sum(axis=0) for b in blocks)
    s2 = sum((b**2).sum(axis=0) for b in blocks)
    mean = s1 / n
    std = np.sqrt(np.maximum(s2 / n - mean**2, 0)) + 1e-9
    return mean, std


def realistic_partition(hospital: int, patients: int, seed: int = 42, test: float = 0.25) -> Partition:
    """Hospital ``hospital``'s (0-based) generated patients, a random ``test`` share held out."""
    x, y = synthetic.patients(hospital, patients, seed)
    x = synthetic.scale(x)
    held = np.random.default_rng([seed, hospital, 1]).random(patients) < test
    return Partition(f"hospital-{hospital + 1}", x[~held], y[~held], x[held], y[held])


def workload_width(workload: str) -> int:
    """How many features a workload's model reads."""
    return 30 if workload == "wisconsin" else len(synthetic.FEATURES)


def workload_flags(workload: str) -> tuple[int, ...]:
    """The 0/1 columns of a workload (public: the features' definitions, not the rows)."""
    if workload == "wisconsin":
        return ()
    return tuple(i for i, name in enumerate(synthetic.FEATURES) if name not in synthetic.SCALES)


def benchmark_partitions(
    workload: str, hospitals: int, seed: int = 42, alpha: float = 1.0, patients: int = 20_000
) -> list[Partition]:
    """Every hospital's partition of the benchmark ``workload`` (``patients`` per hospital when
    generated; Wisconsin's split by ``alpha``)."""
    if workload == "wisconsin":
        return wisconsin_partitions(hospitals, alpha, seed)
    return [benchmark_partition(workload, h, hospitals, seed, alpha, patients) for h in range(hospitals)]


def benchmark_partition(
    workload: str, hospital: int, hospitals: int, seed: int = 42, alpha: float = 1.0, patients: int = 20_000
) -> Partition:
    """One hospital's partition: generated patients are generated at that hospital alone."""
    if workload == "wisconsin":
        return wisconsin_partitions(hospitals, alpha, seed)[hospital]
    if workload == "realistic":
        return realistic_partition(hospital, patients, seed)
    raise ValueError(f"unknown workload {workload!r}")
