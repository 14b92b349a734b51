"""The regional registry over HTTP: nodes join with signed requests and are approved by the operator
(key digest anchored on the embedded chain), push signed catalogs (versions kept, forgeries and strangers
refused and audited), and partners search across hospitals; a silent node is stale, never blocking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from node.api.app import create_app
from node.bootstrap import Container
from node.crypto.canonical import canonical_json
from node.crypto.sm import PrivateKey, sm3_hex
from node.dataspace.registration import adopt_partners
from region import store
from region.api import create_region_app
from region.service import RegionService, sign_payload
from region.store import open_engine
from tests.conftest import FakeClock, make_container
from tests.contract_world import World, build_world

# two hospitals described by hand, as their nodes would push them (GB/T 39725 categories, levels)
HAND_ENTRIES = {
    "500000-B": [
        {
            "dataset_id": "urn:hnode:hospital-b:product:pd_b1",
            "title": "2型糖尿病患者糖化血红蛋白统计",
            "description": "内分泌科 HbA1c 聚合统计",
            "category": "health_status",
            "level": 3,
            "access_mode": "aggregate_query",
            "scenarios": ["慢病管理"],
            "update_frequency": "daily",
        },
        {
            "dataset_id": "urn:hnode:hospital-b:product:pd_b2",
            "title": "糖尿病并发症风险联邦建模",
            "description": "联邦学习参与",
            "category": "medical_application",
            "level": 4,
            "access_mode": "federated_training",
            "scenarios": ["慢病管理", "科研"],
            "update_frequency": "weekly",
        },
    ],
    "500000-C": [
        {
            "dataset_id": "urn:hnode:hospital-c:product:pd_c1",
            "title": "高血压门诊随访匿名数据",
            "description": "k-匿名随访记录",
            "category": "health_status",
            "level": 2,
            "access_mode": "anonymized_extract",
            "scenarios": ["慢病管理"],
            "update_frequency": "monthly",
        }
    ],
}


class Region:
    def __init__(self, engine: Engine, service: RegionService, clock: FakeClock) -> None:
        self.engine = engine
        self.service = service
        self.clock = clock
        self.http = TestClient(create_region_app(service))
        self.operator = {"Authorization": f"Bearer {service.issue_token('operator', 'op')}"}
        self.reader = {"Authorization": f"Bearer {service.issue_token('reader', 'institute')}"}

    def invite(self, code: str, hours: float = 72) -> str:
        r = self.http.post(
            "/v1/invitations", json={"institution_code": code, "valid_hours": hours}, headers=self.operator
        )
        assert r.status_code == 201, r.text
        return str(r.json()["invitation"])

    def join_payload(
        self, code: str, key: PrivateKey, hospital: str, invitation: str | None
    ) -> dict[str, Any]:
        payload = {
            "type": "join",
            "hospital": hospital,
            "institution_code": code,
            "dsp_endpoint": f"https://{code.lower()}.example/dsp/2025-1",
            "public_key": key.public_key().to_hex(),
            "at_us": self.clock.now_us(),
        }
        return payload if invitation is None else payload | {"invitation": invitation}

    def try_join(self, code: str, key: PrivateKey, hospital: str, invitation: str | None) -> Any:
        return self.http.post(
            "/v1/nodes/join", json=sign_payload(self.join_payload(code, key, hospital, invitation), key.sign)
        )

    def join(self, code: str, key: PrivateKey, hospital: str) -> dict[str, Any]:
        r = self.try_join(code, key, hospital, self.invite(code))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def push(self, code: str, key: PrivateKey, version: int, entries: list[dict[str, Any]]) -> Any:
        payload = {
            "type": "catalog",
            "node": code,
            "version": version,
            "contracts_in_force": 2,
            "entries": entries,
        }
        return self.http.post("/v1/catalog", json=sign_payload(payload, key.sign))

    def search(self, **params: Any) -> list[dict[str, Any]]:
        r = self.http.get("/v1/catalog/search", params=params, headers=self.reader)
        assert r.status_code == 200, r.text
        return list(r.json())


@pytest.fixture
def node_container(sqlite_url: str, tmp_path: Path) -> Iterator[Container]:
    c = make_container(sqlite_url, tmp_path / "node")
    yield c
    c.close()


@pytest.fixture
def node(node_container: Container, tmp_path: Path) -> World:
    return build_world(node_container, tmp_path / "samples")


@pytest.fixture
def region(node_container: Container, tmp_path: Path, request: pytest.FixtureRequest) -> Region:
    """The region's own database: a SQLite file, or (parametrized) a fresh PostgreSQL database; it
    anchors on the node's embedded chain."""
    clock = FakeClock()
    pg = getattr(request, "param", "sqlite") == "postgresql"
    engine = open_engine(request.getfixturevalue("pg_url") if pg else f"sqlite:///{tmp_path / 'region.db'}")
    return Region(engine, RegionService(engine, clock, node_container.chain, stale_after_s=600), clock)


