"""Real Flower ClientApps and a ServerApp (flwr 1.41 Message API) in the simulation runtime."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.api.app import create_app
from node.bootstrap import Container, build_container
from node.config import load_settings
from node.crypto.sm import PrivateKey, sm3_hex
from node.errors import Conflict, InvalidInput, NotFound
from node.federated.assets import asset_partition, model_tables
from node.federated.coordinator import JobAlreadyStarted
from node.federated.features import ModelInputs
from node.federated.flower.benchmark import quality, run
from node.federated.flower.hospital import SimulatedHospitals
from node.federated.jobs import load_model_bytes
from node.federated.metrics import auc
from node.federated.models import LogisticRegression
from tests.conftest import PASSPHRASE
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
    from flwr.app import ConfigRecord, RecordDict

    from node.federated.flower.client_app import Round
    from node.federated.spec import JobSpec

    job = JobSpec("job_1", 3, 5, local_epochs=5).to_json()
    good = {"job": job, "server-round": 2}

    def message(config: dict[str, Any]) -> Any:  # what Round.of reads of a Message: its content
        return SimpleNamespace(content=RecordDict({"config": ConfigRecord(config)}))

    rnd = Round.of(message(good))
    assert (rnd.number, rnd.spec.local_epochs, rnd.epsilon()) == (2, 5, 0.0)
    for bad in (
        {**good, "server-round": 6},  # beyond the job's rounds
        {"job": job},
        {**good, "job": job.replace('"lr":0.5', '"lr":-1.0')},
        {**good, "job": "{not json"},
    ):
        with pytest.raises(InvalidInput) as err:
            Round.of(message(bad))
        assert err.value.code == "fl_config_malformed"


def test_cli_bench_prints_one_json_object() -> None:
    r = hnode("fl", "bench", "--json", "--rounds", "2", timeout=280)  # Ray starts, then four trainings
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert {"centralized_auc", "federated_auc", "seconds_per_round"} <= set(out)
    assert out["seconds_per_round"] > 0 and out["federated_auc"] > 0.9


def test_cli_bench_realistic_workload_trains_an_mlp_on_generated_patients() -> None:
    r = hnode(
        "fl", "bench", "--json", "--workload", "realistic", "--patients", "600", "--model", "mlp",
        "--rounds", "2", "--local-epochs", "5", timeout=280,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert (out["workload"], out["patients_per_hospital"], out["model"], out["local_epochs"]) == (
        "realistic", 600, "mlp", 5,
    )  # fmt: skip
    # the keys the Wisconsin benchmark has, all filled: FedAvg, SecAgg+ and DP on the MLP
    for key in ("centralized_auc", "federated_auc", "federated_secagg_auc", "dp_auc", "secagg_overhead"):
        assert isinstance(out[key], float), key
    assert 0 < out["dp_epsilon"] <= 3.0 and set(out["seconds_local_training"]) == {"wall", "cpu"}
    assert set(out["federated"]["hospitals"]) == {"hospital-1", "hospital-2", "hospital-3"}
    assert sum(h["n"] for h in out["federated"]["hospitals"].values()) == out["federated"]["global"]["n"]
    assert 300 < out["federated"]["global"]["n"] < 600  # a quarter of 3 x 600 held out
    bad = hnode("fl", "bench", "--workload", "mimic")
    assert bad.returncode != 0 and "--workload" in bad.stderr


def test_quality_table_for_trees_measures_dp_trees() -> None:
    table = quality("realistic", rounds=2, patients=600, models=("xgboost",))
    row = table["models"]["xgboost"]
    assert row["gap"] == pytest.approx(row["centralized_auc"] - row["federated_auc"], abs=1e-4)
    assert row["pass"] == (abs(row["gap"]) <= table["targets"]["federated_gap"])
    assert row["federated_auc"] > 0.55  # trees learned something from 1,350 generated patients
    # XGBoost's DP columns: DP trees, measured, within the budget, judged against centralized XGBoost
    assert row["dp_model"] == "dp_trees" and 0 < row["dp_epsilon"] <= 3.0 and "dp_note" not in row
    assert row["dp_gap"] == pytest.approx(row["centralized_auc"] - row["dp_auc"], abs=1e-4)
    assert row["dp_pass"] == (abs(row["dp_gap"]) <= table["targets"]["dp_gap"])
    assert row["dp_auc"] > 0.55


def test_dp_trees_through_the_simulation_runtime_with_fedavg_and_secagg() -> None:
    from dataclasses import replace

    from node.federated.dp_trees import DpTrees
    from node.federated.flower.benchmark import bench_spec, dp_spec, evaluate
    from node.federated.flower.simulation import simulate
    from node.federated.flower.sinks import MemorySink
    from node.federated.spec import SecAggConfig

    base = bench_spec("realistic", 3, 3, "dp_trees", patients=900)
    plain = simulate(base, MemorySink())
    secure = simulate(replace(base, secagg=SecAggConfig.for_hospitals(3, 600.0)), MemorySink())
    private = replace(dp_spec(base, 3.0), secagg=SecAggConfig.for_hospitals(3, 600.0)).validate()
    noisy = simulate(private, MemorySink())
    noisy_plain = simulate(replace(private, secagg=None), MemorySink())
    for sink in (plain, secure, noisy, noisy_plain):
        assert isinstance(sink, MemorySink) and sink.state == "completed", (sink.code, sink.reason)
    # each round built its batch of trees from the hospitals' summed statistics, and no more
    model = base.new_model()
    model.set(plain.arrays)
    assert isinstance(model, DpTrees) and model.built == 3 * base.local_epochs
    # SecAgg+ sums the same statistics up to its quantization (a step of 32 / 2**22 on values scaled
    # by n / max_weight: about 1e-3 for 675 records a hospital): the same model, the total only
    assert np.allclose(secure.arrays[0], plain.arrays[0], atol=5e-3)
    assert not np.allclose(secure.arrays[0], plain.arrays[0], atol=1e-9)  # it did go through SecAgg+
    # DP: one Gaussian mechanism a round, the job within its budget, the model still discriminates
    assert private.dp is not None and private.dp.steps == 3
    assert [noisy.rounds[r]["epsilon"] for r in (1, 2, 3)] == [private.epsilon_after(r) for r in (1, 2, 3)]
    assert 0 < noisy.rounds[3]["epsilon"] <= 3.0
    scored = evaluate(noisy.arrays, private)
    assert scored["global"]["auc"] > 0.55 and set(scored["hospitals"]) == {
        "hospital-1", "hospital-2", "hospital-3",
    }  # fmt: skip
    assert all({"auc", "accuracy", "ece", "brier"} <= set(h) for h in scored["hospitals"].values())
    assert {"auc", "accuracy", "ece", "brier"} <= set(noisy.rounds[3])  # the hospitals' own evaluation
    # the noise each hospital added, as its public level travels with the sums (sd_H / n, summed over
    # the hospitals by the example-weighted mean): the full noise with FedAvg, 1/sqrt(2) of it under
    # SecAgg+ (threshold 2 of 3); SecAgg+'s quantization blurs each value a little, not the mean
    from node.federated.data import benchmark_partitions
    from node.federated.dp_trees import noise_scales

    assert private.dp is not None and private.dp_noise_divisor == 2
    n = sum(len(p.y_train) for p in benchmark_partitions("realistic", 3, base.seed, base.alpha, 900))
    full = 3 * noise_scales(private.dp.clip, private.dp.noise_multiplier, private.local_epochs)[1] / n
    assert np.allclose(noisy_plain.arrays[0][:, 2], full)
    assert float(np.mean(noisy.arrays[0][:, 2])) == pytest.approx(full / np.sqrt(2), rel=0.05)


def test_privacy_accountant() -> None:
    from node.federated.privacy import DpConfig, epsilon, noise_for

    assert epsilon(0, 1.0, 1e-5) == 0.0 and epsilon(10, 0.0, 1e-5) == float("inf")
    assert epsilon(20, 2.0, 1e-5) < epsilon(40, 2.0, 1e-5)  # composition grows with steps
    assert epsilon(20, 4.0, 1e-5) < epsilon(20, 2.0, 1e-5)  # more noise, less epsilon
    z = noise_for(3.0, 20, 1e-5)
    assert epsilon(20, z, 1e-5) <= 3.0 < epsilon(20, z * 0.99, 1e-5)
    plan = DpConfig.plan(1.0, 50)
    assert plan.spent(50) <= 1.0 and plan.spent(25) < plan.spent(50)


def _hospitals(
    tmp_path: Path, uses: list[int], epsilon: float = 3.0
) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """Three hospital nodes (h0..h2), each with its own lab and diagnosis assets and a
    federated-training contract with the same research partner allowing ``uses[i]`` rounds."""
    key = PrivateKey.generate()
    nodes, request = {}, {}
    for i, n in enumerate(uses):
        home = tmp_path / f"h{i}"
        home.mkdir()
        url = f"sqlite:///{home / 'node.db'}"
        upgrade(url)
        c = _node(url, home, f"h{i}")
        world = build_world(c, tmp_path / f"samples{i}", researcher_key=key, seed=100 + i)
        terms = world.terms("federated_training", "drug_research", max_uses=n, epsilon=epsilon)
        ct = world.active(world.researcher, key, "aggregate_fl", terms)
        nodes[str(i)] = {"data_dir": str(home), "database_url": url, "name": f"h{i}"}
        request[f"h{i}"] = {"contract_id": ct.id}  # the contract names the product: the request cannot
        c.close()
    return nodes, request


def _node(url: str, home: Path, name: str) -> Container:
    settings = load_settings(data_dir=home, database_url=url, key_passphrase=PASSPHRASE, name=name)
    if not settings.node_key_path.exists():
        create_node_key(settings.node_key_path, PASSPHRASE)
    return build_container(settings)


def simulated(nodes: dict[str, dict[str, str]]) -> SimulatedHospitals:
    """The simulated hospitals' nodes, handed to the simulation explicitly: each reads its encrypted
    tables with its own node key, as its SuperNode would."""
    return SimulatedHospitals(
        {
            int(i): load_settings(
                data_dir=Path(n["data_dir"]),
                database_url=n["database_url"],
                key_passphrase=PASSPHRASE,
                name=n["name"],
            )
            for i, n in nodes.items()
        },
        build_container,
    )


def test_a_job_under_contract_with_secure_aggregation_survives_a_hospital_whose_contract_runs_out(
    tmp_path: Path,
) -> None:
    """h0 coordinates. h2's contract allows one round: it refuses rounds 2-3, SecAgg+ recovers its
    masks, and the job (minimum two hospitals) completes; the model is registered, its digest
    queued for anchoring; each hospital metered exactly the rounds it took part in."""
    from node.federated.flower.runtime import run_in_simulation

    nodes, hospitals = _hospitals(tmp_path, [3, 3, 1])
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    request = {
        "hospitals": hospitals,
        "rounds": 3,
        "local_epochs": 1,
        "lr": 1.0,
        "dp_epsilon": 3.0,
        "min_hospitals": 2,
    }
    api = TestClient(create_app(coordinator))
    auth = {"Authorization": f"Bearer {coordinator.identity.issue_token('cli:t', researcher.id).secret}"}
    bad = api.post("/v1/fl/jobs", json={**request, "rounds": 0}, headers=auth)
    assert (bad.status_code, bad.json()["code"]) == (422, "fl_job_invalid")
    created = api.post("/v1/fl/jobs", json=request, headers=auth)
    assert created.status_code == 201, created.text
    job = coordinator.fl_coordinator.load(created.json()["id"])
    assert job.spec.secagg is not None and job.spec.dp is not None and job.state.value == "created"
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.rounds_done, job.model_id is not None) == ("completed", 3, True), job.reason
    rounds = coordinator.fl_jobs.rounds(researcher, job.id)
    assert [r.metrics["hospitals"] for r in rounds] == [3, 2, 2]
    refusal = "usage_denied: use denied by policy: contract_active, uses_left"
    assert [r.refused for r in rounds] == [[], [refusal], [refusal]]
    assert (
        rounds[-1].metrics["epsilon"] == pytest.approx(job.spec.epsilon_after(3)) and job.epsilon_spent <= 3.0
    )
    model, blob = coordinator.fl_jobs.model(researcher, job.model_id)
    assert (
        model.digest == sm3_hex(blob)
        and model.participants["h2"]["contract_id"] == hospitals["h2"]["contract_id"]
    )
    got = api.get(f"/v1/fl/models/{job.model_id}", headers=auth)
    assert got.status_code == 200 and got.content == blob
    assert got.headers["X-Model-Digest-SM3"] == model.digest
    shown = api.get(f"/v1/fl/jobs/{job.id}", headers=auth).json()
    assert [r["metrics"]["hospitals"] for r in shown["round_metrics"]] == [3, 2, 2]
    kind, features, arrays = load_model_bytes(blob)
    assert (kind, features, [a.shape for a in arrays]) == ("logreg", 6, [(6,), (1,)])
    assert [o.kind for o in coordinator.anchoring.pending()] == ["model"]
    # the secure sum is the same model FedAvg would have computed: it separates diabetics on h0's data
    m = LogisticRegression(6)
    m.set(arrays)
    part = _partition(coordinator, hospitals["h0"]["contract_id"])
    assert auc(part.y_test, m.predict(part.x_test)) > 0.75
    # another partner cannot see the job or the model
    insurer = coordinator.identity.resolve("insurer-a")
    with pytest.raises(NotFound):
        coordinator.fl_jobs.model(insurer, job.model_id)
    # a tampered model file is refused on download
    path = Path(nodes["0"]["data_dir"]) / "fl_models" / f"{job.model_id}.json"
    path.write_bytes(blob.replace(b'"logreg"', b'"mlp"'))
    with pytest.raises(Conflict) as err:
        coordinator.fl_jobs.model(researcher, job.model_id)
    assert err.value.code == "fl_model_tampered"
    coordinator.close()
    for i, expected in enumerate([3, 3, 1]):
        c = _node(nodes[str(i)]["database_url"], Path(nodes[str(i)]["data_dir"]), f"h{i}")
        seen = c.fl_jobs.trained_here(c.identity.resolve("officer"))
        assert [(r["job"], r["rounds"]) for r in seen] == [(job.id, expected)]
        assert seen[0]["epsilon"] == pytest.approx(job.spec.epsilon_after(expected), rel=1e-6)
        c.close()


def test_a_job_stops_when_fewer_hospitals_than_its_minimum_take_part(
    tmp_path: Path,
) -> None:
    from node.federated.flower.runtime import run_in_simulation

    nodes, hospitals = _hospitals(tmp_path, [3, 1, 3])
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    job = coordinator.fl_jobs.create(
        researcher, {"hospitals": hospitals, "rounds": 3, "local_epochs": 2, "secure_aggregation": False}
    )
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.code, job.rounds_done, job.model_id) == (
        "stopped",
        "fl_too_few_hospitals",
        1,
        None,
    )
    assert job.reason == (
        "round 2: 2 of 3 hospitals took part (minimum 3); "
        "refusals: usage_denied: use denied by policy: contract_active, uses_left"
    )
    assert coordinator.audit.recent(1)[0].action == "fl.job.stopped"
    with pytest.raises(JobAlreadyStarted) as again:  # run once more: refused before any hospital is asked
        run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert again.value.state == "stopped"
    coordinator.close()
    h1 = _node(nodes["1"]["database_url"], Path(nodes["1"]["data_dir"]), "h1")
    assert [r["rounds"] for r in h1.fl_jobs.trained_here(h1.identity.resolve("officer"))] == [1]
    h1.close()


def _partition(c: Container, contract_id: str) -> Any:
    contract = c.contracts.get(c.identity.resolve("officer"), contract_id)
    tables = model_tables([c.assets.get(i) for i in contract.asset_ids], c.store)
    return asset_partition("h", tables, ModelInputs())


def test_hnode_fl_run_simulates_a_job_on_the_hospital_nodes_it_is_given(tmp_path: Path) -> None:
    """`hnode fl run JOB --runtime simulation` handed no hospitals to the simulation, so every round
    was refused (no node behind a ClientApp). It now takes each other hospital's node from
    ``--hospitals FILE`` (this node stands for itself), and refuses before running or charging
    anything when one is missing or the file is malformed (the job waits again)."""
    from tests.conftest import node_env

    nodes, hospitals = _hospitals(tmp_path, [3, 3, 3])
    home, url = Path(nodes["0"]["data_dir"]), nodes["0"]["database_url"]
    coordinator = _node(url, home, "h0")
    researcher = coordinator.identity.resolve("institute-b")
    request = {"hospitals": hospitals, "rounds": 2, "local_epochs": 1, "lr": 1.0}
    job = coordinator.fl_jobs.create(researcher, request)
    assert job.spec.secagg is not None
    env = node_env(home, url, name="h0")
    others = {
        n["name"]: {"data_dir": n["data_dir"], "database_url": n["database_url"]}
        for i, n in nodes.items()
        if i != "0"
    }
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"h1": others["h1"]}), encoding="utf-8")
    malformed = tmp_path / "malformed.json"
    malformed.write_text(
        json.dumps({**others, "h1": {**others["h1"], "key_passphrase": "x"}}), encoding="utf-8"
    )
    for bad, says in ((None, "hospitals h1, h2:"), (partial, "hospitals h2:"), (malformed, "key_passphrase")):
        args = ["fl", "run", job.id, "--runtime", "simulation"] + (["--hospitals", str(bad)] if bad else [])
        r = hnode(*args, env=env)
        assert r.returncode == 2 and says in r.stderr, r.stderr
        assert coordinator.fl_coordinator.load(job.id).state.value == "created"  # it waits again
    complete = tmp_path / "hospitals.json"
    complete.write_text(json.dumps(others), encoding="utf-8")
    r = hnode(
        "fl", "run", job.id, "--runtime", "simulation", "--hospitals", str(complete), env=env, timeout=600
    )
    assert r.returncode == 0, r.stderr[-3000:]
    done = coordinator.fl_coordinator.load(job.id)
    assert (done.state.value, done.rounds_done, done.model_id is not None) == ("completed", 2, True), (
        done.reason
    )
    rounds = coordinator.fl_jobs.rounds(researcher, job.id)
    assert [r.metrics["hospitals"] for r in rounds] == [3, 3] and all(not r.refused for r in rounds)
    coordinator.close()
