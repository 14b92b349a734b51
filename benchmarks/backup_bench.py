"""Backup and restore of a node with 100,000 audit entries and 1,000 contracts on PostgreSQL.

Targets (issue 21): `hnode backup` < 30 s; `hnode restore` into a fresh node plus `hnode audit verify`
and `hnode contracts verify` < 60 s. Baseline in the same run: `pg_dump --format=custom` of the same
database (no data directory, no encryption). Uses temporary databases on 127.0.0.1:5432 and drops them.
Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr
from sqlalchemy import insert, select

from node.adapters.db import tables as t
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.audit.model import AuditEvent
from node.bootstrap import build_container
from node.config import load_settings
from tests.contract_world import build_world

ADMIN = os.environ.get("HNODE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AUDIT_N = int(os.environ.get("HNODE_BENCH_AUDIT_N", "100000"))
CONTRACTS_N = int(os.environ.get("HNODE_BENCH_CONTRACTS_N", "1000"))
HNODE = str(Path(sys.executable).parent / "hnode")
SECRET = "backup-bench-passphrase"


def _db() -> tuple[str, str]:
    name = f"hnode_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def _hnode(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    r = subprocess.run([HNODE, *args], env=os.environ | env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, r


def _fill(url: str, data: Path) -> str:
    """One real active contract (signed, anchored), copies of its row up to CONTRACTS_N, AUDIT_N entries."""
    pw = SecretStr("bench")
    settings = load_settings(data_dir=data, database_url=url, key_passphrase=pw)
    create_node_key(settings.node_key_path, pw)
    c = build_container(settings)
    w = build_world(c, data / "samples")
    real = w.active(w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics"))
    with c.engine.begin() as conn:
        row = dict(conn.execute(select(t.contracts).where(t.contracts.c.id == real.id)).one()._mapping)
        copies = [
            row | {"id": f"ct_bench{i:08d}", "digest": secrets.token_hex(32)} for i in range(CONTRACTS_N - 1)
        ]
        conn.execute(insert(t.contracts), copies)
    have = c.audit.recent(1)[0].seq
    for start in range(have, AUDIT_N, 1000):
        with c.uow() as uow:
            events = [
                AuditEvent(f"pr_{i % 50:04d}", "contract.use", "contract", f"ct_{i}", details={"uses": i % 7})
                for i in range(start, min(start + 1000, AUDIT_N))
            ]
            c.audit.record(uow, *events)
            uow.commit()
    c.audit.seal()
    c.close()
    return real.id


def main() -> None:
    source_db, source_url = _db()
    target_db, target_url = _db()
    tmp = Path(tempfile.mkdtemp())
    try:
        result = run(source_url, target_url, tmp)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for db in (source_db, target_db):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(json.dumps(result))


def run(source_url: str, target_url: str, tmp: Path) -> dict[str, Any]:
    upgrade(source_url)
    contract_id = _fill(source_url, tmp / "a")
    env_a = {"NODE_DATABASE_URL": source_url, "NODE_DATA_DIR": str(tmp / "a"), "NODE_KEY_PASSPHRASE": "bench"}
    pg_url = source_url.replace("postgresql+psycopg://", "postgresql://")
    start = time.perf_counter()
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "-f", str(tmp / "baseline.dump"), pg_url], check=False
    )
    baseline_s = time.perf_counter() - start
    backup_s, made = _hnode(
        env_a | {"NODE_BACKUP_PASSPHRASE": SECRET}, "backup", str(tmp / "node.hbk"), "--json"
    )
    assert made.returncode == 0, made.stderr

    env_b = {"NODE_DATABASE_URL": target_url, "NODE_DATA_DIR": str(tmp / "b"), "NODE_KEY_PASSPHRASE": "bench"}
    upgrade(target_url)
    restore_s, restored = _hnode(env_b | {"NODE_BACKUP_PASSPHRASE": SECRET}, "restore", str(tmp / "node.hbk"))
    assert restored.returncode == 0, restored.stderr
    audit_s, audit = _hnode(env_b, "audit", "verify", "--json")
    contract_s, contract = _hnode(env_b, "contracts", "verify", contract_id)
    report = json.loads(made.stdout)
    recover_s = restore_s + audit_s + contract_s
    return {
        "benchmark": "backup_restore_postgresql",
        "audit_entries": report["rows"]["audit_entries"],
        "contracts": report["rows"]["contracts"],
        "backup_bytes": report["bytes"],
        "baseline_pg_dump_seconds": round(baseline_s, 2) if dump.returncode == 0 else None,
        "baseline_pg_dump_bytes": (tmp / "baseline.dump").stat().st_size if dump.returncode == 0 else None,
        "hnode_backup_seconds": round(backup_s, 2),
        "hnode_restore_seconds": round(restore_s, 2),
        "audit_verify_seconds": round(audit_s, 2),
        "contracts_verify_seconds": round(contract_s, 2),
        "restore_and_verify_seconds": round(recover_s, 2),
        "audit_verify_ok": audit.returncode == 0 and json.loads(audit.stdout)["ok"],
        "contract_verified": contract.returncode == 0,
        "target_backup_seconds": 30,
        "target_restore_and_verify_seconds": 60,
        "pass": backup_s < 30 and recover_s < 60 and audit.returncode == 0 and contract.returncode == 0,
    }


if __name__ == "__main__":
    main()
