"""Federated training with real processes: one SuperLink (TLS, SuperNode authentication) and three
SuperNodes on loopback, as `hnode fl superlink` / `hnode fl supernode` start them, on the Wisconsin
split. Runs plain FedAvg and SecAgg+ for R rounds and prints one JSON object: wall time of each
job, median seconds per round, AUC, and SecAgg+'s cost relative to FedAvg measured in the same run.

    python benchmarks/fl_deployment_bench.py --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from node.federated.flower.benchmark import evaluate
from node.federated.flower.deployment import (
    flower_env,
    register_supernode,
    submit,
    superlink_command,
    supernode_command,
    write_connection,
    write_supernode_key,
    write_tls,
)
from node.federated.flower.sinks import JsonLinesSink
from node.federated.spec import JobSpec, SecAggConfig


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _job(home: Path, work: Path, spec: JobSpec) -> dict[str, object]:
    events = work / f"{spec.job_id}.jsonl"
    start = time.perf_counter()
    submit(home, spec, {"events": str(events)}, work)
    while True:
        sink = JsonLinesSink.read(events) if events.exists() else None
        if sink is not None and sink.state in ("completed", "failed", "stopped"):
            break
        time.sleep(0.5)
    wall = time.perf_counter() - start
    if sink.state != "completed":
        raise RuntimeError(f"{spec.job_id} ended {sink.state}: {sink.reason}")
    return {
        "seconds_total": round(wall, 1),
        "seconds_per_round": round(float(np.median([m["seconds"] for m in sink.rounds.values()])), 3),
        "auc": evaluate(sink.arrays, spec.hospitals, spec.model)["global"]["auc"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--hospitals", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hnode-fl-bench-"))
    home = work / "home"
    tls = write_tls(work / "tls", ["127.0.0.1", "localhost"])
    port = _port()
    write_connection(home, f"localhost:{port}", tls.ca)
    procs = [
        subprocess.Popen(
            superlink_command(work, port, tls),
            env=flower_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        time.sleep(8)
        for i in range(args.hospitals):
            key = work / f"sn{i}.key"
            register_supernode(home, write_supernode_key(key))
            cmd = supernode_command(f"localhost:{port}", tls.ca, key, _port(), i, args.hospitals)
            procs.append(
                subprocess.Popen(
                    cmd,
                    env=flower_env(work / f"sn{i}"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        time.sleep(5)
        spec = JobSpec("bench-plain", args.hospitals, args.rounds)
        plain = _job(home, work, spec)
        secure = _job(
            home,
            work,
            replace(spec, job_id="bench-secagg", secagg=SecAggConfig.for_hospitals(args.hospitals)),
        )
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
    print(
        json.dumps(
            {
                "runtime": "deployment (SuperLink + SuperNodes, TLS, SuperNode auth, loopback)",
                "hospitals": args.hospitals,
                "rounds": args.rounds,
                "fedavg": plain,
                "secagg": secure,
                "secagg_overhead": round(secure["seconds_per_round"] / plain["seconds_per_round"], 3),  # type: ignore[operator]
                "target_seconds_20_rounds": 300,
            }
        )
    )


if __name__ == "__main__":
    main()
