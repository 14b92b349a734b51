"""The one enforcement point (issue 15, part A): every metered use goes through ``UsageService.use``,
which decides on the contract's own product and assets, meters once per reference, audits every
refusal itself, and hands the work a grant; nothing is computed before the decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from node.asset_registry.model import AccessMode, ProductStatus
from node.bootstrap import Container
from node.contracts.enforcement import UsageDenied, UsageRequest
from node.errors import InvalidInput
from tests.contract_world import World, build_world


@pytest.fixture
def world(container: Container, tmp_path: Path) -> World:
    return build_world(container, tmp_path / "samples")


def _fl_contract(w: World, uses: int = 5, epsilon: float = 3.0) -> str:
    terms = w.terms("federated_training", "drug_research", max_uses=uses, epsilon=epsilon)
    return w.active(w.researcher, w.researcher_key, "aggregate_fl", terms).id


def _job_request(w: World, contract_id: str, **here: Any) -> dict[str, Any]:
    hospitals = {
        w.c.settings.name: {"contract_id": contract_id, **here},
        "hospital-b": {"contract_id": "ct_elsewhere"},
        "hospital-c": {"contract_id": "ct_elsewhere2"},
    }
    return {"hospitals": hospitals, "rounds": 3, "local_epochs": 2}


def _denials(w: World, contract_id: str) -> list[Any]:
    return [
        e
        for e in w.c.audit.recent(200)
        if e.action == "contract.use" and e.object_id == contract_id and e.outcome == "denied"
    ]


# -- 1. the contract's product, never the request's ------------------------------------------------
def test_a_training_job_cannot_name_a_product_the_round_reads_the_contracts_assets(world: World) -> None:
    """Seen: a job for a contract on product A named product B in its request, and the hospital
    trained on B. Now the request cannot name a product, and the round's grant carries the contract's."""
    w = world
    ct = _fl_contract(w)
    with pytest.raises(InvalidInput) as named:
        w.c.fl_jobs.create(w.researcher, _job_request(w, ct, product_id=w.products["federated"]))
    assert named.value.code == "fl_job_invalid" and "product_id" in named.value.message
    job = w.c.fl_jobs.create(w.researcher, _job_request(w, ct))
    assert "product_id" not in job.spec.to_json()
    grant = w.c.round_gate.admit(ct, job.id, 1, 0.1)
    contract = w.c.contracts.get(w.officer, ct)
    assert grant.product_id == contract.product_id == w.products["aggregate_fl"]
    assert grant.asset_ids == contract.asset_ids and len(grant.asset_ids) == 2


def test_the_usage_policy_sees_the_product_a_retired_product_is_not_used(world: World) -> None:
    w = world
    ct = _fl_contract(w)
    w.c.products.set_status(w.officer.id, w.products["aggregate_fl"], ProductStatus.RETIRED)
    with pytest.raises(UsageDenied) as denied:
        w.c.round_gate.admit(ct, "job_x", 1, 0.1)
    assert denied.value.reasons == ["product_in_force"]
    assert w.c.contracts.get(w.officer, ct).uses == 0
    assert [e.details["reasons"] for e in _denials(w, ct)] == [["product_in_force"]]


# -- 2. one charge per (contract, job, round) ------------------------------------------------------
def test_a_round_metered_twice_is_charged_once_and_returns_the_first_outcome(world: World) -> None:
    """Seen: a job submitted twice charged each hospital's contract for round 1 twice."""
    w = world
    ct = _fl_contract(w)
    first = w.c.round_gate.admit(ct, "job_a", 1, 0.4)
    again = w.c.round_gate.admit(ct, "job_a", 1, 0.4)
    assert again.record.id == first.record.id and again.replayed and not first.replayed
    contract = w.c.contracts.get(w.officer, ct)
    assert (contract.uses, contract.epsilon_spent) == (1, pytest.approx(0.4))
    other = w.c.round_gate.admit(ct, "job_a", 2, 0.4)  # another round is another use
    assert other.record.id != first.record.id
    assert w.c.contracts.get(w.officer, ct).uses == 2
    assert [u.idempotency_key for u in w.c.contracts.usage_of(w.officer, ct)] == [
        "fl:job_a:round-1",
        "fl:job_a:round-2",
    ]


