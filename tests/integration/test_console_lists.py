"""issue 19: the console's lists paged in the database (assets, imports, HE queries, settlement claims,
consents) with the shape of the other pages ({items, total, offset, limit}), names beside principal ids,
and the region's data map when the node has a region; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from connectors.registry import open_source
from node.api.app import create_app
from node.contracts.enforcement import UsageRequest
from node.contracts.model import DAY_US
from tests.chain_support import free_port
from tests.conftest import make_container
from tests.contract_world import World, build_world

SETTLEMENT = Path(__file__).parents[1] / "fixtures" / "settlement"
PAGE_KEYS = {"items", "total", "offset", "limit"}


@pytest.fixture
def w(db_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(db_url, tmp_path / "node")
    yield build_world(c, tmp_path / "samples")
    c.close()


def _auth(w: World, principal_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.c.identity.issue_token('cli:t', principal_id).secret}"}


def _get(http: TestClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    r = http.get(path, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == PAGE_KEYS
    return body


def test_assets_are_paged_and_searched_in_the_database_with_the_graders_name(w: World) -> None:
    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    everything = w.c.assets.search()
    assert len(everything) == 5
    first = _get(http, "/v1/console/assets?limit=2", officer)
    second = _get(http, "/v1/console/assets?offset=2&limit=2", officer)
    last = _get(http, "/v1/console/assets?offset=4&limit=2", officer)
    assert (first["total"], second["total"], last["total"]) == (5, 5, 5)
    paged = [a["id"] for p in (first, second, last) for a in p["items"]]
    assert paged == [a.id for a in everything]  # registration order, no overlap, nothing missed
    # text matches the name, table, department, a scenario or a column name, case-insensitively
    patients = next(a for a in everything if a.table == "patients")
    column = patients.columns[0].name
    by_column = _get(http, f"/v1/console/assets?text={column.upper()}", officer)
    assert patients.id in {a["id"] for a in by_column["items"]}
    by_department = _get(http, f"/v1/console/assets?text={patients.owner_department}", officer)
    assert by_department["total"] == sum(
        1 for a in everything if a.owner_department == patients.owner_department
    )
    assert _get(http, "/v1/console/assets?text=100%25", officer)["total"] == 0  # LIKE escaped
    level = patients.grade.level
    assert _get(http, f"/v1/console/assets?level={level}", officer)["total"] == sum(
        1 for a in everything if a.grade.level == level
    )
    # the grader is named, not an id; the system's suggestion has no grader
    assert all(a["graded_by_name"] is None for a in first["items"])
    w.c.assets.grade(w.officer.id, patients.id, 4, "含身份证号，按4级管理")
    row = next(
        a for a in _get(http, "/v1/console/assets?limit=5", officer)["items"] if a["id"] == patients.id
    )
    assert row["confirmed"]["by"] == w.officer.id and row["graded_by_name"] == "officer"


def test_imports_are_paged_newest_first_each_with_its_own_versions(w: World, tmp_path: Path) -> None:
    from connectors.samples import write_sample_files

    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    source = tmp_path / "again"
    write_sample_files(source, 30, seed=9)  # the same tables with other rows: new versions
    again = w.c.assets.import_source("cli:t", open_source("csv", str(source / "csv"))).import_id
    claims = w.c.assets.import_source("cli:t", open_source("csv", str(SETTLEMENT))).import_id
    page = _get(http, "/v1/console/imports?limit=2", officer)
    assert page["total"] == 3
    assert [x["import_id"] for x in page["items"]] == [claims, again]
    settlement_tables = {a.name for a in w.c.assets.search() if a.import_id == claims}
    assert {a["name"] for a in page["items"][0]["assets"]} == settlement_tables
    oldest = _get(http, "/v1/console/imports?offset=2&limit=2", officer)["items"]
    assert len(oldest) == 1 and len(oldest[0]["assets"]) == 5  # the world's first import still listed
    assert oldest[0]["rows"] > 0 and oldest[0]["connector"] == "csv"


def test_he_queries_are_paged_newest_first(w: World) -> None:
    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    ct = w.active(w.insurer, w.insurer_key, "he", w.terms("he_query", "actuarial_statistics"))
    for i in range(3):
        w.c.usage.check(w.insurer, UsageRequest(ct.id, None, "actuarial_statistics", 0.1, 40, f"q-{i}"))
    other = w.active(
        w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics")
    )
    w.c.usage.check(w.insurer, UsageRequest(other.id, None, "actuarial_statistics", 0.1, 40, "not-he"))
    page = _get(http, "/v1/console/he-queries?limit=2", officer)
    assert page["total"] == 3 and [x["ref"] for x in page["items"]] == ["q-2", "q-1"]
    assert page["items"][0]["partner_name"] == "insurer-a" and page["items"][0]["epsilon_total"] == 1.0
    assert [x["ref"] for x in _get(http, "/v1/console/he-queries?offset=2", officer)["items"]] == ["q-0"]


def test_claims_and_consents_are_paged_with_names(w: World) -> None:
    c = w.c
    ct = w.settlement_contract()
    now = c.clock.now_us()
    consents = [
        c.consents.grant(
            w.officer.id,
            pid,
            "insurer-a",
            "claims_verification",
            now - DAY_US,
            now + DAY_US,
            "kiosk",
            f"k-{i}",
        ).id
        for i, pid in enumerate(("st-p1", "st-p2", "st-p3"))
    ]
    c.consents.withdraw(w.officer.id, consents[2])
    claims = [c.settlement.submit(w.officer, ct, e).id for e in ("st-e1", "st-e2")]

    http = TestClient(create_app(c))
    officer = _auth(w, w.officer.id)
    page = _get(http, "/v1/console/claims?limit=1", officer)
    assert page["total"] == 2 and [x["claim_id"] for x in page["items"]] == [claims[1]]
    row = page["items"][0]
    assert (row["partner_name"], row["product_name"], row["status"]) == ("insurer-a", "一站式结算", "queued")
    assert row["total"] == 2040.0 and row["currency"] == "CNY"
    assert _get(http, "/v1/console/claims?status=settled", officer)["total"] == 0
    assert _get(http, "/v1/console/claims?date=2020-01-01", officer)["total"] == 0
    bad = http.get("/v1/console/claims?status=paid", headers=officer)
    assert bad.status_code == 422 and bad.json()["code"] == "claim_status_unknown"

    listed = _get(http, "/v1/console/consents?limit=2", officer)
    assert listed["total"] == 3 and [x["id"] for x in listed["items"]] == consents[:0:-1]  # newest first
    withdrawn = _get(http, "/v1/console/consents?state=withdrawn", officer)["items"]
    assert [x["id"] for x in withdrawn] == [consents[2]]
    assert withdrawn[0]["withdrawn_by_name"] == "officer" and withdrawn[0]["in_force"] is False
    in_force = _get(http, "/v1/console/consents?state=in_force&partner=insurer-a", officer)
    assert in_force["total"] == 2 and {x["partner_name"] for x in in_force["items"]} == {"insurer-a"}
    assert {x["recorded_by_name"] for x in in_force["items"]} == {"officer"}
    assert _get(http, "/v1/console/consents?patient_id=st-p1", officer)["total"] == 1
    bad = http.get("/v1/console/consents?state=revoked", headers=officer)
    assert bad.status_code == 422 and bad.json()["code"] == "consent_state_unknown"
    # only the data officer keeps the consent registry
    assert http.get("/v1/console/consents", headers=_auth(w, w.ethics.id)).status_code == 403


def test_the_region_map_says_when_the_node_has_no_region_and_503_when_it_cannot_be_read(w: World) -> None:
    http = TestClient(create_app(w.c), raise_server_exceptions=False)
    officer = _auth(w, w.officer.id)
    assert http.get("/v1/console/region-map", headers=officer).json() == {
        "configured": False,
        "region_url": None,
        "generated_at_us": None,
        "hospitals": [],
        "products": [],
    }
    w.c.settings.region_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    w.c.settings.region_token = SecretStr("hrt_reader")
    r = http.get("/v1/console/region-map", headers=officer)
    assert r.status_code == 503 and r.json()["code"] == "region_unreachable", r.text
    assert "hrt_reader" not in r.text


def test_fl_jobs_are_paged_newest_first_and_the_map_says_what_it_draws(w: World) -> None:
    here = w.c.settings.name
    terms = w.terms("federated_training", "drug_research", max_uses=5, epsilon=3.0)
    ct = w.active(w.researcher, w.researcher_key, "aggregate_fl", terms).id
    hospitals = {
        here: {"contract_id": ct},
        "hospital-b": {"contract_id": "ct_b"},
        "hospital-c": {"contract_id": "ct_c"},
    }
    made = [
        w.c.fl_jobs.create(w.researcher, {"hospitals": hospitals, "rounds": 2 + i, "local_epochs": 1}).id
        for i in range(3)
    ]
    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    page = _get(http, "/v1/console/fl-jobs?limit=2", officer)
    assert page.keys() == PAGE_KEYS and page["total"] == 3
    assert [j["id"] for j in page["items"]] == made[::-1][:2]
    assert [j["id"] for j in _get(http, "/v1/console/fl-jobs?offset=2&limit=2", officer)["items"]] == made[:1]
    assert http.get("/v1/console/fl-jobs", headers=_auth(w, w.researcher.id)).status_code == 403
    drawn = http.get("/v1/console/map", headers=officer).json()
    assets = [n for n in drawn["nodes"] if n["kind"] == "asset"]
    assert drawn["assets_shown"] == len(assets) == drawn["assets_total"] == len(w.c.assets.search())
