"""Choose the DP trees' settings on validation data only: an in-process emulation of the Wisconsin
federation (three hospitals, the benchmark's split) in which each hospital's *training* records are
split again into a fitting part and a validation part. The test records the AUC table reports are
never read here.

The emulation runs the production model code (``DpTrees.fit_dp``: clipping, sensitivity, noise scales,
leaf values) and the coordinator's arithmetic (the example-weighted mean of the hospitals' noisy
per-record sums, which is what FedAvg and SecAgg+ compute; SecAgg+'s quantization is left out). Only
the noise sampler differs: a seeded NumPy generator instead of OpenDP's unseeded one, so that every
setting is measured on the same noise draws and a run can be repeated.

For each setting it prints the validation AUC over ``--splits`` x ``--seeds`` runs (mean, sd, min)
and the gap to centralized XGBoost (the benchmark's 5 trees x 20 rounds at rate 0.1) trained on the
pooled fitting records and scored on the same validation records. Usage:

    PYTHONPATH=. .venv/bin/python benchmarks/dp_trees_emulation.py [--splits 3] [--seeds 10] [--grid NAME]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.federated.data import Partition, wisconsin_partitions
from node.federated.dp_trees import DpTrees, TreePlan, leaf_of, leaf_values
from node.federated.metrics import auc
from node.federated.models import BoostedTrees
from node.federated.privacy import noise_for

Array = np.ndarray[Any, Any]
VALIDATION = 0.25  # share of each hospital's training records held out for validation
EPSILON, DELTA = 3.0, 1e-5


@dataclass(frozen=True)
class Setting:
    rounds: int = 20
    batch: int = 10  # trees a round
    clip: float = 0.5
    depth: int = 3
    lr: float = 1.0
    reg: float = 0.005
    noise_reg: float = 1.0
    max_leaf: float = 2.0
    noise_divisor: int = 1  # 1: each hospital adds the full noise (FedAvg); t: variance sigma^2 / t

    def label(self) -> str:
        return (
            f"R{self.rounds} B{self.batch} C{self.clip} d{self.depth} lr{self.lr} reg{self.reg} "
            f"nreg{self.noise_reg} max{self.max_leaf} div{self.noise_divisor}"
        )


def validation_split(parts: list[Partition], split: int) -> list[Partition]:
    """Each hospital's training records split into fitting (x_train) and validation (x_test) parts,
    stratified by outcome; the benchmark's test records are dropped."""
    out = []
    for h, p in enumerate(parts):
        rng = np.random.default_rng([split, h, 7])
        held = np.zeros(len(p.y_train), dtype=bool)
        for c in (0.0, 1.0):
            idx = rng.permutation(np.flatnonzero(p.y_train == c))
            held[idx[: round(VALIDATION * len(idx))]] = True
        fit, val = (p.x_train[~held], p.y_train[~held]), (p.x_train[held], p.y_train[held])
        out.append(Partition(p.hospital, *fit, *val))
    return out


def seeded_sampler(rng: np.random.Generator) -> Any:
    def draw(size: int, std: float) -> list[float]:
        return list(rng.normal(0.0, std, size))

    return draw


class CachedTrees(DpTrees):
    """DpTrees whose margin remembers each tree's leaf of each row of the arrays it has seen (the
    emulation predicts on the same arrays every round); the same arithmetic, faster."""

    leaves_of: ClassVar[dict[tuple[int, int], Array]] = {}

    def margin(self, x: Array) -> Array:
        values = leaf_values(self.stats[: self.built], self.plan)
        out = np.zeros(len(x))
        for t, v in enumerate(values):
            key = (id(x), t)
            if key not in self.leaves_of:
                self.leaves_of[key] = leaf_of(x, *self._shapes[t], self.plan.depth)
            out += v[self.leaves_of[key]]
        return out


