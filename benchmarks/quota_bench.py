"""Quotas hold under concurrency: 50 simultaneous uses of a contract whose quota is 10 allow exactly 10,
with `hnode serve` as one process and as two (`--workers 2`, each process its own connection pool,
the embedded chain shared through its owner), on PostgreSQL.

Target (issue 15): exactly 10 allowed in both cases, the contract's metered uses and usage records 10.
Baseline in the same run: the same 50 requests sent one after another. Uses a temporary database on
127.0.0.1:5432. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test world builder lives in tests/

from node.adapters.db.migrate import upgrade
from tests.chain_support import free_port
from tests.conftest import PASSPHRASE, make_container
from tests.contract_world import build_world

ADMIN = os.environ.get("HNODE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUESTS, QUOTA = 50, 10
BODY = {"purpose": "actuarial_statistics", "epsilon": 0.0, "cohort_size": 100, "ref": "quota-bench"}


async def _burst(base: str, token: str, contract_id: str, concurrent: bool) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=REQUESTS if concurrent else 1)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:

        async def one() -> int:
            r = await client.post(f"/v1/contracts/{contract_id}/uses", json=BODY)
            return r.status_code

        if concurrent:
            codes = await asyncio.gather(*(one() for _ in range(REQUESTS)))
        else:
            codes = [await one() for _ in range(REQUESTS)]
    out: dict[str, int] = {}
    for code in codes:
        out[str(code)] = out.get(str(code), 0) + 1
    return out


def _serve(env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    hnode = str(Path(sys.executable).parent / "hnode")
    return subprocess.Popen(
        [hnode, "serve", "--workers", str(workers), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(url: str, data: Path) -> dict[str, Any]:
    upgrade(url)
    c = make_container(url, data / "node")
    w = build_world(c, data / "samples")
    terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=QUOTA)
    contracts = {k: w.active(w.insurer, w.insurer_key, "aggregate", terms) for k in ("seq", "w1", "w2")}
    token = c.identity.issue_token("bench", w.insurer.id).secret
    c.close()
    results: dict[str, Any] = {}
    for label, workers, concurrent in (("baseline_sequential", 1, False), ("w1", 1, True), ("w2", 2, True)):
        ct = contracts["seq" if label.startswith("baseline") else label]
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")} | {
            "NODE_DATA_DIR": str(data / "node"),
            "NODE_DATABASE_URL": url,
            "NODE_KEY_PASSPHRASE": PASSPHRASE.get_secret_value(),
            "NODE_LISTEN_PORT": str(port),
        }
        server = _serve(env, workers)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.3)
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start")
            start = time.perf_counter()
            codes = asyncio.run(_burst(base, token, ct.id, concurrent))
            seconds = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=20)
        c = make_container(url, data / "node")
        after = c.contracts.get(w.officer, ct.id)
        with c.uow() as uow:
            records = len(uow.contracts.usage(ct.id))
        c.close()
        results[label] = {
            "workers": workers,
            "concurrent": concurrent,
            "status_codes": codes,
            "allowed": codes.get("200", 0),
            "contract_uses": after.uses,
            "usage_records": records,
            "seconds": round(seconds, 3),
        }
    ok = all(results[k]["allowed"] == QUOTA and results[k]["contract_uses"] == QUOTA for k in results)
    head = {"benchmark": "quota_under_concurrency", "requests": REQUESTS, "quota": QUOTA}
    return {**head, **results, "pass": ok}


def main() -> None:
    db = f"hnode_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{db}"
    try:
        print(json.dumps(run(url, Path(tempfile.mkdtemp()))))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
