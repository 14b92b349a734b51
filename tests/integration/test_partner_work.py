"""The light partner client's multi-hospital work against a real node (in process, its real API): the
hospitals come from the partner's finalized contracts and the region's federated catalog; aggregate
queries, PSI, HE aggregates (keys and decryption stay with the partner, a coordinator adds) and anonymized
extracts pulled over a DSP transfer whose TransferStartMessage reaches the partner's callback listener."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.he_query.params import PARAMETERS, Scheme
from node.identity.model import Principal
from node.psi.identifiers import patient_keys
from region.api import create_region_app
from region.service import RegionService
from region.store import open_engine
from tests.conftest import FakeClock, make_container
from tests.contract_world import World, build_world
from tests.insurer_world import build_insurer_world

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "partner_client"))
from hnode_partner import cli
from hnode_partner import he as phe
from hnode_partner import psi as ppsi
from hnode_partner.callbacks import CallbackListener
from hnode_partner.client import Hospital, Negotiation, PartnerError, Region
from hnode_partner.holdings import holdings
from hnode_partner.sm import Key

CALLBACK = "https://institute.example/dsp/callback"


class ToListener:
    """The partner's TLS proxy in front of its callback listener: the node's callbacks to CALLBACK are
    posted over real HTTP to the listener on loopback."""

    def __init__(self) -> None:
        self.port = 0

    def post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
        local = url.replace("https://institute.example", f"http://127.0.0.1:{self.port}")
        return httpx.post(local, json=body, timeout=10).status_code


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(sqlite_url, tmp_path / "node", dsp_sender=ToListener())
    yield build_world(c, tmp_path / "samples")
    c.close()


def _hospital(w: World, who: Principal) -> Hospital:
    node = Hospital("http://testserver/dsp/2025-1", http=TestClient(create_app(w.c)))
    node.use_token(w.c.identity.issue_token("cli:t", who.id).secret)
    return node


def _negotiation(
    node: str, dataset: str, mode: str, state: str = "FINALIZED", contract: str = "c"
) -> Negotiation:
    return Negotiation(
        node=node,
        institution_code=f"500000-{node}",
        dsp_endpoint=f"https://old-{node}.example/dsp/2025-1",
        dataset_id=dataset,
        title=dataset,
        provider_pid="urn:uuid:p",
        consumer_pid="urn:uuid:c",
        state=state,
        contract_id=contract,
        access_mode=mode,
    )


def test_the_hospitals_of_a_work_are_finalized_contracts_for_products_the_region_lists() -> None:
    negotiations = [
        _negotiation("b", "urn:hnode:b:product:q", "aggregate_query", contract="cb"),
        _negotiation("a", "urn:hnode:a:product:q", "aggregate_query", contract="ca"),
        _negotiation("c", "urn:hnode:c:product:gone", "aggregate_query"),  # no longer in the catalog
        _negotiation("d", "urn:hnode:d:product:q", "aggregate_query", state="REQUESTED"),
        _negotiation("e", "urn:hnode:e:product:h", "he_query"),
    ]
    catalog = [
        {"dataset_id": f"urn:hnode:{n}:product:q", "access_mode": "aggregate_query", "stale": n == "b"}
        | {"dsp_endpoint": f"https://{n}.example/dsp/2025-1"}
        for n in "abd"
    ] + [{"dataset_id": "urn:hnode:e:product:h", "access_mode": "he_query", "dsp_endpoint": "https://e"}]
    found = holdings(negotiations, catalog, "aggregate_query")
    assert [(h.node, h.contract_id, h.dsp_endpoint, h.stale) for h in found] == [
        ("a", "ca", "https://a.example/dsp/2025-1", False),
        ("b", "cb", "https://b.example/dsp/2025-1", True),  # the endpoint the region lists now
    ]
    with pytest.raises(PartnerError) as none:
        holdings(negotiations, catalog, "psi")
    assert none.value.code == "no_hospitals"


def _node_keys(line: str) -> list[str]:
    """The key the node makes of a patient with this ID number, or this name and birth date."""
    name, comma, born = line.partition(",")
    return patient_keys(None, name, born) if comma else patient_keys(line, None, None)


def test_queries_psi_and_he_aggregates_through_the_light_client(world: World, tmp_path: Path) -> None:
    w = world
    iw = build_insurer_world(w, tmp_path / "samples")
    insurer = _hospital(w, w.insurer)
    q = iw.contract("query", "aggregate_query", "actuarial_statistics", epsilon=1.0)
    body = {"measures": ["count"], "by": ["sex"], "where": [], "epsilon": 0.5}
    answer = insurer.call("POST", f"/v1/queries/{q}", json=body)
    assert answer["cells"] and answer["epsilon"] == 0.5

    ids = iw.patients.id_card.tolist()
    lines = [*ids[:30], "11010519491231002X", "  440524188001010014 ", "张 三,1990/1/2"]
    assert [[ppsi.member_key(x)] for x in lines] == [_node_keys(x) for x in lines]  # keys as the node makes
    ct = iw.contract("psi-count", "psi", "claims_verification")
    assert ppsi.run(insurer, ct, ppsi.parse_members(lines)) == {"members": 33, "matched_count": 30}
    with pytest.raises(PartnerError) as bad:
        ppsi.parse_members(["11010519491231002X", "110105194912310021"])
    assert bad.value.code == "psi_member_invalid" and "line 2" in str(bad.value)
    assert "110105" not in str(bad.value)

    for scheme, (degree, bits, scale, plain) in phe.PARAMETERS.items():  # the sets the nodes accept
        p = PARAMETERS[Scheme(scheme)]
        assert (p.poly_modulus_degree, p.coeff_mod_bit_sizes, p.global_scale_bits, p.plain_modulus) == (
            degree,
            bits,
            scale,
            plain,
        )
    counts, sums = phe.HeKeys.generate("bfv-counts"), phe.HeKeys.generate("ckks-sums")
    keyfile = tmp_path / "counts.key"
    keyfile.write_bytes(counts.secret_blob())
    counts = phe.HeKeys.load(keyfile.read_bytes(), "bfv-counts")
    researcher = _hospital(w, w.researcher)
    contracts = [
        w.active(
            w.researcher, w.researcher_key, "he", w.terms("he_query", "clinical_research", epsilon=3.0)
        ).id
        for _ in range(2)
    ]
    parts = [phe.contribution(researcher, ct, counts, sums, "E11", 0.5) for ct in contracts]
    hub = w.c.identity.register("cli:t", "region-hub", ["coordinator"], "区域平台", w.insurer.public_key)
    total = phe.combine(_hospital(w, hub), counts, sums, parts)
    assert total.hospitals == [w.c.settings.name] * 2 and total.counts["cohort_size"] > 0
    assert set(total.sums) == {"sum_2345-7", "sum_4548-4", "sum_8480-6", "sum_2093-3"}
    assert all(w.c.contracts.get(w.officer, ct).epsilon_spent == pytest.approx(0.5) for ct in contracts)


def test_an_extract_is_pulled_once_through_the_callback_listener(world: World) -> None:
    w = world
    active = w.active(
        w.researcher,
        w.researcher_key,
        "extract",
        w.terms("anonymized_extract", "clinical_research", min_cohort=10),
    )
    researcher = _hospital(w, w.researcher)
    with CallbackListener("127.0.0.1", 0) as listener:
        sender = w.c.dsp_sender
        assert isinstance(sender, ToListener)
        sender.port = listener.port
        agreement = f"urn:hnode:contract:{w.c.settings.name}:{active.id}"
        asked = researcher.transfer_request(agreement, "urn:uuid:x-1", CALLBACK)
        assert asked["state"] == "REQUESTED"
        w.c.dataspace.sync()
        w.c.dataspace.deliver(sender)  # the node's outbox posts the TransferStartMessage to the listener
        start = listener.wait_start("urn:uuid:x-1", 10)
        with pytest.raises(PartnerError) as late:
            listener.wait_start("urn:uuid:never", 0.2)
        assert late.value.code == "callback_timeout"
    data = researcher.pull(start)
    assert data["rows"] and len(data["columns"]) == len(data["rows"][0])
    assert data["report"]["achieved_k"] >= 5
    assert w.c.contracts.get(w.officer, active.id).uses == 1
    with pytest.raises(PartnerError) as again:
        researcher.pull(start)  # the token worked once
    assert again.value.code == "transfer_token_invalid"


def test_the_query_command_runs_at_every_hospital_of_the_partners_contracts(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """``hnode-partner --json query``: the region lists the node's product, the state file holds the
    partner's finalized contract for it; the command signs in with the partner's key and queries."""
    w = world
    region = RegionService(open_engine(f"sqlite:///{tmp_path / 'region.db'}"), FakeClock(), w.c.chain)
    region_http = TestClient(create_region_app(region))
    operator = {"Authorization": f"Bearer {region.issue_token('operator', 'op')}"}
    invitation = region.invite("op", "500000-A", 3600)["invitation"]
    join = w.c.region.join_request("500000-A", "http://testserver/dsp/2025-1", invitation)
    assert region_http.post("/v1/nodes/join", json=join).status_code == 201
    region_http.post("/v1/nodes/500000-A/approve", headers=operator)
    assert region_http.post("/v1/catalog", json=w.c.region.catalog_push("500000-A")).status_code == 201

    key = Key.generate()
    partner = w.c.identity.register("cli:t", "cq-institute", ["researcher"], "某研究院", key.public_hex)
    c = w.c.contracts.request(
        partner, w.products["aggregate"], w.terms("aggregate_query", "clinical_research")
    )
    c = w.c.contracts.approve(w.officer, c.id)
    w.c.contracts.sign(partner, c.id, key.sign(c.canonical()))
    w.c.anchoring.deliver()
    dataset = f"urn:hnode:{w.c.settings.name}:product:{w.products['aggregate']}"
    state = tmp_path / "negotiations.json"
    finalized = _negotiation(w.c.settings.name, dataset, "aggregate_query", contract=c.id)
    state.write_text(json.dumps([finalized.as_dict()]))

    node_http = TestClient(create_app(w.c))
    monkeypatch.setattr(cli, "Hospital", lambda endpoint: Hospital(endpoint, http=node_http))
    monkeypatch.setattr(cli, "_key", lambda a: key)
    reader = region.issue_token("reader", "institute")
    monkeypatch.setattr(cli, "_region", lambda a: Region("", reader, http=region_http))
    argv = ["--json", "query", "--name", "cq-institute", "--key", "partner.pem", "--state", str(state)]
    assert cli.main([*argv, "--measure", "count", "--epsilon", "0.5"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["node"] == w.c.settings.name and row["contract_id"] == c.id
    assert row["result"]["cells"] and row["result"]["epsilon"] == 0.5
    assert w.c.contracts.get(w.officer, c.id).epsilon_spent == pytest.approx(0.5)
    # a refusal at a hospital is its row's error, and the exit code says something failed
    assert cli.main([*argv, "--measure", "count", "--epsilon", "5"]) == 1
    [row] = json.loads(capsys.readouterr().out)
    assert "error" in row and "result" not in row


def test_missing_extras_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> None:
    monkeypatch.setitem(sys.modules, "tenseal", None)
    monkeypatch.setitem(sys.modules, "private_set_intersection", None)
    monkeypatch.setitem(sys.modules, "private_set_intersection.python", None)
    assert cli.main(["he", "keygen", "--scheme", "bfv-counts", "--out", str(tmp_path / "k")]) == 2
    assert "pip install 'hnode-partner[he]'" in capsys.readouterr().err
    members = tmp_path / "members.txt"
    members.write_text("11010519491231002X\n")
    argv = ["--region", "http://region.invalid", "--token", "t", "psi", "--name", "n", "--key", "k"]
    assert cli.main([*argv, "--members", str(members)]) == 2
    assert "pip install 'hnode-partner[psi]'" in capsys.readouterr().err
    assert cli.main([*argv, "--members", str(tmp_path / "absent.txt")]) == 2
    assert "absent.txt: No such file" in capsys.readouterr().err
