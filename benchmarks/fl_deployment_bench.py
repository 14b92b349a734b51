"""Federated training with real processes: one SuperLink (TLS, SuperNode authentication) and three
SuperNodes on loopback, started as `hnode fl supernode` starts them (warm ClientApps forked from a
loaded process), on the Wisconsin split. Runs plain FedAvg and SecAgg+ for R rounds and prints one
JSON object: wall time of each job, median seconds per round, AUC, and SecAgg+'s cost relative to
FedAvg measured in the same run. With --cold, the same jobs first on Flower's SuperNode alone (one
`flwr-clientapp` process per message, the runtime before), as the baseline of the same run.

    python benchmarks/fl_deployment_bench.py --rounds 20 [--cold [--cold-rounds 5]]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from node.federated.flower.deployed import run
from node.federated.spec import JobSpec, SecAggConfig


def _measure(spec: JobSpec, warm: bool) -> dict[str, Any]:
    secure = replace(spec, job_id=f"{spec.job_id}-secagg", secagg=SecAggConfig.for_hospitals(spec.hospitals))
    out = run(spec, secure, warm=warm)
    out["secagg_overhead"] = round(out["secagg"]["seconds_per_round"] / out["fedavg"]["seconds_per_round"], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--hospitals", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also measure one process per message first")
    parser.add_argument(
        "--cold-rounds", type=int, default=0, help="rounds of the cold jobs (default: --rounds)"
    )
    args = parser.parse_args()
    spec = JobSpec("bench-plain", args.hospitals, args.rounds)
    result: dict[str, Any] = {
        "runtime": "deployment (SuperLink + SuperNodes, TLS, SuperNode auth, loopback)",
        "hospitals": args.hospitals,
        "rounds": args.rounds,
    }
    if args.cold:
        result["cold"] = _measure(
            replace(spec, job_id="cold", rounds=args.cold_rounds or args.rounds), warm=False
        )
    result["warm"] = _measure(spec, warm=True)
    result["targets"] = {"seconds_per_round": 2.0, "secagg_overhead": 2.0}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