def test_nodes_join_register_and_are_searched_across_hospitals(node: World, region: Region) -> None:
    keys = {code: PrivateKey.generate() for code in HAND_ENTRIES}
    # the real node: its join request and catalog come from the node's own registration service
    invitation = region.invite("500000-A")
    r = region.http.post(
        "/v1/nodes/join",
        json=node.c.region.join_request("500000-A", "https://a.example/dsp/2025-1", invitation),
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    early = region.http.post("/v1/catalog", json=node.c.region.catalog_push("500000-A"))
    assert early.status_code == 403 and early.json()["code"] == "node_unknown"  # not yet approved
    r = region.http.post("/v1/nodes/500000-A/approve", headers=region.reader)
    assert r.status_code == 403  # readers do not admit nodes
    r = region.http.post("/v1/nodes/500000-A/approve", headers=region.operator)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    digest = sm3_hex(bytes.fromhex(node.c.signer.public_key_hex))
    assert r.json()["key_digest"] == digest
    receipt = node.c.chain().find(digest)
    assert receipt is not None and receipt.kind == "node_key" and receipt.tx_hash == r.json()["anchor_tx"]
    pushed = region.http.post("/v1/catalog", json=node.c.region.catalog_push("500000-A"))
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["entries"] == len(node.products)

    for code, hospital in (("500000-B", "重庆医科大学附属第二医院"), ("500000-C", "重庆市第三人民医院")):
        region.join(code, keys[code], hospital)
        region.http.post(f"/v1/nodes/{code}/approve", headers=region.operator)
        assert region.push(code, keys[code], 1, HAND_ENTRIES[code]).status_code == 201

    everything = region.search()
    assert {e["node"] for e in everything} == {"500000-A", "500000-B", "500000-C"}
    assert len(everything) == len(node.products) + 3
    assert [e["dataset_id"] for e in region.search(text="糖尿病")] == [
        "urn:hnode:hospital-b:product:pd_b1",
        "urn:hnode:hospital-b:product:pd_b2",
    ]
    assert [e["node"] for e in region.search(scenario="慢病管理", category="health_status")] == [
        "500000-B",
        "500000-C",
    ]
    assert [
        e["dataset_id"] for e in region.search(level=4, access_mode="federated_training", scenario="科研")
    ] == ["urn:hnode:hospital-b:product:pd_b2"]
    from_a = [e for e in everything if e["node"] == "500000-A"]
    assert {e["access_mode"] for e in from_a} == {
        "anonymized_extract",
        "aggregate_query",
        "he_query",
        "federated_training",
    }
    assert all(
        e["offer"]["@type"] == "Offer" and e["dsp_endpoint"] == "https://a.example/dsp/2025-1" for e in from_a
    )

    # a new version replaces what is searched; the old one is kept
    assert region.push("500000-C", keys["500000-C"], 2, []).status_code == 201
    assert not [e for e in region.search() if e["node"] == "500000-C"]
    with region.engine.connect() as conn:
        kept = conn.execute(store.entries.select().where(store.entries.c.node == "500000-C")).all()
    assert [r.version for r in kept] == [1]

    # a node that has been silent too long is marked stale; the search still answers at once
    region.clock.advance_hours(1)
    region.push("500000-B", keys["500000-B"], 2, HAND_ENTRIES["500000-B"])
    stale = {e["node"]: e["stale"] for e in region.search()}
    assert stale == {"500000-A": True, "500000-B": False}
    # the region's probe: a node that answers /health is fresh again; one that is down stays stale
    region.clock.advance_hours(1)
    answers = region.service.probe(lambda url: url == "https://a.example/health")
    assert answers == {"500000-A": True, "500000-B": False, "500000-C": False}
    stale = {e["node"]: e["stale"] for e in region.search()}
    assert stale == {"500000-A": False, "500000-B": True}
    data_map = region.http.get("/v1/map", headers=region.reader).json()
    b = next(h for h in data_map["hospitals"] if h["code"] == "500000-B")
    assert b["categories"] == {"health_status": {"3": 1}, "medical_application": {"4": 1}}
    assert b["products_by_mode"] == {"aggregate_query": 1, "federated_training": 1}
    assert b["update_frequencies"] == ["daily", "weekly"] and b["contracts_in_force"] == 2 and b["stale"]
    assert next(h for h in data_map["hospitals"] if h["code"] == "500000-A")["stale"] is False


@pytest.mark.parametrize("region", ["sqlite", "postgresql"], indirect=True)
def test_forged_replayed_and_stranger_pushes_are_refused_and_audited(region: Region) -> None:
    key, thief = PrivateKey.generate(), PrivateKey.generate()
    region.join("500000-B", key, "乙医院")
    region.http.post("/v1/nodes/500000-B/approve", headers=region.operator)
    assert region.push("500000-B", key, 5, HAND_ENTRIES["500000-B"]).status_code == 201

    forged = region.push("500000-B", thief, 6, HAND_ENTRIES["500000-C"])
    assert forged.status_code == 403 and forged.json()["code"] == "signature_invalid"
    stranger = region.push("500000-X", thief, 1, HAND_ENTRIES["500000-C"])
    assert stranger.status_code == 403 and stranger.json()["code"] == "node_unknown"
    replay = region.push("500000-B", key, 5, HAND_ENTRIES["500000-B"])
    assert replay.status_code == 409 and replay.json()["code"] == "version_not_newer"
    tampered = sign_payload({"type": "catalog", "node": "500000-B", "version": 9, "entries": []}, key.sign)
    tampered["payload"]["entries"] = HAND_ENTRIES["500000-C"]
    r = region.http.post("/v1/catalog", json=tampered)
    assert r.status_code == 403
    bad_join = sign_payload(
        {
            "type": "join",
            "hospital": "丙",
            "institution_code": "500000-Z",
            "dsp_endpoint": "https://z.example",
            "public_key": key.public_key().to_hex(),
        },
        thief.sign,
    )
    assert region.http.post("/v1/nodes/join", json=bad_join).status_code == 403
    assert [e["dataset_id"] for e in region.search()] == [e["dataset_id"] for e in HAND_ENTRIES["500000-B"]]

    trail = region.http.get("/v1/audit", headers=region.operator).json()
    denied = [(a["action"], a["details"].get("reason")) for a in trail if a["outcome"] == "denied"]
    assert ("catalog.register", "signature_invalid") in denied
    assert ("catalog.register", "node_unknown") in denied
    assert ("catalog.register", "version_not_newer") in denied
    assert ("node.join", "signature_invalid") in denied
    assert region.http.get("/v1/audit", headers=region.reader).status_code == 403
    assert region.http.get("/v1/catalog/search").status_code == 401
    bad = region.http.post("/v1/catalog", json={"payload": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "payload_invalid"


@pytest.mark.parametrize("region", ["sqlite", "postgresql"], indirect=True)
def test_a_join_needs_a_one_time_invitation_for_its_institution(region: Region) -> None:
    """Nobody files a pending join with a self-made key alone: the operator invites an institution code
    (single use, expiring); a join without a valid invitation is refused, audited and leaves nothing."""
    key = PrivateKey.generate()
    assert (
        region.http.post(
            "/v1/invitations", json={"institution_code": "500000-B", "valid_hours": 1}, headers=region.reader
        ).status_code
        == 403
    )  # readers do not invite
    for body in ({"institution_code": "no spaces", "valid_hours": 1}, {"institution_code": "500000-B"}):
        r = region.http.post("/v1/invitations", json=body, headers=region.operator)
        assert r.status_code == 422, r.text
    for_b = region.invite("500000-B", hours=1)
    expiring = region.invite("500000-C", hours=1)
    refusals = {
        "missing": region.try_join("500000-B", key, "乙医院", None),
        "unknown": region.try_join("500000-B", key, "乙医院", "hri_" + "x" * 32),
        "other_institution": region.try_join("500000-D", key, "丁医院", for_b),
    }
    region.clock.advance_hours(2)
    refusals["expired"] = region.try_join("500000-C", PrivateKey.generate(), "丙医院", expiring)
    for reason, r in refusals.items():
        assert r.status_code == 403 and r.json()["code"] == "invitation_invalid", (reason, r.text)
    # a signed join whose invitation was swapped after signing is refused for its signature
    swapped = sign_payload(region.join_payload("500000-B", key, "乙医院", "hri_" + "y" * 32), key.sign)
    swapped["payload"]["invitation"] = region.invite("500000-B")
    assert region.http.post("/v1/nodes/join", json=swapped).json()["code"] == "signature_invalid"
    assert region.http.get("/v1/nodes", headers=region.reader).json() == []  # nothing pending

    fresh = region.invite("500000-B")
    assert region.try_join("500000-B", key, "乙医院", fresh).status_code == 201
    reused = region.try_join("500000-B", PrivateKey.generate(), "冒名医院", fresh)
    assert reused.status_code == 403 and reused.json()["code"] == "invitation_invalid"
    assert [n["code"] for n in region.http.get("/v1/nodes", headers=region.reader).json()] == ["500000-B"]

    trail = region.http.get("/v1/audit", headers=region.operator).json()
    refused = [
        a["details"]["reason"] for a in trail if a["action"] == "node.join" and a["outcome"] == "denied"
    ]
    assert sorted(refused) == sorted(
        [
            "invitation_missing",
            "invitation_unknown",
            "invitation_other_institution",
            "invitation_expired",
            "invitation_used",
            "signature_invalid",
        ]
    )
    assert all(fresh not in str(a) and for_b not in str(a) for a in trail)  # tokens never in the trail
    assert region.http.get("/v1/audit/verify", headers=region.operator).json()["ok"] is True


def test_the_pending_queue_is_bounded(node_container: Container, tmp_path: Path) -> None:
    clock = FakeClock()
    engine = open_engine(f"sqlite:///{tmp_path / 'bounded.db'}")
    region = Region(engine, RegionService(engine, clock, node_container.chain, max_pending=2), clock)
    for code in ("500000-B", "500000-C"):
        region.join(code, PrivateKey.generate(), "医院")
    full = region.try_join("500000-D", PrivateKey.generate(), "丁医院", region.invite("500000-D"))
    assert full.status_code == 429 and full.json()["code"] == "pending_queue_full", full.text
    region.http.post("/v1/nodes/500000-B/approve", headers=region.operator)
    region.join("500000-D", PrivateKey.generate(), "丁医院")  # approving made room; a new invitation
    assert [n["status"] for n in region.http.get("/v1/nodes", headers=region.reader).json()] == [
        "approved",
        "pending",
        "pending",
    ]
    assert region.http.post("/v1/nodes/500000-C/reject", headers=region.reader).status_code == 403
    rejected = region.http.post("/v1/nodes/500000-C/reject", headers=region.operator)
    assert rejected.status_code == 200 and rejected.json() == {"code": "500000-C", "status": "rejected"}
    again = region.http.post("/v1/nodes/500000-B/reject", headers=region.operator)  # approved: not pending
    assert again.status_code == 409 and again.json()["code"] == "node_not_pending"
    assert region.http.post("/v1/nodes/500000-X/reject", headers=region.operator).status_code == 404
    region.join("500000-E", PrivateKey.generate(), "戊医院")  # rejecting made room too
    assert [n["code"] for n in region.http.get("/v1/nodes", headers=region.reader).json()] == [
        "500000-B",
        "500000-D",
        "500000-E",
    ]
    trail = region.http.get("/v1/audit", headers=region.operator).json()
    assert ("node.reject", "500000-C") in {(a["action"], a["object_id"]) for a in trail}


def test_partners_registered_once_are_recognized_by_a_node_by_their_key(node: World, region: Region) -> None:
    partner_key = PrivateKey.generate()
    key = partner_key.public_key().to_hex()
    body = {
        "name": "cq-institute",
        "organization": "重庆某研究院",
        "roles": ["researcher"],
        "public_key": key,
    }
    assert region.http.post("/v1/partners", json=body, headers=region.reader).status_code == 403
    r = region.http.post("/v1/partners", json=body, headers=region.operator)
    assert r.status_code == 201
    assert region.http.post("/v1/partners", json=body, headers=region.operator).status_code == 409
    listed = region.http.get("/v1/partners", headers=region.reader).json()
    assert [(p["name"], p["public_key"]) for p in listed] == [("cq-institute", key)]

    # the node adopts the region's partners; the partner signs in with its key, no token handed over
    adopted = adopt_partners(node.c.identity, "cli:t", listed)
    assert adopted == {"added": ["cq-institute"], "unchanged": [], "conflicting": []}
    assert adopt_partners(node.c.identity, "cli:t", listed)["unchanged"] == ["cq-institute"]
    http = TestClient(create_app(node.c))
    now = node.c.clock.now_us()

    def statement(**over: Any) -> dict[str, Any]:
        return {
            "type": "hnode/sign-in",
            "node": node.c.settings.name,
            "partner": "cq-institute",
            "at_us": now,
        } | over

    signed = {"statement": statement(), "signature": partner_key.sign(canonical_json(statement())).hex()}
    r = http.post("/v1/sign-in", json=signed)
    assert r.status_code == 201, r.text
    me = http.get("/v1/whoami", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.json()["name"] == "cq-institute"
    assert http.post("/v1/sign-in", json=signed).json()["code"] == "sign_in_replayed"
    for bad, code in (
        (statement(at_us=now - 600_000_000), "sign_in_expired"),
        (statement(node="other-node"), "sign_in_invalid"),
        (statement(at_us=now + 1), "signature_invalid"),
    ):
        forged = {
            "statement": bad,
            "signature": signed["signature"]
            if code == "signature_invalid"
            else partner_key.sign(canonical_json(bad)).hex(),
        }
        r = http.post("/v1/sign-in", json=forged)
        assert r.status_code == 401 and r.json()["code"] == code, (code, r.text)
    denied = node.c.audit.recent(20, action="auth.sign_in")
    assert {e.details["reason"] for e in denied} == {
        "sign_in_replayed",
        "sign_in_expired",
        "signature_invalid",
    }
