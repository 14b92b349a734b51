"""Federated models on the partner's chosen features and outcome, bounded by each hospital's product:
refused before any round (at job creation on the coordinator's own product; by each hospital's
ClientApp before it meters anything), and trained in Flower's simulation runtime when offered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.adapters.db.migrate import upgrade
from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.federated.flower.runtime import run_in_simulation
from tests.contract_world import World, build_world
from tests.integration.test_federated_simulation import _node, simulated

CHOSEN = {
    "loinc": ["4548-4", "2345-7", "718-7"],  # 718-7 (haemoglobin) has no published scale
    "diagnosis_flags": {"icd10": ["I10"]},
    "medication_flags": {"atc": ["A10B"]},
}
OFFER = {
    "epsilon": 3.0,
    "features": {
        "loinc": ["4548-4", "2345-7", "718-7", "8480-6"],
        "diagnosis_flags": {"icd10": ["I", "E78"]},
        "medication_flags": {"atc": ["A10", "C08"]},
    },
    "outcomes": {"diagnosis": {"icd10": ["E11", "I25"]}, "lab": ["4548-4"]},
}


NARROW = {**OFFER, "features": {**OFFER["features"], "loinc": ["4548-4", "2345-7", "718-7"]}}  # type: ignore[dict-item]


def _offer(w: World, template: dict[str, Any], short: str = "fl_chosen") -> str:
    """A federated-training product over labs, diagnoses and medications offering ``template``."""
    assets = {a.table: a.id for a in w.c.assets.search()}
    tables = ["observations", "conditions", "medications"]
    p = w.c.products.create(
        w.officer.id,
        f"product-{short}",
        [assets[t] for t in tables],
        "federated_training",
        ["researcher"],
        template,
    )
    w.c.products.set_status(w.officer.id, p.id, ProductStatus.PUBLISHED)
    w.products[short] = p.id
    terms = w.terms("federated_training", "drug_research", max_uses=20, epsilon=3.0)
    return w.active(w.researcher, w.researcher_key, short, terms).id


def test_a_feature_outside_the_product_is_refused_before_any_round_and_nothing_is_metered(
    container: Container, tmp_path: Path
) -> None:
    w = build_world(container, tmp_path / "samples")
    chosen = _offer(w, OFFER)
    plain = w.active(
        w.researcher,
        w.researcher_key,
        "aggregate_fl",
        w.terms("federated_training", "drug_research", epsilon=3.0),
    ).id
    api = TestClient(create_app(container))
    auth = {"Authorization": f"Bearer {container.identity.issue_token('cli:t', w.researcher.id).secret}"}

    def create(contract_id: str, **body: Any) -> Any:
        here = container.settings.name
        hospitals = {here: {"contract_id": contract_id}, "elsewhere": {"contract_id": "ct_other"}}
        return api.post("/v1/fl/jobs", json={"hospitals": hospitals, "rounds": 2, **body}, headers=auth)

    refused = [
        (chosen, {"features": {**CHOSEN, "loinc": ["4548-4", "8462-4"]}}, "loinc:8462-4"),
        (chosen, {"features": {**CHOSEN, "medication_flags": {"atc": ["N06A"]}}}, "atc:N06A"),
        (chosen, {"features": CHOSEN, "outcome": {"diagnosis": {"icd10": ["J44"]}}}, "outcome icd10:J44"),
        (
            chosen,
            {"features": CHOSEN, "outcome": {"lab": {"loinc": "2160-0", "min": 100}}},
            "outcome loinc:2160-0",
        ),
        # a product that says nothing offers the six risk labs and E11 only
        (plain, {"features": {"loinc": ["4548-4", "718-7"]}}, "loinc:718-7"),
        (plain, {"target": "I10"}, "outcome icd10:I10"),
    ]
    for contract_id, body, named in refused:
        r = create(contract_id, **body)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
        problem = r.json()
        assert problem["code"] == "fl_feature_not_offered" and named in problem["detail"], problem
        assert "h1-p" not in r.text  # codes, never a patient
    malformed = create(chosen, features={"loinc": ["HbA1c"]})
    assert (malformed.status_code, malformed.json()["code"]) == (422, "fl_features_invalid")
    assert container.fl_jobs.list_for(w.researcher) == []  # no job, no round
    with container.uow() as uow:
        assert uow.contracts.usage(chosen) == [] and uow.contracts.usage(plain) == []  # nothing metered
    denied = [e for e in container.audit.recent(20) if e.action == "fl.job.features"]
    assert len(denied) == len(refused) and all(e.outcome == "denied" for e in denied)
    # within the offer (E11.9 under E11, I10 under I, A10B under A10): created, its columns named
    ok = create(chosen, features=CHOSEN, outcome={"diagnosis": {"icd10": ["E11.9"]}})
    assert ok.status_code == 201, ok.text
    assert ok.json()["feature_names"] == [
        "loinc:4548-4",
        "loinc:2345-7",
        "loinc:718-7",
        "icd10:I10",
        "atc:A10B",
    ]
    assert ok.json()["outcome"] == "icd10:E11.9"
    default = create(plain)
    assert default.status_code == 201 and len(default.json()["feature_names"]) == 6


def _hospitals(
    tmp_path: Path, offers: list[dict[str, Any]], narrow: dict[str, Any] | None = None
) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """Hospital nodes h0.. each with its own data, a product offering ``offers[i]`` and a contract; with
    ``narrow``, the last hospital also has a contract on a product offering that (as ``narrow``)."""
    key = PrivateKey.generate()
    nodes, request = {}, {}
    for i, template in enumerate(offers):
        home = tmp_path / f"h{i}"
        home.mkdir()
        url = f"sqlite:///{home / 'node.db'}"
        upgrade(url)
        c = _node(url, home, f"h{i}")
        world = build_world(c, tmp_path / f"samples{i}", researcher_key=key, seed=200 + i)
        request[f"h{i}"] = {"contract_id": _offer(world, template)}
        if narrow is not None and i == len(offers) - 1:
            request["narrow"] = {"contract_id": _offer(world, narrow, "fl_narrow")}
        nodes[str(i)] = {"data_dir": str(home), "database_url": url, "name": f"h{i}"}
        c.close()
    return nodes, request


@pytest.fixture(scope="module")
def offered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """Two hospitals whose products offer ``OFFER`` (h1 also has a contract on ``NARROW``), shared by
    the tests (each job meters at most 2 uses of a contract)."""
    return _hospitals(tmp_path_factory.mktemp("offered"), [OFFER, OFFER], NARROW)


@pytest.mark.parametrize(("model", "epochs", "lr"), [("logreg", 30, 1.0), ("xgboost", 5, 0.3)])
def test_a_model_trains_on_the_chosen_features_and_reports_auc_accuracy_and_calibration(
    model: str,
    epochs: int,
    lr: float,
    offered: tuple[dict[str, dict[str, str]], dict[str, Any]],
) -> None:
    """2 hospitals, 2 rounds; the round metrics are the example-weighted global ones and each
    hospital's own (AUC, accuracy, calibration: ECE and Brier score)."""
    nodes, hospitals = offered
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    request = {
        "hospitals": {h: hospitals[h] for h in ("h0", "h1")},
        "rounds": 2,
        "local_epochs": epochs,
        "lr": lr,
        "model": model,
    }
    job = coordinator.fl_jobs.create(researcher, {**request, "features": CHOSEN})
    assert job.spec.features == 5 and job.spec.secagg is None
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.rounds_done) == ("completed", 2), job.reason
    last = coordinator.fl_jobs.rounds(researcher, job.id)[-1].metrics
    assert last["hospitals"] == 2
    # A10B (diabetes drugs) and HbA1c separate the E11 patients in the generated data
    assert (
        last["auc"] > 0.8
        and 0 <= last["brier"] < 0.2
        and 0.7 < last["accuracy"] <= 1
        and 0 <= last["ece"] < 0.5
    )
    for h in ("h0", "h1"):
        assert last[f"{h}.auc"] > 0.7 and 0 <= last[f"{h}.brier"] < 0.25 and last[f"{h}.n"] > 10
    n0, n1 = last["h0.n"], last["h1.n"]
    assert last["auc"] == pytest.approx((n0 * last["h0.auc"] + n1 * last["h1.auc"]) / (n0 + n1), abs=1e-6)
    model_row, _ = coordinator.fl_jobs.model(researcher, job.model_id)
    assert model_row.name == f"{model}-e11"
    coordinator.close()


