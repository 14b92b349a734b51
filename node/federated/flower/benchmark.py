"""`hnode fl bench`: FedAvg across hospitals on the Wisconsin split, against centralized training;
with ``deployed`` also on real SuperLink and SuperNode processes (``deployed.py``)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from node.federated.data import wisconsin_partitions
from node.federated.flower.sinks import MemorySink
from node.federated.metrics import report
from node.federated.models import make_model
from node.federated.spec import JobSpec, SecAggConfig


def centralized(
    hospitals: int, model: str, epochs: int, lr: float, seed: int = 42, alpha: float = 1.0
) -> dict[str, Any]:
    parts = wisconsin_partitions(hospitals, alpha, seed)
    x = np.vstack([p.x_train for p in parts])
    y = np.concatenate([p.y_train for p in parts])
    m = make_model(model, x.shape[1])
    m.fit(x, y, epochs, lr)
    return evaluate(m.get(), hospitals, model, seed, alpha)


def evaluate(
    arrays: list[Any], hospitals: int, model: str, seed: int = 42, alpha: float = 1.0
) -> dict[str, Any]:
    """Global metrics on the union of the hospitals' test sets, and each hospital's own."""
    parts = wisconsin_partitions(hospitals, alpha, seed)
    m = make_model(model, parts[0].x_test.shape[1])
    m.set(arrays)
    xt = np.vstack([p.x_test for p in parts])
    yt = np.concatenate([p.y_test for p in parts])
    return {
        "global": report(yt, m.predict(xt)),
        "hospitals": {p.hospital: report(p.y_test, m.predict(p.x_test)) for p in parts},
    }


def federated(spec: JobSpec) -> dict[str, Any]:
    from node.federated.flower.simulation import simulate

    start = time.perf_counter()
    sink = simulate(spec, MemorySink())
    assert isinstance(sink, MemorySink)
    total = time.perf_counter() - start
    if sink.state != "completed":
        raise RuntimeError(f"the federated run ended {sink.state}: {sink.code}")
    per_round = [m["seconds"] for m in sink.rounds.values()]
    return {
        **evaluate(sink.arrays, spec.hospitals, spec.model, spec.seed, spec.alpha),
        "seconds_total": round(total, 3),
        "seconds_per_round": float(np.median(per_round)),
        "rounds": sink.rounds,
    }


def run(
    hospitals: int = 3,
    rounds: int = 20,
    model: str = "logreg",
    local_epochs: int = 20,
    lr: float = 0.5,
    dp_epsilon: float = 3.0,
    deployed: bool = False,
) -> dict[str, Any]:
    central = centralized(hospitals, model, local_epochs * rounds, lr)
    base = JobSpec("bench", hospitals, rounds, model, local_epochs, lr)
    fed = federated(base)
    secure_spec = (  # SecAgg+ needs three hospitals at least, and sums parameters (trees are appended)
        replace(base, job_id="bench-secagg", secagg=SecAggConfig.for_hospitals(hospitals))
        if hospitals >= 3 and model != "xgboost"
        else None
    )
    secure = federated(secure_spec) if secure_spec is not None else None
    # DP: one noisy full-batch step per round, noise planned so that the whole job stays within dp_epsilon
    private_spec = replace(base, job_id="bench-dp", model="logreg", local_epochs=1, lr=1.0).with_dp(
        dp_epsilon
    )
    private = federated(private_spec)
    dp = private_spec.dp
    assert dp is not None
    result: dict[str, Any] = {
        "hospitals": hospitals,
        "rounds": rounds,
        "model": model,
        "centralized_auc": central["global"]["auc"],
        "federated_auc": fed["global"]["auc"],
        "federated_secagg_auc": secure["global"]["auc"] if secure else None,
        "dp_epsilon": round(dp.spent(rounds), 4),
        "dp_delta": dp.delta,
        "dp_noise_multiplier": round(dp.noise_multiplier, 4),
        "dp_auc": private["global"]["auc"],
        "seconds_per_round": round(fed["seconds_per_round"], 3),
        "seconds_per_round_secagg": round(secure["seconds_per_round"], 3) if secure else None,
        "secagg_overhead": round(secure["seconds_per_round"] / fed["seconds_per_round"], 3)
        if secure
        else None,
        "centralized": central,
        "federated": {k: v for k, v in fed.items() if k != "rounds"},
    }
    if deployed:
        from node.federated.flower.deployed import run as run_deployed

        real = run_deployed(base, secure_spec)
        result["seconds_per_round_deployed"] = real["fedavg"]["seconds_per_round"]
        result["seconds_per_round_deployed_secagg"] = real["secagg"]["seconds_per_round"] if secure else None
        result["deployed"] = real
    return result
