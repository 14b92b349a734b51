"""Audit log throughput on PostgreSQL, and `hnode audit verify` over 100,000 entries.

Targets (issue 2): append >= 2,000 entries/s on PostgreSQL; `hnode audit verify` over 100,000 entries
in < 10 s. Baseline in the same run: plain INSERTs of the same rows with no hash chain and no head lock,
one transaction each. Uses a temporary database on 127.0.0.1:5432 and drops it. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from pydantic import SecretStr
from sqlalchemy import insert

from node.adapters.db import tables as t
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.audit.model import AuditEvent
from node.bootstrap import build_container
from node.config import load_settings

ADMIN = os.environ.get("HNODE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
N_SINGLE = 3000
WRITERS = 8
VERIFY_N = int(os.environ.get("HNODE_BENCH_VERIFY_N", "100000"))
BATCH = 100


def _event(i: int) -> AuditEvent:
    return AuditEvent(f"pr_{i % 50:04d}", "product.use", "contract", f"ct_{i}", details={"uses": i % 7})


def main() -> None:
    db = f"hnode_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{db}"
    data = Path(tempfile.mkdtemp())
    try:
        result = run(url, data)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(json.dumps(result))


def run(url: str, data: Path) -> dict[str, object]:
    upgrade(url)
    pw = SecretStr("bench")
    settings = load_settings(data_dir=data, database_url=url, key_passphrase=pw)
    create_node_key(settings.node_key_path, pw)
    c = build_container(settings)

    # baseline: the same rows as plain inserts, no chain, no lock, one transaction each
    start = time.perf_counter()
    for i in range(N_SINGLE):
        with c.engine.begin() as conn:
            conn.execute(
                insert(t.principals).values(
                    id=f"b{i}",
                    name=f"b{i}",
                    kind="staff",
                    roles=[],
                    organization="",
                    created_at_us=i,
                    disabled=False,
                )
            )
    baseline = N_SINGLE / (time.perf_counter() - start)

    start = time.perf_counter()
    for i in range(N_SINGLE):
        c.audit.record_now(_event(i))
    single = N_SINGLE / (time.perf_counter() - start)

    def writer(w: int) -> None:
        for i in range(N_SINGLE // WRITERS):
            c.audit.record_now(_event(w * 100_000 + i))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    concurrent = (N_SINGLE // WRITERS * WRITERS) / (time.perf_counter() - start)

    have = len(c.audit.recent(1000)) and c.audit.recent(1)[0].seq
    start = time.perf_counter()
    n_batched = 0
    while have + n_batched < VERIFY_N:
        with c.uow() as uow:
            c.audit.record(uow, *(_event(n_batched + j) for j in range(BATCH)))
            uow.commit()
        n_batched += BATCH
    batched = n_batched / (time.perf_counter() - start)

    start = time.perf_counter()
    seals = c.audit.seal()
    seal_s = time.perf_counter() - start

    env = {**os.environ, "NODE_DATABASE_URL": url, "NODE_DATA_DIR": str(data), "NODE_KEY_PASSPHRASE": "bench"}
    start = time.perf_counter()
    out = subprocess.run(
        [str(Path(sys.executable).parent / "hnode"), "audit", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    verify_s = time.perf_counter() - start
    report = json.loads(out.stdout)
    c.close()
    return {
        "benchmark": "audit_postgresql",
        "baseline_plain_insert_per_s": round(baseline, 1),
        "append_single_tx_per_s": round(single, 1),
        f"append_single_tx_{WRITERS}_writers_per_s": round(concurrent, 1),
        f"append_batched_{BATCH}_per_tx_per_s": round(batched, 1),
        "single_tx_vs_baseline": round(single / baseline, 3),
        "seal_seconds": round(seal_s, 2),
        "seals": len(seals),
        "verify_entries": report["entries"],
        "verify_ok": report["ok"],
        "hnode_audit_verify_seconds": round(verify_s, 2),
        "target_append_per_s": 2000,
        "target_verify_seconds": 10,
        # concurrent requests share transactions (group commit); one lone writer is bound by commit latency
        "pass_append": concurrent >= 2000 and batched >= 2000,
        "pass_verify": report["ok"] and report["entries"] >= VERIFY_N and verify_s < 10,
    }


if __name__ == "__main__":
    main()
