"""The regional registry as real processes: `hnode region serve`, the operator's `hnode region migrate`,
`invite`, `approve` and `audit-verify`, a node's `hnode region join` and `push`, and the partner's own
`hnode-partner search`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.chain_support import free_port
from tests.conftest import PASSPHRASE, make_container, node_env
from tests.contract_world import build_world
from tests.processes import hnode_process

HNODE = str(Path(sys.executable).parent / "hnode")
PARTNER_CLIENT = Path(__file__).resolve().parents[2] / "partner_client"


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "REGION_"))}
    return subprocess.run(
        [HNODE, *args], env=clean | env, capture_output=True, text=True, timeout=120, check=False
    )


def test_region_serve_join_push_approve_and_partner_search(tmp_path: Path) -> None:
    region_env = {
        "NODE_DATA_DIR": str(tmp_path / "region"),
        "NODE_KEY_PASSPHRASE": PASSPHRASE.get_secret_value(),
        "REGION_DATABASE_URL": f"sqlite:///{tmp_path / 'region.db'}",
    }
    assert _run("keys", "init", env=region_env).returncode == 0  # the region's own chain account
    migrated = _run("region", "migrate", env=region_env)
    assert migrated.returncode == 0 and "at head" in migrated.stdout, migrated.stderr
    reader = _run("region", "token", "--role", "reader", env=region_env)
    assert reader.returncode == 0, reader.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "REGION_"))}
    with hnode_process("region", "serve", "--port", str(port), env=region_env, health_port=port):
        db = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
        node = node_env(tmp_path / "node", db)
        assert _run("migrate", env=node).returncode == 0
        c = make_container(db, tmp_path / "node")
        w = build_world(c, tmp_path / "samples")
        c.close()
        join = ("region", "join", "--region", url, "--code", "500000-A", "--endpoint", "https://a.example")
        uninvited = _run(*join, "--invitation", "hri_made-up", env=node)
        assert uninvited.returncode == 2 and "invitation_invalid" in uninvited.stderr
        invited = _run(
            "region", "invite", "--institution-code", "500000-A", "--valid-hours", "1", env=region_env
        )
        assert invited.returncode == 0, invited.stderr
        invitation = json.loads(invited.stdout)
        assert invitation["institution_code"] == "500000-A" and invitation["invitation"].startswith("hri_")
        joined = _run(*join, env=node | {"REGION_INVITATION": invitation["invitation"]})
        assert joined.returncode == 0, joined.stderr
        assert json.loads(joined.stdout)["status"] == "pending"
        early = _run("region", "push", "--region", url, "--code", "500000-A", env=node)
        assert early.returncode == 2 and "node_unknown" in early.stderr
        approved = _run("region", "approve", "500000-A", env=region_env)
        assert approved.returncode == 0, approved.stderr
        assert json.loads(approved.stdout)["anchor_tx"].startswith("0x")
        pushed = _run("region", "push", "--region", url, "--code", "500000-A", env=node)
        assert pushed.returncode == 0 and json.loads(pushed.stdout)["entries"] == len(w.products)

        search = subprocess.run(
            [
                sys.executable,
                "-m",
                "hnode_partner.cli",
                "--json",
                "--region",
                url,
                "search",
                "--mode",
                "he_query",
            ],
            env=clean | {"PYTHONPATH": str(PARTNER_CLIENT), "REGION_TOKEN": reader.stdout.strip()},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert search.returncode == 0, search.stderr
        found = json.loads(search.stdout)
        assert [e["product_id"] for e in found] == [w.products["he"]]
        assert found[0]["dsp_endpoint"] == "https://a.example/dsp/2025-1" and found[0]["stale"] is False
        refused = subprocess.run(
            [sys.executable, "-m", "hnode_partner.cli", "--region", url, "--token", "hrt_wrong", "search"],
            env=clean | {"PYTHONPATH": str(PARTNER_CLIENT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode == 2 and "token_unknown" in refused.stderr
        verified = _run("region", "audit-verify", "--json", env=region_env)
        assert verified.returncode == 0, verified.stderr
        assert json.loads(verified.stdout)["ok"] is True and json.loads(verified.stdout)["entries"] >= 5
