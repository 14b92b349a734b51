"""Real Flower ClientApps and a ServerApp (flwr 1.41 Message API) in the simulation runtime."""

from __future__ import annotations

import json

import pytest

from node.errors import InvalidInput
from node.federated.benchmark import run
from tests.integration.test_cli import run as hnode


def test_fedavg_and_dp_fedavg_against_centralized_training_on_the_wisconsin_split() -> None:
    result = run(hospitals=3, rounds=3, model="logreg", dp_epsilon=3.0)
    assert abs(result["federated_auc"] - result["centralized_auc"]) <= 0.01
    assert result["federated_auc"] > 0.95
    # DP: the accountant's epsilon never exceeds the budget, and the noisy model still discriminates
    assert 0 < result["dp_epsilon"] <= 3.0 and result["dp_noise_multiplier"] > 1
    assert result["dp_auc"] > 0.9
    per_hospital = result["federated"]["hospitals"]
    assert set(per_hospital) == {"hospital-1", "hospital-2", "hospital-3"}
    assert all(0 <= h["ece"] <= 1 and h["n"] > 0 for h in per_hospital.values())


def test_round_configuration_is_checked_by_the_client() -> None:
    from flwr.app import ConfigRecord, Message, RecordDict

    from node.federated.flower.apps import RoundConfig

    good = {"model": "logreg", "local-epochs": 5, "lr": 0.5, "seed": 1, "alpha": 1.0}
    assert (
        RoundConfig.of(
            Message(RecordDict({"config": ConfigRecord(good)}), dst_node_id=1, message_type="train")
        ).lr
        == 0.5
    )
    for bad in (
        {**good, "lr": -1.0},
        {k: v for k, v in good.items() if k != "seed"},
        {**good, "local-epochs": "many"},
    ):
        msg = Message(RecordDict({"config": ConfigRecord(bad)}), dst_node_id=1, message_type="train")
        with pytest.raises(InvalidInput) as err:
            RoundConfig.of(msg)
        assert err.value.code == "fl_config_malformed"


def test_cli_bench_prints_one_json_object() -> None:
    r = hnode("fl", "bench", "--json", "--rounds", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert {"centralized_auc", "federated_auc", "seconds_per_round"} <= set(out)
    assert out["seconds_per_round"] > 0 and out["federated_auc"] > 0.9


def test_privacy_accountant() -> None:
    from node.federated.privacy import DpConfig, epsilon, noise_for

    assert epsilon(0, 1.0, 1e-5) == 0.0 and epsilon(10, 0.0, 1e-5) == float("inf")
    assert epsilon(20, 2.0, 1e-5) < epsilon(40, 2.0, 1e-5)  # composition grows with steps
    assert epsilon(20, 4.0, 1e-5) < epsilon(20, 2.0, 1e-5)  # more noise, less epsilon
    z = noise_for(3.0, 20, 1e-5)
    assert epsilon(20, z, 1e-5) <= 3.0 < epsilon(20, z * 0.99, 1e-5)
    plan = DpConfig.plan(1.0, 50)
    assert plan.spent(50) <= 1.0 and plan.spent(25) < plan.spent(50)
