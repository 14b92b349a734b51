"""Encrypted queries end to end: sessions, model training, packed scoring, aggregates, refusals."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.asset_registry.clinical import feature_table
from node.contracts.enforcement import UsageDenied
from node.errors import InvalidInput, NotFound, PolicyDenied
from node.he_query.params import Scheme
from node.he_query.tenseal_backend import ClientKeys, TenSealBackend
from node.sdk.he_client import HeClient
from node.sdk.partner import PartnerClient
from tests.conftest import make_container
from tests.contract_world import World, build_world


@pytest.fixture(scope="module")
def keys() -> dict[Scheme, ClientKeys]:
    return {s: ClientKeys(s) for s in Scheme}


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(sqlite_url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    c.he.train(w.officer, w.products["he"])
    yield w
    c.close()


def _client(w: World, principal_id: str) -> PartnerClient:
    token = w.c.identity.issue_token("cli:t", principal_id).secret
    return PartnerClient("", token, http=TestClient(create_app(w.c)))


def _he_contract(w: World, partner: str, **terms: object) -> str:
    who, key = (w.insurer, w.insurer_key) if partner == "insurer" else (w.researcher, w.researcher_key)
    purpose = "underwriting_risk_model" if partner == "insurer" else "clinical_research"
    return w.active(who, key, "he", w.terms("he_query", purpose, **terms)).id


def test_scoring_over_the_api_matches_the_plaintext_model(
    world: World, keys: dict[Scheme, ClientKeys]
) -> None:
    w = world
    ct = _he_contract(w, "insurer", max_uses=2)
    he = HeClient(_client(w, w.insurer.id))
    model = w.c.he.model(w.products["he"])
    public = he.model(w.products["he"])
    assert [f["loinc"] for f in public["features"]] == [f["loinc"] for f in model.features]
    assert "weights" not in public and public["digest"] == model.digest()
    obs = next(a for a in w.c.assets.search() if a.table == "observations")
    rows = feature_table(next(iter(w.c.store.read(obs.storage_ref)))).to_numpy(dtype=float)[:300]
    result = he.score(keys[Scheme.CKKS_SCORING], ct, rows.tolist())
    scores = np.array(result.values)
    assert len(scores) == len(rows) and result.out_of_range == []
    assert float(np.max(np.abs(scores - model.risk(rows)))) < 1e-3
    assert (
        float(np.max(np.abs(np.array(result.served) - np.clip(model.predict(model.clip(rows)), 0, 1)))) < 1e-5
    )
    he.score(keys[Scheme.CKKS_SCORING], ct, rows[:5].tolist())
    with pytest.raises(PolicyDenied) as spent:  # the quota of 2 queries is spent
        he.score(keys[Scheme.CKKS_SCORING], ct, rows[:5].tolist())
    assert spent.value.code == "usage_denied"


def test_bad_contexts_and_ciphertexts_are_refused_before_any_work(
    world: World, keys: dict[Scheme, ClientKeys]
) -> None:
    w, c = world, world.c
    ct = _he_contract(w, "insurer")
    secret = ClientKeys.load(keys[Scheme.CKKS_SCORING].secret_blob(), Scheme.CKKS_SCORING).secret_blob()
    with pytest.raises(PolicyDenied) as err:
        c.he.open_session(w.insurer, "ckks-scoring", secret)
    assert err.value.code == "he_secret_key_refused"
    for scheme, blob, code in (
        ("ckks-scoring", keys[Scheme.CKKS_SUMS].public_context(), "he_parameters_mismatch"),
        ("bfv-counts", keys[Scheme.CKKS_SUMS].public_context(), "he_parameters_mismatch"),
        ("ckks-scoring", b"\x00garbage" * 10, "he_context_malformed"),
        ("ckks-scoring", b"x" * (17 * 1024 * 1024), "he_payload_too_large"),
        ("rsa", b"", "he_scheme_unknown"),
    ):
        with pytest.raises(InvalidInput) as bad:
            c.he.open_session(w.insurer, scheme, blob)
        assert bad.value.code == code, scheme
    session = c.he.open_session(w.insurer, "ckks-scoring", keys[Scheme.CKKS_SCORING].public_context())[
        "session"
    ]
    with pytest.raises(NotFound):  # sessions belong to who opened them
        c.he.score(w.researcher, ct, session, [b"x"])
    good = keys[Scheme.CKKS_SCORING].encrypt_columns([[5.0] * 6])
    for features, code in ((good[:3], "he_feature_count"), ([b"junk"] * 6, "he_ciphertext_malformed")):
        with pytest.raises(InvalidInput) as bad:
            c.he.score(w.insurer, ct, session, features)
        assert bad.value.code == code
    assert c.contracts.get(w.insurer, ct).uses == 0  # failed work is refunded
    audit = [e for e in c.audit.recent(50) if e.action == "he.session"]
    assert {e.outcome for e in audit} == {"denied", "failed", "success"}


def test_three_hospital_aggregate_refuses_small_cohorts(world: World, keys: dict[Scheme, ClientKeys]) -> None:
    w, c = world, world.c
    ct = _he_contract(w, "researcher", epsilon=3.0, min_cohort=10)
    counts_s = c.he.open_session(w.researcher, "bfv-counts", keys[Scheme.BFV_COUNTS].public_context())[
        "session"
    ]
    sums_s = c.he.open_session(w.researcher, "ckks-sums", keys[Scheme.CKKS_SUMS].public_context())["session"]
    parts = [c.he.aggregate(w.researcher, ct, counts_s, sums_s, "E11", 0.5) for _ in range(3)]
    backend = TenSealBackend()
    total = backend.add(
        backend.load_context(keys[Scheme.BFV_COUNTS].public_context(), Scheme.BFV_COUNTS),
        [p.counts for p in parts],
    )
    counts = keys[Scheme.BFV_COUNTS].decrypt_counts(total)[: len(parts[0].count_names)]
    # the histogram bins add up to the cohort size, up to the noise (scale 8 per value and hospital)
    assert counts[0] > 0 and abs(counts[0] - sum(counts[1:])) < 150
    with pytest.raises(PolicyDenied) as offered:
        c.he.aggregate(w.researcher, ct, counts_s, sums_s, "F20", 0.5)
    assert offered.value.code == "cohort_not_offered"
    with pytest.raises(PolicyDenied) as other_system:  # the offer names ICD-10 E11, not SNOMED CT codes
        c.he.aggregate(w.researcher, ct, counts_s, sums_s, "snomed_ct|44054006", 0.5)
    assert other_system.value.code == "cohort_not_offered"
    with pytest.raises(InvalidInput) as malformed:
        c.he.aggregate(w.researcher, ct, counts_s, sums_s, "snomed_ct|", 0.5)
    assert malformed.value.code == "cohort_invalid"
    small = _he_contract(w, "researcher", epsilon=3.0, min_cohort=10_000)
    with pytest.raises(UsageDenied) as denied:
        c.he.aggregate(w.researcher, small, counts_s, sums_s, "E11", 0.5)
    assert denied.value.reasons == ["cohort_large_enough"]
    assert c.contracts.get(w.researcher, ct).epsilon_spent == pytest.approx(1.5)
    with pytest.raises(UsageDenied) as budget:
        for _ in range(4):
            c.he.aggregate(w.researcher, ct, counts_s, sums_s, "E11", 0.5)
    assert budget.value.reasons == ["privacy_budget_left"]


def test_aggregate_and_combine_over_the_api(world: World, keys: dict[Scheme, ClientKeys]) -> None:
    w, c = world, world.c
    ct = _he_contract(w, "researcher", epsilon=3.0)
    coordinator = c.identity.register(
        "cli:t", "region-hub", ["coordinator"], "区域平台", w.insurer.public_key
    )
    he = HeClient(_client(w, w.researcher.id))
    hub = _client(w, coordinator.id)
    result = he.aggregate(
        keys[Scheme.BFV_COUNTS],
        keys[Scheme.CKKS_SUMS],
        [(he._node, ct)],
        hub,
        "E11",
        1.0,
    )
    assert result.hospitals == [c.settings.name] and result.counts["cohort_size"] > 0
    assert set(result.sums) == {"sum_2345-7", "sum_4548-4", "sum_8480-6", "sum_2093-3"}
    body = {
        "contract_id": ct,
        "counts_session": "0" * 64,
        "sums_session": "0" * 64,
        "condition": "E11",
        "epsilon": 1,
    }
    r = hub._http.post("/v1/he/aggregate", headers=hub._headers, json=body)
    assert r.status_code == 404 and r.json()["code"] == "contract_not_found"  # not the coordinator's contract
    tiny = base64.b64encode(b"x").decode()
    r = hub._http.post(
        "/v1/he/combine",
        headers=hub._headers,
        json={"session": "0" * 64, "scheme": "bfv-counts", "parts": [tiny]},
    )
    assert r.status_code == 404 and r.json()["code"] == "he_session_unknown"


def test_long_scoring_runs_as_a_job_with_progress(world: World, keys: dict[Scheme, ClientKeys]) -> None:
    w, c = world, world.c
    ct = _he_contract(w, "insurer", max_uses=3)
    he = HeClient(_client(w, w.insurer.id))
    model = c.he.model(w.products["he"])
    rng = np.random.default_rng(3)
    rows = rng.normal([6, 6, 5, 80, 125, 24], [1, 1, 1, 10, 10, 3], (8192 + 40, 6))
    seen: list[tuple[int, int]] = []
    scores = he.score_many(
        keys[Scheme.CKKS_SCORING], ct, rows.tolist(), on_progress=lambda d, t: seen.append((d, t))
    )
    assert len(scores) == len(rows) and seen[-1] == (2, 2)
    expected = model.risk(rows)
    assert float(np.max(np.abs(np.array(scores.values) - expected))) < 1e-3
    assert c.contracts.get(w.insurer, ct).uses == 1  # one query, however many batches
    session = he.session(keys[Scheme.CKKS_SCORING])
    bad = c.he.score_job(w.insurer, ct, session, [[b"junk"] * 6])
    for _ in range(100):
        if c.he.job(w.insurer, bad.id).state in ("done", "failed"):
            break
        time.sleep(0.05)
    failed = c.he.job(w.insurer, bad.id)
    assert failed.state == "failed" and failed.error == "he_ciphertext_malformed"
    assert c.contracts.get(w.insurer, ct).uses == 1  # the failed job was refunded
    with pytest.raises(NotFound):
        c.he.job(w.researcher, bad.id)


def test_scores_of_a_foreign_population_stay_in_0_1_and_columns_go_by_name(
    world: World, keys: dict[Scheme, ClientKeys]
) -> None:
    """Issue 15: applicants far from the training population scored outside [0, 1] (as low as -3.14);
    a table with swapped columns was scored silently."""
    w = world
    ct = _he_contract(w, "insurer", max_uses=3)
    he = HeClient(_client(w, w.insurer.id))
    model = he.contract_model(ct)
    assert model["polynomial_interval"][0] < 0 < model["polynomial_interval"][1]
    assert all(f["clip"][0] < f["clip"][1] for f in model["features"])
    rng = np.random.default_rng(11)
    # 200 applicants: glucose up to 30 mmol/L, HbA1c up to 15 %, some values in the wrong unit (mg/dL)
    rows = rng.normal([9, 8, 5, 90, 140, 27], [6, 3, 2, 60, 30, 6], (200, 6))
    rows[:20, 0] *= 18
    result = he.score(keys[Scheme.CKKS_SCORING], ct, rows.tolist())
    values = np.array(result.values)
    assert len(values) == 200 and np.all((values >= 0) & (values <= 1)), (values.min(), values.max())
    assert result.out_of_range == [] and result.inputs_clipped >= 20
    codes = [f["loinc"] for f in model["features"]]
    swapped = [codes[1], codes[0], *codes[2:]]
    by_name = he.score(keys[Scheme.CKKS_SCORING], ct, rows[:, [1, 0, 2, 3, 4, 5]].tolist(), columns=swapped)
    assert float(np.max(np.abs(np.array(by_name.values) - values))) < 1e-3
    with pytest.raises(InvalidInput) as err:
        he.score(keys[Scheme.CKKS_SCORING], ct, rows.tolist(), columns=["glucose", *codes[1:]])
    assert err.value.code == "he_columns_mismatch" and "glucose" in err.value.message
    assert w.c.contracts.get(w.insurer, ct).uses == 2  # the refused table cost nothing