def test_a_hospital_whose_product_does_not_offer_a_feature_refuses_the_round_before_metering(
    offered: tuple[dict[str, dict[str, str]], dict[str, Any]],
) -> None:
    """The coordinator (h0) offers 8480-6; h1's contract here is on a product that does not: h1's
    ClientApp refuses round 1 before its node meters anything, and the job stops in a defined state."""
    nodes, contracts = offered
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    features = {**CHOSEN, "loinc": ["4548-4", "8480-6"]}
    hospitals = {"h0": contracts["h0"], "h1": contracts["narrow"]}
    job = coordinator.fl_jobs.create(researcher, {"hospitals": hospitals, "rounds": 2, "features": features})
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.code, job.rounds_done, job.model_id) == (
        "stopped",
        "fl_too_few_hospitals",
        0,
        None,
    )
    assert "fl_feature_not_offered" in (job.reason or "") and "loinc:8480-6" in (job.reason or "")
    coordinator.close()
    h1 = _node(nodes["1"]["database_url"], Path(nodes["1"]["data_dir"]), "h1")
    with h1.uow() as uow:
        assert uow.contracts.usage(contracts["narrow"]["contract_id"]) == []  # nothing metered at h1
    assert any(e.action == "fl.job.features" and e.outcome == "denied" for e in h1.audit.recent(10))
    h1.close()


