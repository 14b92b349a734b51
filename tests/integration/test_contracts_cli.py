"""``hnode contracts``, ``hnode audit anchor|prove`` and ``hnode partner`` as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from node.crypto.keyfile import write_key
from tests.chain_support import free_port
from tests.conftest import make_container, node_env
from tests.contract_world import build_world
from tests.integration.test_cli import run
from tests.processes import hnode_process


def test_officer_commands_verify_and_prove(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
    env = node_env(tmp_path / "node", url)
    assert run("migrate", env=env).returncode == 0
    c = make_container(url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    ct = c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    officer_token = c.identity.issue_token("cli:t", w.officer.id).secret
    ethics_token = c.identity.issue_token("cli:t", w.ethics.id).secret
    c.close()

    listed = run("contracts", "ls", "--state", "PENDING_APPROVAL", "--json", env=env)
    assert listed.returncode == 0 and [x["id"] for x in json.loads(listed.stdout)] == [ct.id]
    # issue 15: `--as NAME` let any shell user act as any officer; the acting person's own token now
    named = run("contracts", "approve", ct.id, "--as", "officer", env=env)
    assert named.returncode == 2 and "--as" in named.stderr
    anonymous = run("contracts", "approve", ct.id, env=env)
    assert anonymous.returncode == 2 and "NODE_STAFF_TOKEN" in anonymous.stderr
    forged = run("contracts", "approve", ct.id, env=env | {"NODE_STAFF_TOKEN": "hnt_" + "x" * 40})
    assert forged.returncode == 2 and "token_unknown" in forged.stderr
    wrong_role = run("contracts", "approve", ct.id, env=env | {"NODE_STAFF_TOKEN": ethics_token})
    assert wrong_role.returncode == 2 and "role_forbidden" in wrong_role.stderr
    approved = run(
        "contracts", "approve", ct.id, "--token-env", "MY_TOKEN", env=env | {"MY_TOKEN": officer_token}
    )
    assert approved.returncode == 0 and "AGREED" in approved.stdout, approved.stderr
    entries = json.loads(run("audit", "ls", "--json", env=env).stdout)
    (approval,) = [e for e in entries if e["action"] == "contract.approve"]
    assert approval["actor"] == w.officer.id  # the audit names who acted, from their credential

    c = make_container(url, tmp_path / "node")
    agreed = c.contracts.get(w.officer, ct.id)
    c.contracts.sign(w.insurer, ct.id, w.insurer_key.sign(agreed.canonical()).hex())
    c.close()
    not_yet = run("contracts", "verify", ct.id, "--json", env=env)
    assert not_yet.returncode == 1
    assert [x["name"] for x in json.loads(not_yet.stdout)["checks"] if not x["ok"]] == ["anchor"]
    delivered = run("contracts", "deliver", env=env)
    assert delivered.returncode == 0 and "anchored contract" in delivered.stdout
    verified = run("contracts", "verify", ct.id, env=env)
    assert verified.returncode == 0 and "verified" in verified.stdout, verified.stdout + verified.stderr

    copy = json.loads(run("contracts", "export", ct.id, env=env).stdout)
    copy["document"]["terms"]["max_uses"] += 1
    (tmp_path / "tampered.json").write_text(json.dumps(copy))
    tampered = run("contracts", "verify", "--file", str(tmp_path / "tampered.json"), env=env)
    assert tampered.returncode == 1 and "✗ digest" in tampered.stdout

    anchored = run("audit", "anchor", "--json", env=env)
    assert anchored.returncode == 0, anchored.stderr
    batch = json.loads(anchored.stdout)["batch"]
    proof = run("audit", "prove", str(batch["last_seq"]), "--json", env=env)
    assert proof.returncode == 0 and json.loads(proof.stdout)["checks"] == {
        "path_leads_to_root": True,
        "root_anchored_on_chain": True,
    }
    missing = run("audit", "prove", str(batch["last_seq"] + 50), env=env)
    assert missing.returncode == 2 and "entry_not_batched" in missing.stderr
    assert run("audit", "verify", env=env).returncode == 0


def test_partner_commands_against_a_served_node(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
    port = free_port()
    env = node_env(tmp_path / "node", url, listen_port=str(port))
    assert run("migrate", env=env).returncode == 0
    c = make_container(url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    token = c.identity.issue_token("cli:t", w.insurer.id).secret
    c.close()
    write_key(tmp_path / "insurer.pem", w.insurer_key, b"partner-pw")
    terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=1)
    (tmp_path / "terms.json").write_text(json.dumps(terms))

    with hnode_process("serve", env=env, health_port=port):
        partner = {"NODE_API_URL": f"http://127.0.0.1:{port}", "NODE_API_TOKEN": token}
        assert run("partner", "ls", env=partner).stdout.strip() == "[]"
        req = run(
            "partner",
            "request",
            w.products["aggregate"],
            "--terms",
            str(tmp_path / "terms.json"),
            env=partner,
        )
        assert req.returncode == 0, req.stderr
        ct = json.loads(req.stdout)
        c = make_container(url, tmp_path / "node")
        c.contracts.approve(w.officer, ct["id"])
        c.close()
        no_pw = run("partner", "sign", ct["id"], "--key", str(tmp_path / "insurer.pem"), env=partner)
        assert no_pw.returncode == 2 and "key" in no_pw.stderr.lower()
        signed = run(
            "partner",
            "sign",
            ct["id"],
            "--key",
            str(tmp_path / "insurer.pem"),
            env=partner | {"PARTNER_KEY_PASSPHRASE": "partner-pw"},
        )
        assert signed.returncode == 0 and json.loads(signed.stdout)["state"] == "ANCHORING", signed.stderr
        usage = json.loads(run("partner", "usage", ct["id"], env=partner).stdout)
        assert usage["uses_left"] == 1 and usage["records"] == []
        unset = run("partner", "ls")
        assert unset.returncode == 2 and "NODE_API_URL" in unset.stderr
