"""`hnode fl bench`: FedAvg across hospitals on the Wisconsin split, against centralized training."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from node.federated.data import wisconsin_partitions
from node.federated.metrics import report
from node.federated.models import make_model
from node.federated.privacy import DpConfig


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


def federated(
    hospitals: int, rounds: int, model: str, local_epochs: int, lr: float, dp: DpConfig | None = None
) -> dict[str, Any]:
    from node.federated.flower.apps import FlJob
    from node.federated.flower.simulation import simulate

    start = time.perf_counter()
    job = simulate(FlJob(hospitals, rounds, model, local_epochs, lr, dp=dp))
    total = time.perf_counter() - start
    return {
        **evaluate(job.final_arrays, hospitals, model),
        "seconds_total": round(total, 3),
        "seconds_per_round": total / rounds,
        "rounds": job.per_round,
    }


def run(
    hospitals: int = 3,
    rounds: int = 20,
    model: str = "logreg",
    local_epochs: int = 20,
    lr: float = 0.5,
    dp_epsilon: float = 3.0,
) -> dict[str, Any]:
    central = centralized(hospitals, model, local_epochs * rounds, lr)
    fed = federated(hospitals, rounds, model, local_epochs, lr)
    # DP: one noisy full-batch step per round, noise planned so that the whole job stays within dp_epsilon
    dp = DpConfig.plan(dp_epsilon, rounds)
    private = federated(hospitals, rounds, "logreg", 1, 1.0, dp)
    return {
        "hospitals": hospitals,
        "rounds": rounds,
        "model": model,
        "centralized_auc": central["global"]["auc"],
        "federated_auc": fed["global"]["auc"],
        "federated_secagg_auc": None,  # SecAgg+ not built yet (issue #6)
        "dp_epsilon": round(dp.spent(rounds), 4),
        "dp_delta": dp.delta,
        "dp_noise_multiplier": round(dp.noise_multiplier, 4),
        "dp_auc": private["global"]["auc"],
        "seconds_per_round": round(fed["seconds_per_round"], 3),
        "seconds_per_round_secagg": None,
        "centralized": central,
        "federated": {k: v for k, v in fed.items() if k != "rounds"},
    }