def test_concurrent_retries_of_one_reference_charge_once(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = world
    ct = _fl_contract(w, uses=50)
    with ThreadPoolExecutor(8) as pool:
        grants = list(pool.map(lambda _: w.c.round_gate.admit(ct, "job_b", 1, 0.1), range(16)))
    assert len({g.record.id for g in grants}) == 1
    assert w.c.contracts.get(w.officer, ct).uses == 1


def test_the_database_refuses_a_second_record_of_one_reference(world: World) -> None:
    from dataclasses import replace

    from sqlalchemy.exc import IntegrityError

    w = world
    ct = _fl_contract(w)
    grant = w.c.round_gate.admit(ct, "job_c", 1, 0.1)
    with pytest.raises(IntegrityError), w.c.uow() as uow:
        uow.contracts.add_usages([replace(grant.record, id="us_duplicate")])
        uow.commit()


# -- 3. one way to decide, audit and compute ---------------------------------------------------------
def test_he_aggregate_reads_no_data_before_the_decision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen: HE computed the cohort statistics, then asked the policy."""
    import node.he_query.services as he_services

    w = world
    terms = w.terms("he_query", "clinical_research", epsilon=3.0, min_cohort=10)
    ct = w.active(w.researcher, w.researcher_key, "he", terms).id
    w.c.contracts.revoke(w.officer, ct, "合作终止")

    def must_not_run(*_: Any, **__: Any) -> Any:
        raise AssertionError("cohort statistics computed before the usage decision")

    monkeypatch.setattr(he_services, "cohort_statistics", must_not_run)
    monkeypatch.setattr(w.c.he, "_session", lambda *_: object())  # no TenSEAL needed to be refused
    with pytest.raises(UsageDenied) as denied:
        w.c.he.aggregate(w.researcher, ct, "s1", "s2", "E11", 0.5)
    assert "contract_active" in denied.value.reasons and denied.value.audited
    assert len(_denials(w, ct)) == 1


def test_a_wrong_mode_is_one_audited_policy_refusal_on_every_path(world: World) -> None:
    """Extracts, HE and the round gate each rebuilt the request and checked the mode in Python,
    auditing refusals in different ways; now the policy refuses and the enforcement point audits."""
    w = world
    ct = w.active(
        w.researcher, w.researcher_key, "extract", w.terms("anonymized_extract", "drug_research")
    ).id
    fl = _fl_contract(w)
    refusals = [
        lambda: w.c.he.score(w.researcher, ct, "s", [b"x"] * 6),
        lambda: w.c.round_gate.admit(ct, "job_d", 1, 0.0),
        lambda: w.c.contract_extracts.extract(w.researcher, fl),
    ]
    for refuse in refusals:
        with pytest.raises(UsageDenied) as denied:
            refuse()
        assert denied.value.reasons == ["mode_matches"] and denied.value.audited
    assert len(_denials(w, ct)) == 2 and len(_denials(w, fl)) == 1
    assert w.c.contracts.get(w.officer, ct).uses == 0 and w.c.contracts.get(w.officer, fl).uses == 0


def test_an_extract_is_produced_from_the_grant(world: World) -> None:
    w = world
    ct = w.active(
        w.researcher, w.researcher_key, "extract", w.terms("anonymized_extract", "drug_research")
    ).id
    rows, report = w.c.contract_extracts.extract(w.researcher, ct)
    assert report.met and len(rows) > 0
    with w.c.usage.use(
        w.researcher, UsageRequest(ct, AccessMode.ANONYMIZED_EXTRACT, "drug_research", ref="t")
    ) as grant:
        assert grant.product_id == w.products["extract"] and grant.contract.id == ct
        again, _ = w.c.extracts.extract(grant)
    assert list(again.columns) == list(rows.columns)
    assert w.c.contracts.get(w.officer, ct).uses == 2


def test_a_remote_enforcement_point_retries_a_use_over_http_and_is_charged_once(world: World) -> None:
    from fastapi.testclient import TestClient

    from node.api.app import create_app
    from node.sdk.partner import PartnerClient

    w = world
    terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=3)
    ct = w.active(w.insurer, w.insurer_key, "aggregate", terms).id
    token = w.c.identity.issue_token("cli:t", w.insurer.id).secret
    sdk = PartnerClient("", token, http=TestClient(create_app(w.c)))
    first = sdk.use(ct, "actuarial_statistics", cohort_size=50, idempotency_key="claim:c1:v1")
    again = sdk.use(ct, "actuarial_statistics", cohort_size=50, idempotency_key="claim:c1:v1")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["usage_id"] == first["usage_id"] and again["use"] == 1
    assert sdk.use(ct, "actuarial_statistics", cohort_size=50, idempotency_key="claim:c1:v2")["use"] == 2
