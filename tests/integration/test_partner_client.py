"""The partner client (its own light distribution, partner_client/) against a real node and region:
discover through the region, sign in with the partner's key, negotiate over DSP, check the node's
signature against the region's key, sign; then verify the contract copy without the node, reading the
anchor over EVM JSON-RPC."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.crypto.canonical import canonical_json
from node.dataspace.registration import adopt_partners
from region.api import create_region_app
from region.service import RegionService
from region.store import open_engine
from tests.conftest import FakeClock, make_container
from tests.contract_world import World, build_world

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "partner_client"))
from hnode_partner.client import (
    Hospital,
    Negotiation,
    PartnerError,
    Region,
    check_agreement,
    node_name,
    training_job,
)
from hnode_partner.sm import Key, canonical
from hnode_partner.verify import ANCHORS_SELECTOR, verify_contract_copy

ARTIFACT = Path(__file__).resolve().parents[2] / "chain_adapter" / "artifacts" / "AnchorRegistry.json"


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(sqlite_url, tmp_path / "node")
    yield build_world(c, tmp_path / "samples")
    c.close()


def test_partner_discovers_negotiates_signs_and_verifies_without_the_node(
    world: World, tmp_path: Path
) -> None:
    w = world
    region_service = RegionService(
        open_engine(f"sqlite:///{tmp_path / 'region.db'}"), FakeClock(w.c.clock.now_us()), w.c.chain
    )
    region_http = TestClient(create_region_app(region_service))
    operator = {"Authorization": f"Bearer {region_service.issue_token('operator', 'op')}"}
    node_http = TestClient(create_app(w.c))
    invitation = region_service.invite("op", "500000-A", 3600)["invitation"]
    joined = region_http.post(
        "/v1/nodes/join",
        json=w.c.region.join_request("500000-A", "http://testserver/dsp/2025-1", invitation),
    )
    assert joined.status_code == 201
    region_http.post("/v1/nodes/500000-A/approve", headers=operator)
    assert region_http.post("/v1/catalog", json=w.c.region.catalog_push("500000-A")).status_code == 201

    key = Key.generate()  # the partner's key: the client's own SM2, never the node's code
    region_http.post(
        "/v1/partners",
        json={
            "name": "cq-institute",
            "organization": "某研究院",
            "roles": ["researcher"],
            "public_key": key.public_hex,
        },
        headers=operator,
    )
    adopt_partners(w.c.identity, "cli:t", region_http.get("/v1/partners", headers=operator).json())

    region = Region("", region_service.issue_token("reader", "institute"), http=region_http)
    found = region.search(access_mode="aggregate_query")
    assert [e["dataset_id"] for e in found] == [
        f"urn:hnode:{w.c.settings.name}:product:{w.products['aggregate']}"
    ]
    entry = found[0]
    assert node_name(entry["dataset_id"]) == w.c.settings.name

    hospital = Hospital(entry["dsp_endpoint"], http=node_http)
    with pytest.raises(PartnerError) as anon:
        hospital.request(entry, "clinical_research", "https://institute.example/cb")
    assert anon.value.code == "token_missing"
    hospital.sign_in(w.c.settings.name, "cq-institute", key)
    neg = hospital.request(entry, "clinical_research", "https://institute.example/cb")
    assert neg["state"] == "REQUESTED"
    [contract] = [c for c in w.c.contracts.list_for(w.officer) if c.state.name == "PENDING_APPROVAL"]
    w.c.contracts.approve(w.officer, contract.id)
    assert hospital.state(neg["providerPid"]) == "AGREED"

    agreement = hospital.agreement(neg["providerPid"])
    keys = region.node_keys()
    with pytest.raises(PartnerError) as stranger:  # a key the region never approved is not trusted
        check_agreement(agreement, Key.generate().public_hex)
    assert stranger.value.code == "node_signature_invalid"
    with pytest.raises(PartnerError):
        check_agreement(agreement, keys["500000-A"], purpose="drug_research")
    message = check_agreement(agreement, keys["500000-A"], purpose="clinical_research")
    assert (
        message
        == w.c.contracts.get(w.officer, contract.id).canonical()
        == canonical_json(json.loads(message))
    )  # both JCS implementations agree
    assert hospital.verify_agreement(neg["providerPid"], neg["consumerPid"], key.sign(message)) == "VERIFIED"
    w.c.anchoring.deliver()
    assert hospital.state(neg["providerPid"]) == "FINALIZED"

    # an auditor with the copy, the region's keys and the chain's JSON-RPC: no node database involved
    copy = w.c.verifier.export(contract.id)
    anchor = w.c.chain()
    w3 = anchor._w3  # the embedded EVM's provider stands in for a JSON-RPC endpoint

    def rpc(method: str, params: list[Any]) -> Any:
        if method == "eth_call":  # eth-tester, unlike JSON-RPC nodes, wants a sender on calls
            params = [{"from": anchor._account.address, **params[0]}, *params[1:]]
        return w3.provider.make_request(method, params)["result"]  # type: ignore[arg-type]

    report = verify_contract_copy(copy, set(keys.values()), key.public_hex, rpc, anchor.contract_address)
    assert report["ok"], report
    anchored = next(c for c in report["checks"] if c["name"] == "anchor")["record"]
    assert anchored["kind"] == "contract" and anchored["ref"] == contract.id and anchored["block_number"] > 0
    admitted = next(c for c in report["checks"] if c["name"] == "node_key_anchored")["record"]
    assert admitted["kind"] == "node_key" and admitted["ref"] == "500000-A"  # anchored by the region
    tampered = {
        **copy,
        "document": {**copy["document"], "terms": {**copy["document"]["terms"], "max_uses": 7}},
    }
    bad = verify_contract_copy(tampered, set(keys.values()), key.public_hex, rpc, anchor.contract_address)
    assert {c["name"]: c["ok"] for c in bad["checks"]} == {
        "digest": False,
        "node_signature": False,
        "partner_signature": False,
        "anchor": False,
        "node_key_anchored": True,  # the key is the approved one; the document is what was altered
    }
    unknown_node = verify_contract_copy(copy, {Key.generate().public_hex}, key.public_hex, None, None)
    assert [c["name"] for c in unknown_node["checks"] if not c["ok"]] == ["node_signature"]
    assert canonical({"b": 1.5, "a": [1, "x"]}) == canonical_json({"b": 1.5, "a": [1, "x"]})


def test_the_light_client_selector_is_the_registry_abi() -> None:
    abi = json.loads(ARTIFACT.read_text())["abi"]
    fn = next(x for x in abi if x.get("name") == "anchors")
    signature = f"anchors({','.join(i['type'] for i in fn['inputs'])})"
    assert keccak(text=signature)[:4].hex() == ANCHORS_SELECTOR


def test_training_takes_its_hospitals_from_the_partners_dsp_contracts(world: World) -> None:
    w = world
    key = Key.generate()
    adopt_partners(
        w.c.identity,
        "cli:t",
        [{"name": "cq-lab", "roles": ["researcher"], "organization": "x", "public_key": key.public_hex}],
    )
    hospital = Hospital("http://testserver/dsp/2025-1", http=TestClient(create_app(w.c)))
    hospital.sign_in(w.c.settings.name, "cq-lab", key)
    product = w.c.products.get(w.products["federated"])
    entry = {
        "dataset_id": f"urn:hnode:{w.c.settings.name}:product:{product.id}",
        "offer": {"@id": f"urn:hnode:{w.c.settings.name}:offer:{product.id}"},
    }
    neg = hospital.request(entry, "drug_research", "https://lab.example/cb")
    ct = next(c for c in w.c.contracts.list_for(w.officer) if c.state.name == "PENDING_APPROVAL")
    w.c.contracts.approve(w.officer, ct.id)
    w.c.contracts.approve_ethics(w.ethics, ct.id)  # level 4: the ethics review, still REQUESTED on the wire
    agreement = hospital.agreement(neg["providerPid"])
    message = check_agreement(agreement, w.c.signer.public_key_hex, "drug_research")
    hospital.verify_agreement(neg["providerPid"], neg["consumerPid"], key.sign(message))
    w.c.anchoring.deliver()
    here = Negotiation(
        node=w.c.settings.name,
        institution_code="500000-A",
        dsp_endpoint="http://testserver/dsp/2025-1",
        dataset_id=entry["dataset_id"],
        title=product.name,
        provider_pid=neg["providerPid"],
        consumer_pid=neg["consumerPid"],
        state=hospital.state(neg["providerPid"]),
        contract_id=ct.id,
        product_id=product.id,
        access_mode="federated_training",
    )
    assert here.state == "FINALIZED"
    elsewhere = Negotiation(
        **{**here.as_dict(), "node": "hospital-b", "contract_id": "ct_b", "product_id": "pd_b"}
    )
    pending = Negotiation(**{**here.as_dict(), "node": "hospital-c", "state": "REQUESTED"})
    with pytest.raises(PartnerError) as few:
        training_job([here, pending], rounds=3, dp_epsilon=None)
    assert few.value.code == "too_few_hospitals"  # only finalized contracts count
    job = hospital.start_training(training_job([here, elsewhere, pending], rounds=3, dp_epsilon=3.0))
    assert job["participants"] == {w.c.settings.name: ct.id, "hospital-b": "ct_b"}
    assert job["state"] == "created"
