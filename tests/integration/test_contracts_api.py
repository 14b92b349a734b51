"""Contracts over HTTP: the partner SDK against the real app, problem+json for every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.contracts.model import State
from node.errors import Conflict, InvalidInput, PolicyDenied
from node.sdk.partner import ApiError, PartnerClient
from tests.conftest import make_container
from tests.contract_world import World, build_world


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(sqlite_url, tmp_path / "node")
    yield build_world(c, tmp_path / "samples")
    c.close()


def _client(w: World, principal_id: str) -> tuple[TestClient, str]:
    return TestClient(create_app(w.c)), w.c.identity.issue_token("cli:t", principal_id).secret


def test_partner_and_officer_over_http(world: World) -> None:
    w = world
    http, insurer_token = _client(w, w.insurer.id)
    officer = {"Authorization": f"Bearer {w.c.identity.issue_token('cli:t', w.officer.id).secret}"}
    sdk = PartnerClient("", insurer_token, http=http)
    terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=2)

    with pytest.raises(InvalidInput) as bad:
        sdk.request(w.products["aggregate"], {**terms, "max_uses": "lots"})
    assert bad.value.code == "terms_invalid" and sdk.contracts() == []

    ct = sdk.request(w.products["aggregate"], terms)
    assert ct["state"] == "PENDING_APPROVAL" and ct["state_zh"] == "待数据管理员审批"
    pending = http.get("/v1/contracts?state=PENDING_APPROVAL", headers=officer).json()
    assert [x["id"] for x in pending] == [ct["id"]]
    r = http.post(f"/v1/contracts/{ct['id']}/ethics-approve", headers=officer)
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    r = http.post(f"/v1/contracts/{ct['id']}/approve", headers=officer)
    assert r.status_code == 200 and r.json()["state"] == "AGREED"

    with pytest.raises(Conflict) as changed:  # the SDK refuses to sign terms it did not ask for
        sdk.sign(ct["id"], w.insurer_key, expect_terms={"max_uses": 5})
    assert changed.value.code == "terms_changed"
    signed = sdk.sign(ct["id"], w.insurer_key, expect_terms={"max_uses": 2})
    assert signed["state"] == "ANCHORING" and len(signed["signed_by"]) == 2
    with pytest.raises(PolicyDenied) as early:
        sdk.use(ct["id"], "actuarial_statistics", cohort_size=50)
    assert early.value.reasons == ["contract_active"]  # type: ignore[attr-defined]

    w.c.anchoring.deliver()
    assert sdk.contract(ct["id"])["state"] == State.ACTIVE.name
    for left in (1, 0):
        assert sdk.use(ct["id"], "actuarial_statistics", 0.1, 50, "q-1")["uses_left"] == left
    with pytest.raises(PolicyDenied) as spent:
        sdk.use(ct["id"], "actuarial_statistics", cohort_size=50)
    assert spent.value.code == "usage_denied"
    assert spent.value.reasons == ["contract_active", "uses_left"]  # type: ignore[attr-defined]
    usage = sdk.usage(ct["id"])
    assert usage["uses_left"] == 0 and [r["ref"] for r in usage["records"]] == ["q-1", "q-1"]

    verdict = sdk.verification(ct["id"])
    assert verdict["ok"] is True and {c["name"] for c in verdict["checks"]} >= {"digest", "anchor"}

    audit = http.post(
        "/v1/audit/anchor",
        headers={"Authorization": f"Bearer {w.c.identity.issue_token('cli:t', _admin(w)).secret}"},
    ).json()
    assert audit["batch"]["first_seq"] == 1 and len(audit["delivered"]) == 1
    proof = http.get("/v1/audit/proofs/3", headers={"Authorization": f"Bearer {insurer_token}"}).json()
    assert proof["checks"] == {"path_leads_to_root": True, "root_anchored_on_chain": True}


def _admin(w: World) -> str:
    return w.c.identity.register("cli:t", "admin-1", ["admin"], "信息中心").id


def test_another_partner_sees_nothing(world: World) -> None:
    w = world
    http, insurer_token = _client(w, w.insurer.id)
    _, researcher_token = _client(w, w.researcher.id)
    ct = PartnerClient("", insurer_token, http=http).request(
        w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    other = PartnerClient("", researcher_token, http=http)
    assert other.contracts() == []
    for call in (other.contract, other.usage, other.accept):
        with pytest.raises(ApiError) as err:
            call(ct["id"])
        assert err.value.code == "contract_not_found"