def test_dp_trees_train_on_hospital_nodes_and_refuse_labs_without_a_public_scale(
    offered: tuple[dict[str, dict[str, str]], dict[str, Any]],
) -> None:
    """DP trees split on the public reference scale: with 718-7 (no published or reference scale)
    each hospital refuses the round before metering it; with scaled labs and flags the job trains
    under SecAgg+ or not, within its ε, and reports AUC and calibration per hospital."""
    nodes, contracts = offered
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    hospitals = {h: contracts[h] for h in ("h0", "h1")}
    request = {"hospitals": hospitals, "rounds": 2, "local_epochs": 5, "lr": 1.0, "model": "dp_trees"}
    with coordinator.uow() as uow:
        used = len(uow.contracts.usage(contracts["h0"]["contract_id"]))
    job = coordinator.fl_jobs.create(researcher, {**request, "features": CHOSEN, "dp_epsilon": 1.0})
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.rounds_done) == ("stopped", 0)
    assert "fl_dp_unscaled" in (job.reason or "") and "718-7" in (job.reason or "")
    with coordinator.uow() as uow:
        assert len(uow.contracts.usage(contracts["h0"]["contract_id"])) == used  # nothing metered
    scaled = {**CHOSEN, "loinc": ["4548-4", "2345-7"]}
    job = coordinator.fl_jobs.create(researcher, {**request, "features": scaled, "dp_epsilon": 1.0})
    assert job.spec.dp is not None and job.spec.dp.steps == 2 and job.spec.tree_plan().flags == (2, 3)
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.rounds_done) == ("completed", 2), job.reason
    last = coordinator.fl_jobs.rounds(researcher, job.id)[-1].metrics
    assert 0 < last["epsilon"] <= 1.0 and last["hospitals"] == 2
    assert last["auc"] > 0.6 and 0 <= last["brier"] < 0.25 and 0 <= last["ece"] < 0.5
    assert all(last[f"{h}.auc"] > 0.5 and last[f"{h}.n"] > 10 for h in ("h0", "h1"))
    coordinator.close()


def test_dp_gradient_descent_refuses_labs_without_a_public_scale(
    offered: tuple[dict[str, dict[str, str]], dict[str, Any]],
) -> None:
    """A lab a hospital standardizes by its own rows makes every record's clipped gradient depend on
    every other record, so the DP bound (one record moves the sum by the clip) no longer holds: DP
    logistic regression refuses such a lab before metering, as DP trees do."""
    nodes, contracts = offered
    coordinator = _node(nodes["0"]["database_url"], Path(nodes["0"]["data_dir"]), "h0")
    researcher = coordinator.identity.resolve("institute-b")
    hospitals = {h: contracts[h] for h in ("h0", "h1")}
    with coordinator.uow() as uow:
        used = len(uow.contracts.usage(contracts["h0"]["contract_id"]))
    request = {"hospitals": hospitals, "rounds": 2, "features": CHOSEN, "dp_epsilon": 2.0}
    job = coordinator.fl_jobs.create(researcher, request)
    job = run_in_simulation(coordinator, job.id, hospitals=simulated(nodes))
    assert (job.state.value, job.rounds_done) == ("stopped", 0)
    assert "fl_dp_unscaled" in (job.reason or "") and "718-7" in (job.reason or "")
    with coordinator.uow() as uow:
        assert len(uow.contracts.usage(contracts["h0"]["contract_id"])) == used  # nothing metered
    coordinator.close()
