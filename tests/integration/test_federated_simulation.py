"""Real Flower ClientApps and a ServerApp (flwr 1.41 Message API) in the simulation runtime."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from node.adapters.db.migrate import upgrade
from node.asset_registry.clinical import clinical_tables
from node.crypto.sm import PrivateKey
from node.errors import InvalidInput
from node.federated.assets import asset_partition
from node.federated.flower.benchmark import run
from node.federated.metrics import auc
from node.federated.models import LogisticRegression
from tests.conftest import PASSPHRASE, make_container
from tests.contract_world import build_world
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


def test_rounds_are_metered_by_each_hospital_and_refused_when_the_contract_is_spent(tmp_path: Path) -> None:
    """Three hospital nodes, each with its own contract for the same research partner (2 rounds) and
    its own lab and diagnosis assets; a 3-round DP job: rounds 1-2 are metered (uses and ε) at every
    hospital, round 3 is refused everywhere."""
    from node.federated.flower.apps import FlJob
    from node.federated.flower.simulation import simulate
    from node.federated.privacy import DpConfig

    key = PrivateKey.generate()
    nodes = {}
    for i in range(3):
        url = f"sqlite:///{tmp_path / f'h{i}' / 'node.db'}"
        (tmp_path / f"h{i}").mkdir()
        upgrade(url)
        c = make_container(url, tmp_path / f"h{i}")
        world = build_world(c, tmp_path / f"samples{i}", researcher_key=key, seed=100 + i)
        ct = world.active(
            world.researcher,
            key,
            "aggregate_fl",
            world.terms("federated_training", "drug_research", max_uses=2, epsilon=3.0),
        )
        nodes[str(i)] = {
            "data_dir": str(tmp_path / f"h{i}"),
            "database_url": url,
            "contract_id": ct.id,
            "product_id": world.products["aggregate_fl"],
        }
        c.close()
    dp = DpConfig.plan(3.0, 3)  # one DP step per round, 3 rounds within epsilon 3
    os.environ["HNODE_FL_NODES"] = json.dumps(nodes)
    # the simulated hospitals read their encrypted tables with their node key, as a SuperNode would
    os.environ["NODE_KEY_PASSPHRASE"] = PASSPHRASE.get_secret_value()
    try:
        job = simulate(FlJob(hospitals=3, rounds=3, local_epochs=1, lr=1.0, dp=dp, features=6, target="E11"))
    finally:
        del os.environ["HNODE_FL_NODES"], os.environ["NODE_KEY_PASSPHRASE"]
    assert job.final_arrays  # rounds 1-2 trained a model, on each hospital's registered assets
    assert [a.shape for a in job.final_arrays] == [(6,), (1,)]
    model = LogisticRegression(6)
    model.set(job.final_arrays)
    ys, scores = [], []
    for spec in nodes.values():
        c = make_container(spec["database_url"], Path(spec["data_dir"]))
        product = c.products.get(spec["product_id"])
        tables = clinical_tables([c.assets.get(i) for i in product.asset_ids], c.store)
        part = asset_partition("h", *tables, "E11")
        ys.append(part.y_test)
        scores.append(model.predict(part.x_test))
        c.close()
    assert auc(np.concatenate(ys), np.concatenate(scores)) > 0.8  # diabetes from labs, under DP
    for spec in nodes.values():
        c = make_container(spec["database_url"], Path(spec["data_dir"]))
        contract = c.contracts.get(c.identity.resolve("officer"), spec["contract_id"])
        assert (contract.uses, contract.state.name) == (2, "EXHAUSTED")
        assert contract.epsilon_spent == pytest.approx(dp.spent(2), rel=1e-6)  # each round's increment
        with c.uow() as uow:
            refs = [u.ref for u in uow.contracts.usage(contract.id)]
        assert refs == ["fl:fl:round-1", "fl:fl:round-2"]
        denied = [e for e in c.audit.recent(20, action="contract.use") if e.outcome == "denied"]
        assert denied and denied[0].details["reasons"] == ["contract_active", "uses_left"]
        c.close()
