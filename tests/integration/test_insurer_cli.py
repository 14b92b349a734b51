"""The insurer's commands against a served node over real HTTP (``hnode serve`` as a process), and the
officer's ``hnode consent``, on PostgreSQL (test_consent_psi.py and test_aggregate_queries.py run the
same services on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chain_support import free_port
from tests.conftest import make_container, node_env
from tests.contract_world import build_world
from tests.insurer_world import build_insurer_world
from tests.integration.test_cli import run
from tests.processes import hnode_process


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[dict[str, object]]:
    """A node with PSI and query contracts, consents recorded with the CLI, then served."""
    port = free_port()
    env = node_env(tmp_path / "node", pg_url, listen_port=str(port))
    c = make_container(pg_url, tmp_path / "node")
    iw = build_insurer_world(build_world(c, tmp_path / "samples"), tmp_path / "samples")
    psi = iw.contract("psi-consent", "psi", "claims_verification")
    query = iw.contract("query", "aggregate_query", "actuarial_statistics", epsilon=1.0)
    token = c.identity.issue_token("cli:t", iw.w.insurer.id).secret
    officer_env = env | {"NODE_STAFF_TOKEN": c.identity.issue_token("cli:t", iw.w.officer.id).secret}
    ethics_env = env | {"MY_TOKEN": c.identity.issue_token("cli:t", iw.w.ethics.id).secret}
    patients_asset = next(a.id for a in c.assets.search() if a.table == "patients")
    iw.consent(iw.patients.patient_id.tolist()[:21])
    c.close()
    grant = [
        "consent", "grant", "h1-p000099", "--partner", "insurer-a", "--purpose", "claims_verification",
        "--channel", "app", "--evidence", "x",
    ]  # fmt: skip
    # issue 15 item 12: a name is not a credential; the acting officer's own token is
    named = run(*grant, "--as", "officer", env=env)
    assert named.returncode == 2 and "--as" in named.stderr
    anonymous = run(*grant, env=env)
    assert anonymous.returncode == 2 and "NODE_STAFF_TOKEN" in anonymous.stderr
    wrong = run(*grant, "--token-env", "MY_TOKEN", env=ethics_env)
    assert wrong.returncode == 2 and "role_forbidden" in wrong.stderr
    for pid in iw.patients.patient_id.tolist()[21:23]:  # two through the officer's command
        granted = run(
            "consent", "grant", pid, "--partner", "insurer-a", "--purpose", "claims_verification",
            "--channel", "signed_form", "--evidence", f"F-{pid}", "--json", env=officer_env,
        )  # fmt: skip
        assert granted.returncode == 0, granted.stderr
    withdrawn = run("consent", "withdraw", json.loads(granted.stdout)["id"], env=officer_env)
    assert withdrawn.returncode == 0 and "withdrawn" in withdrawn.stdout, withdrawn.stderr
    assert run("consent", "withdraw", "cs_x", "--as", "officer", env=env).returncode == 2
    audited = json.loads(run("audit", "ls", "--json", env=env).stdout)
    acted = [e["actor"] for e in audited if e["action"] in ("consent.grant", "consent.withdraw")]
    assert acted[-3:] == [iw.w.officer.id] * 3  # the audit names who acted, from their credential
    made = run(
        "products", "create", "psi-cli", "--asset", patients_asset, "--mode", "psi",
        "--visible-to", "insurer", "--policy", '{"purposes": ["claims_verification"]}', env=officer_env,
    )  # fmt: skip
    assert made.returncode == 0 and " psi " in made.stdout, made.stderr
    listed = json.loads(run("consent", "ls", "--partner", "insurer-a", "--json", env=env).stdout)
    assert len(listed) == 23 and sum(x["in_force"] for x in listed) == 22

    with hnode_process("serve", env=env, health_port=port):
        yield {
            "partner": {"NODE_API_URL": f"http://127.0.0.1:{port}", "NODE_API_TOKEN": token},
            "psi": psi,
            "query": query,
            "ids": iw.patients.id_card.tolist(),
            "env": env,
        }


def test_partner_psi_and_query_commands(served: dict[str, object], tmp_path: Path) -> None:
    partner, ids = served["partner"], served["ids"]
    assert isinstance(partner, dict) and isinstance(ids, list)
    members = tmp_path / "members.txt"
    members.write_text("\n".join([*(x.lower() for x in ids[:30]), "11010519491231002X", ""]), "utf-8")
    out = run("partner", "psi", str(served["psi"]), "--members", str(members), "--json", env=partner)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"members": 31, "matched": [x.upper() for x in ids[:22]]}

    bad = tmp_path / "bad.txt"
    bad.write_text(f"{ids[0]}\n{ids[1]}\n{ids[2][:-1]}Y\n", "utf-8")
    refused = run("partner", "psi", str(served["psi"]), "--members", str(bad), "--json", env=partner)
    assert refused.returncode == 2 and "line 3" in refused.stderr and ids[2][:-1] not in refused.stderr
    usage = json.loads(run("partner", "usage", str(served["psi"]), env=partner).stdout)
    assert [r["ref"] for r in usage["records"]] == ["psi:31"]  # the bad file sent nothing

    q = run(
        "partner", "query", str(served["query"]), "--measure", "count", "--measure", "mean:value",
        "--by", "sex", "--where", "loinc=2345-7", "--epsilon", "0.6", "--json", env=partner,
    )  # fmt: skip
    assert q.returncode == 0, q.stderr
    result = json.loads(q.stdout)
    assert {c["group"]["sex"] for c in result["cells"]} == {"male", "female"}
    assert all(isinstance(c["count"], int) and c["count"] >= 0 for c in result["cells"])
    assert result["noise"]["count"]["scale"] == pytest.approx(1 / 0.2)
    assert result["noise"]["count"]["epsilon"] == pytest.approx(0.2)
    spent = run(
        "partner", "query", str(served["query"]), "--measure", "count", "--epsilon", "0.5", env=partner
    )
    assert spent.returncode == 2 and "privacy_budget_left" in spent.stderr + spent.stdout
    human = run(
        "partner", "query", str(served["query"]), "--measure", "count", "--epsilon", "0.3", env=partner
    )
    assert human.returncode == 0 and "noise count: discrete Laplace (OpenDP)" in human.stdout
