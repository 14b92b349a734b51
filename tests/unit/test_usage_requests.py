"""The typed constructors of ``UsageRequest``: each metered path's mode, reference and idempotency key
decided in one place (they were built by hand in seven modules)."""

from __future__ import annotations

from node.asset_registry.model import AccessMode
from node.contracts.enforcement import UsageRequest


def test_each_path_asks_for_its_own_mode_under_the_contracts_purpose() -> None:
    consent = {"required": True, "subjects": 3, "without_consent": 0, "excluded": True}
    made = {
        "extract": UsageRequest.for_extract("ct_1"),
        "fl": UsageRequest.for_federated_round("ct_1", "job_9", 3, 0.5),
        "he": UsageRequest.for_he_query("ct_1", "he.score:ss_1"),
        "he_aggregate": UsageRequest.for_he_query("ct_1", "he.aggregate:E11", 0.25),
        "query": UsageRequest.for_aggregate_query("ct_1", ["age", "los"], 0.1),
        "psi": UsageRequest.for_psi("ct_1", 40, consent),
        "attrition": UsageRequest.for_cohort_attrition("ct_1", 2, "ab" * 32),
        "dataset": UsageRequest.for_research_dataset("ct_1", "rd_7", 2, "ab" * 32),
        "claim": UsageRequest.for_claim("ct_1", "cl-1", "enc-5", 2, consent),
    }
    assert {k: r.access_mode for k, r in made.items()} == {
        "extract": AccessMode.ANONYMIZED_EXTRACT,
        "fl": AccessMode.FEDERATED_TRAINING,
        "he": AccessMode.HE_QUERY,
        "he_aggregate": AccessMode.HE_QUERY,
        "query": AccessMode.AGGREGATE_QUERY,
        "psi": AccessMode.PSI,
        "attrition": None,  # a cohort's attrition under whatever mode the contract has
        "dataset": AccessMode.RESEARCH_DATASET,
        "claim": AccessMode.SETTLEMENT,
    }
    assert all(r.contract_id == "ct_1" and r.purpose is None for r in made.values())
    assert {k: r.ref for k, r in made.items()} == {
        "extract": "extract",
        "fl": "fl:job_9:round-3",
        "he": "he.score:ss_1",
        "he_aggregate": "he.aggregate:E11",
        "query": "query:age,los",
        "psi": "psi:40",
        "attrition": "cohort:2:" + "ab" * 8,
        "dataset": "dataset:rd_7:2:" + "ab" * 8,
        "claim": "claim cl-1",
    }
    # retried rounds and claims are replays: one key per (contract, job, round) and (contract, claim, version)
    keyed = {k: r.idempotency_key for k, r in made.items() if r.idempotency_key}
    assert keyed == {"fl": "fl:job_9:round-3", "claim": "claim:enc-5:v2"}
    assert (made["fl"].epsilon, made["he_aggregate"].epsilon, made["query"].epsilon) == (0.5, 0.25, 0.1)
    assert made["psi"].consent == consent and made["claim"].consent == consent


def test_a_remote_enforcement_point_is_asked_as_it_asked() -> None:
    r = UsageRequest.for_remote_check("ct_2", AccessMode.HE_QUERY, "科研", 0.2, 30, "mine", "k-1")
    assert r == UsageRequest("ct_2", AccessMode.HE_QUERY, "科研", 0.2, 30, "mine", "k-1")
