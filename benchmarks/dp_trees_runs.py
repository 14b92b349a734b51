"""Repeated DP trees runs through the benchmark's own path (``node.federated.flower.benchmark``: the
Flower simulation runtime, the ClientApp's ``fit_dp`` with OpenDP's unseeded sampler, the ServerApp's
FedAvg or SecAgg+), scored on the union of the hospitals' test sets against centralized XGBoost, as
the AUC table's XGBoost row does. OpenDP's noise cannot be seeded, so the spread is measured by
repeating the run.

    PYTHONPATH=. .venv/bin/python benchmarks/dp_trees_runs.py [--runs 10] [--workload wisconsin]
        [--fedavg]   # the same job without SecAgg+: each hospital adds the full noise

Prints one JSON line per run (UTC start, load average, DP AUC, gap) and a summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.federated.flower.benchmark import DP_GAP, bench_spec, centralized, dp_spec, federated


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--workload", default="wisconsin")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--epsilon", type=float, default=3.0)
    ap.add_argument("--fedavg", action="store_true", help="without SecAgg+ (full noise per hospital)")
    args = ap.parse_args()
    base = bench_spec(args.workload, 3, args.rounds, "xgboost")
    reference = centralized(base)["global"]["auc"]
    private = dp_spec(base, args.epsilon)
    if args.fedavg:
        private = replace(private, secagg=None).validate()
    dp = private.dp
    assert dp is not None
    print(
        json.dumps(
            {
                "workload": args.workload,
                "centralized_xgboost_auc": reference,
                "dp_trees_per_round": private.local_epochs,
                "dp_lr": private.lr,
                "dp_clip": dp.clip,
                "dp_noise_multiplier": round(dp.noise_multiplier, 4),
                "dp_epsilon": round(dp.spent(dp.steps), 4),
                "secure_aggregation": private.secagg is not None,
                "noise_divisor": private.dp_noise_divisor,
            }
        ),
        flush=True,
    )
    gaps = []
    for run in range(1, args.runs + 1):
        start = datetime.now(UTC).strftime("%H:%M:%S")
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        got = federated(private)["global"]["auc"]
        gaps.append(reference - got)
        row = {
            "run": run,
            "utc": start,
            "load": round(load, 2),
            "seconds": round(time.perf_counter() - t0, 1),
            "dp_auc": round(got, 4),
            "gap": round(reference - got, 4),
        }
        print(json.dumps(row), flush=True)
    g = np.array(gaps)
    print(
        json.dumps(
            {
                "runs": len(g),
                "gap_mean": round(float(g.mean()), 4),
                "gap_sd": round(float(g.std(ddof=1)), 4) if len(g) > 1 else None,
                "gap_min": round(float(g.min()), 4),
                "gap_max": round(float(g.max()), 4),
                "within": f"{int((np.abs(g) <= DP_GAP).sum())}/{len(g)}",
            }
        )
    )


if __name__ == "__main__":
    main()
