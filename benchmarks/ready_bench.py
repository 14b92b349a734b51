"""`/ready` latency on a served node (PostgreSQL, embedded policy engine and chain), against `/health`
measured on the same server in the same run. Target (issue 21): `/ready` answers < 50 ms.
Prints one JSON object."""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ADMIN = os.environ.get("HNODE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
N = 300
HNODE = str(Path(sys.executable).parent / "hnode")


def _latencies(client: httpx.Client, path: str) -> list[float]:
    out = []
    for _ in range(N):
        start = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.text
    return sorted(out)


def main() -> None:
    db = f"hnode_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{db}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {
        "NODE_DATABASE_URL": url,
        "NODE_DATA_DIR": tempfile.mkdtemp(),
        "NODE_KEY_PASSPHRASE": "bench",
        "NODE_LISTEN_PORT": str(port),
    }
    for cmd in (["migrate"], ["keys", "init"]):
        subprocess.run([HNODE, *cmd], env=env, check=True, capture_output=True)
    server = subprocess.Popen([HNODE, "serve", "--no-access-log"], env=env, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(100):
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            _latencies(client, "/ready")  # warm up
            health, ready = _latencies(client, "/health"), _latencies(client, "/ready")
    finally:
        server.terminate()
        server.wait(timeout=20)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    p = {
        "health_p50_ms": statistics.median(health),
        "health_p95_ms": health[int(N * 0.95)],
        "ready_p50_ms": statistics.median(ready),
        "ready_p95_ms": ready[int(N * 0.95)],
    }
    print(
        json.dumps(
            {"benchmark": "ready_latency", "requests": N, **{k: round(v, 2) for k, v in p.items()}}
            | {"target_ready_ms": 50, "pass": p["ready_p95_ms"] < 50}
        )
    )


if __name__ == "__main__":
    main()
