"""One-stop settlement over real HTTP (``hnode serve`` as a process, PostgreSQL): the billing desk's
``hnode settlement`` under its own token, the insurer's ``hnode partner claims pull|respond`` with its
key file, and the reconciliation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.asset_registry.model import ProductStatus
from tests.chain_support import free_port
from tests.conftest import make_container, node_env
from tests.contract_world import build_world
from tests.integration.test_cli import run
from tests.integration.test_settlement import FIXTURES, TEMPLATE, _consent, _contract, _today
from tests.processes import hnode_process

KEY_PASS = "insurer-key-passphrase"


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[dict[str, object]]:
    port = free_port()
    env = node_env(tmp_path / "node", pg_url, listen_port=str(port))
    c = make_container(pg_url, tmp_path / "node")
    write_sample_files(tmp_path / "samples", 25, seed=5)
    w = build_world(c, tmp_path / "samples")
    imported = c.assets.import_source("cli:t", open_source("csv", str(FIXTURES))).assets
    p = c.products.create(
        w.officer.id, "一站式结算", [a.id for a in imported], "settlement", ["insurer"], TEMPLATE
    )
    c.products.set_status(w.officer.id, p.id, ProductStatus.PUBLISHED)
    w.products["settlement"] = p.id
    ct = _contract(w)
    _consent(w, "st-p1", "st-p2")
    staff = c.identity.issue_token("cli:t", w.officer.id).secret
    token = c.identity.issue_token("cli:t", w.insurer.id).secret
    key = tmp_path / "insurer.pem"
    key.write_bytes(w.insurer_key.to_pem(KEY_PASS.encode()))
    node_key = c.signer.public_key_hex
    c.close()
    with hnode_process("serve", env=env, health_port=port):
        yield {
            "desk": env | {"NODE_STAFF_TOKEN": staff},
            "partner": {
                "NODE_API_URL": f"http://127.0.0.1:{port}",
                "NODE_API_TOKEN": token,
                "PARTNER_KEY_PASSPHRASE": KEY_PASS,
            },
            "contract": ct,
            "key": str(key),
            "node_key": node_key,
        }


def test_desk_submits_insurer_settles_desk_reconciles(served: dict[str, object], tmp_path: Path) -> None:
    desk, partner, ct = served["desk"], served["partner"], str(served["contract"])
    assert isinstance(desk, dict) and isinstance(partner, dict)
    ids = []
    for enc in ("st-e1", "st-e2", "st-e1"):  # the last one a retry
        out = run("settlement", "submit", enc, "--contract", ct, "--json", env=desk)
        assert out.returncode == 0, out.stderr
        ids.append(json.loads(out.stdout)["claim_id"])
    assert ids[0] == ids[2] and ids[0] != ids[1]
    refused = run("settlement", "submit", "st-e3", "--contract", ct, env=desk)  # st-p3 did not consent
    assert refused.returncode == 2 and "consent_given" in refused.stderr and "st-p3" not in refused.stderr
    no_token = run("settlement", "submit", "st-e2", "--contract", ct, env={**desk, "NODE_STAFF_TOKEN": ""})
    assert no_token.returncode != 0 and "NODE_STAFF_TOKEN" in no_token.stderr

    out_dir = tmp_path / "claims"
    pulled = run(
        "partner", "claims", "pull", "--key", str(served["key"]), "--out", str(out_dir),
        "--node-key", str(served["node_key"]), "--json", env=partner,
    )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    assert sorted(x["claim_id"] for x in json.loads(pulled.stdout)) == sorted(ids[:2])
    for claim_id in ids[:2]:
        claim = json.loads((out_dir / f"{claim_id}.json").read_text("utf-8"))
        payable = round(claim["total"]["value"] * 0.8, 2)
        answered = run(
            "partner", "claims", "respond", str(out_dir / f"{claim_id}.json"), "--payable", str(payable),
            "--key", str(served["key"]), "--json", env=partner,
        )  # fmt: skip
        assert answered.returncode == 0, answered.stderr
        assert json.loads(answered.stdout)["status"] == "settled"

    rec = run("settlement", "reconcile", "--date", _today(), "--json", env=desk)
    assert rec.returncode == 0, rec.stderr
    [row] = json.loads(rec.stdout)
    assert (row["claims"], row["settled"], row["pending"]) == (2, 2, 0)
    assert (row["total"], row["payable"], row["patient_share"]) == (11055.0, 8844.0, 2211.0)
    listed = json.loads(run("settlement", "ls", "--contract", ct, "--json", env=desk).stdout)
    assert {x["status"] for x in listed} == {"settled"}
