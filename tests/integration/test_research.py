"""Cohort attrition and research datasets over the API, each one metered use of the partner's contract,
on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from tests.contract_world import World, build_world

DEFINITION = {
    "name": "2型糖尿病 有糖化血红蛋白",
    "version": 1,
    "index": {"diagnosis": {"system": "icd10", "codes": ["E11"]}},
    "criteria": [
        {"id": "hba1c", "lab": {"loinc": "4548-4"}},
        {"id": "adult", "age": {"min": 18}},
        {"id": "no_b20", "include": False, "diagnosis": {"system": "icd10", "codes": ["B20"]}},
    ],
}


def _research_product(w: World, mode: str, template: dict) -> str:  # type: ignore[type-arg]
    tables = {"patients", "encounters", "conditions", "observations", "medications"}
    assets = [a.id for a in w.c.assets.search() if a.table in tables]
    assert len(assets) == 5
    p = w.c.products.create(w.officer.id, f"research-{mode}", assets, mode, ["researcher"], template)
    w.c.products.set_status(w.officer.id, p.id, ProductStatus.PUBLISHED)
    return p.id


@pytest.fixture
def world(container: Container, tmp_path: Path) -> World:
    w = build_world(container, tmp_path / "samples")
    w.products["research_extract"] = _research_product(w, "research_dataset", {"k": 2})
    w.products["research_aggregate"] = _research_product(w, "aggregate_query", {"min_cohort": 5})
    return w


def _client(w: World) -> TestClient:
    client = TestClient(create_app(w.c))
    token = w.c.identity.issue_token("cli:test", w.researcher.id).secret
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_attrition_is_one_metered_use_with_small_counts_withheld(world: World) -> None:
    w = world
    ct = w.active(
        w.researcher,
        w.researcher_key,
        "research_aggregate",
        w.terms("aggregate_query", "drug_research", min_cohort=5, max_uses=3),
    )
    client = _client(w)
    r = client.post("/v1/research/cohorts/attrition", json={"contract_id": ct.id, "definition": DEFINITION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["criterion"] for s in body["steps"]] == [
        "all_patients",
        "index_diagnosis",
        "hba1c",
        "adult",
        "no_b20",
    ]
    assert body["steps"][0]["remaining"] == 150
    for s in body["steps"]:
        assert s["suppressed"] == (s["remaining"] is None)
        assert s["remaining"] is None or s["remaining"] >= 5
    assert w.c.contracts.get(w.researcher, ct.id).uses == 1
    entries = [e for e in w.c.audit.recent(50) if e.action == "contract.use" and e.object_id == ct.id]
    assert entries and str(entries[0].details["ref"]).startswith("cohort:1:")
    # a malformed definition is refused before any use is metered
    bad = client.post(
        "/v1/research/cohorts/attrition",
        json={"contract_id": ct.id, "definition": {**DEFINITION, "criteria": [{"id": "x"}]}},
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    # a code system the product lacks: refused, and the use is refunded
    lacks = client.post(
        "/v1/research/cohorts/attrition",
        json={
            "contract_id": ct.id,
            "definition": {
                **DEFINITION,
                "criteria": [{"id": "x", "diagnosis": {"system": "snomed_ct", "codes": ["1"]}}],
            },
        },
    )
    assert lacks.status_code == 422 and lacks.json()["code"] == "cohort_system_missing"
    assert w.c.contracts.get(w.researcher, ct.id).uses == 1


def test_dataset_is_a_zip_of_anonymized_tables_with_descriptions(world: World) -> None:
    w = world
    ct = w.active(
        w.researcher,
        w.researcher_key,
        "research_extract",
        w.terms("research_dataset", "drug_research", k=2, min_cohort=10),
    )
    client = _client(w)
    r = client.post("/v1/research/datasets", json={"contract_id": ct.id, "definition": DEFINITION})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = {Path(n).name for n in z.namelist()}
    assert {
        "patients.parquet",
        "labs.parquet",
        "diagnoses.parquet",
        "croissant.json",
        "dataset.jsonld",
    } <= names
    ds_id = r.headers["X-Dataset-Id"]
    patients = pd.read_parquet(io.BytesIO(z.read(f"{ds_id}/patients.parquet")))
    assert not {"name", "id_card", "phone", "address", "patient_id", "birth_date"} & set(patients.columns)
    assert w.c.contracts.get(w.researcher, ct.id).uses == 1
    # an aggregate contract does not give a dataset
    agg = w.active(
        w.researcher, w.researcher_key, "research_aggregate", w.terms("aggregate_query", "drug_research")
    )
    refused = client.post("/v1/research/datasets", json={"contract_id": agg.id, "definition": DEFINITION})
    assert refused.status_code == 422 and refused.json()["code"] == "mode_mismatch"
    # another partner's contract is not found
    insurer = TestClient(create_app(w.c))
    insurer.headers["Authorization"] = f"Bearer {w.c.identity.issue_token('cli:test', w.insurer.id).secret}"
    other = insurer.post("/v1/research/datasets", json={"contract_id": ct.id, "definition": DEFINITION})
    assert other.status_code == 404


def test_partner_cli_cohort_and_dataset_against_a_served_node(tmp_path: Path) -> None:
    """`hnode partner cohort|dataset` as real processes against `hnode serve`."""
    import json

    from tests.chain_support import free_port
    from tests.conftest import make_container, node_env
    from tests.integration.test_cli import run
    from tests.processes import hnode_process

    url = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
    port = free_port()
    env = node_env(tmp_path / "node", url, listen_port=str(port))
    assert run("migrate", env=env).returncode == 0
    c = make_container(url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    w.products["research_extract"] = _research_product(w, "research_dataset", {"k": 2})
    ct = w.active(
        w.researcher,
        w.researcher_key,
        "research_extract",
        w.terms("research_dataset", "drug_research", k=2, min_cohort=10),
    )
    token = c.identity.issue_token("cli:t", w.researcher.id).secret
    c.close()
    (tmp_path / "cohort.json").write_text(json.dumps(DEFINITION, ensure_ascii=False))
    with hnode_process("serve", env=env, health_port=port):
        partner = {"NODE_API_URL": f"http://127.0.0.1:{port}", "NODE_API_TOKEN": token}
        shown = run(
            "partner", "cohort", ct.id, "--definition", str(tmp_path / "cohort.json"), "--json", env=partner
        )
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["steps"][0] == {
            "criterion": "all_patients",
            "include": True,
            "remaining": 150,
            "suppressed": False,
        }
        got = run(
            "partner",
            "dataset",
            ct.id,
            "--definition",
            str(tmp_path / "cohort.json"),
            "--out",
            str(tmp_path / "ds"),
            env=partner,
        )
        assert got.returncode == 0, got.stderr
        assert (tmp_path / "ds" / "croissant.json").is_file() and (tmp_path / "ds" / "labs.parquet").is_file()
        (tmp_path / "bad.json").write_text("[1, 2]")
        bad = run("partner", "cohort", ct.id, "--definition", str(tmp_path / "bad.json"), env=partner)
        assert bad.returncode == 2 and "JSON object" in bad.stderr