def emulate(parts: list[Partition], s: Setting, noise_seed: int, job_seed: int = 42) -> float:
    """Validation AUC of one DP federation run with setting ``s``."""
    plan = TreePlan(s.rounds * s.batch, s.batch, s.depth, job_seed, (), s.lr, s.reg, s.noise_reg, s.max_leaf)
    features = parts[0].x_train.shape[1]
    z = noise_for(EPSILON, s.rounds, DELTA) / np.sqrt(s.noise_divisor)
    rng = np.random.default_rng([noise_seed, 99])
    CachedTrees.leaves_of = {}  # shapes depend on the plan: a new cache for each run
    fed = CachedTrees(features, plan)
    locals_ = [CachedTrees(features, plan, sampler=seeded_sampler(rng)) for _ in parts]
    for r in range(s.rounds):
        ups = []
        for p, local in zip(parts, locals_, strict=True):
            local.set(fed.get())
            local.fit_dp(p.x_train, p.y_train, s.batch, s.lr, s.clip, z)
            ups.append((len(p.y_train), local.get()[0]))
        mean = sum(n * u for n, u in ups) / sum(n for n, _ in ups)
        new = slice(r * s.batch, (r + 1) * s.batch)
        fed.stats[new] = mean[new]
    xv = np.vstack([p.x_test for p in parts])
    yv = np.concatenate([p.y_test for p in parts])
    return auc(yv, fed.predict(xv))


def reference(parts: list[Partition]) -> float:
    """Centralized XGBoost (the benchmark's 100 trees at rate 0.1) on the pooled fitting records."""
    x = np.vstack([p.x_train for p in parts])
    y = np.concatenate([p.y_train for p in parts])
    m = BoostedTrees(x.shape[1])
    m.fit(x, y, 100, 0.1)
    xv = np.vstack([p.x_test for p in parts])
    yv = np.concatenate([p.y_test for p in parts])
    return auc(yv, m.predict(xv))


BASE = Setting()
GRIDS: dict[str, list[Setting]] = {
    # the settings the table ran with (FedAvg: full noise per hospital), then the same under SecAgg+
    # (each of the 3 hospitals adds variance sigma^2 / 2: Flower's threshold of 2 survivors)
    "noise": [BASE, replace(BASE, noise_divisor=2)],
    "budget": [
        replace(BASE, noise_divisor=d, rounds=r, batch=b, clip=c)
        for d in (1, 2)
        for r, b in ((20, 10), (20, 5), (10, 10), (10, 20), (5, 20))
        for c in (0.25, 0.5)
    ],
    "clip": [
        replace(BASE, noise_divisor=d, rounds=r, batch=b, clip=c)
        for d in (1, 2)
        for r, b in ((20, 10), (20, 20), (10, 20))
        for c in (0.1, 0.15, 0.25)
    ],
    "more": [
        replace(BASE, noise_divisor=2, rounds=20, batch=b, clip=0.25, depth=dep, noise_reg=nr)
        for b in (20, 40)
        for dep in (2, 3)
        for nr in (0.5, 1.0, 2.0)
    ],
    "leaf": [
        replace(BASE, noise_divisor=d, depth=dep, noise_reg=nr, lr=lr)
        for d in (1, 2)
        for dep in (2, 3)
        for nr in (1.0, 3.0)
        for lr in (0.5, 1.0)
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--splits", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--grid", default="noise", choices=sorted(GRIDS))
    ap.add_argument("--setting", default=None, help="JSON of Setting fields (instead of --grid)")
    args = ap.parse_args()
    settings = [replace(BASE, **json.loads(args.setting))] if args.setting else GRIDS[args.grid]
    splits = [validation_split(wisconsin_partitions(3, 1.0, 42), k) for k in range(args.splits)]
    refs = [reference(p) for p in splits]
    print(json.dumps({"xgboost_validation_auc": [round(r, 4) for r in refs]}))
    for s in settings:
        start = time.perf_counter()
        gaps, aucs = [], []
        for (k, parts), seed in itertools.product(enumerate(splits), range(args.seeds)):
            a = emulate(parts, s, seed)
            aucs.append(a)
            gaps.append(refs[k] - a)
        g = np.array(gaps)
        row = {
            "setting": s.label(),
            "auc_mean": round(float(np.mean(aucs)), 4),
            "gap_mean": round(float(g.mean()), 4),
            "gap_sd": round(float(g.std(ddof=1)), 4),
            "gap_max": round(float(g.max()), 4),
            "within_0.03": f"{int((g <= 0.03).sum())}/{len(g)}",
            "seconds": round(time.perf_counter() - start, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
