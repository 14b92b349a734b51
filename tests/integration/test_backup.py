"""``hnode backup`` / ``hnode restore``: a node restored into a fresh one verifies its audit trail and
its contracts (signatures and anchors on the chain) exactly as the original did."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import make_container, node_env
from tests.contract_world import build_world
from tests.integration.test_cli import run

SECRET = "backup-passphrase-for-tests"


def _env(data: Path, url: str, **extra: str) -> dict[str, str]:
    return node_env(data, url) | extra


@pytest.fixture
def original(pg_url: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    """A node on PostgreSQL with an active, anchored contract that has been used, and a sealed audit log."""
    data = tmp_path / "a"
    c = make_container(pg_url, data)
    w = build_world(c, tmp_path / "samples")
    ct = w.active(w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics"))
    c.close()
    env = _env(data, pg_url)
    assert run("audit", "anchor", env=env).returncode == 0
    return env, ct.id


def test_backup_restores_into_a_fresh_node_that_verifies(
    original: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env_a, contract_id = original
    out = tmp_path / "node.hbk"
    assert run("backup", str(out), env=env_a).returncode == 2  # never unencrypted
    made = run("backup", str(out), "--json", env=env_a | {"NODE_BACKUP_PASSPHRASE": SECRET})
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["rows"]["contracts"] == 1 and report["rows"]["audit_entries"] > 10
    assert report["files"] >= 2  # at least the node key and the embedded chain
    blob = out.read_bytes()
    assert b"audit_entries" not in blob and b"BEGIN ENCRYPTED PRIVATE KEY" not in blob  # encrypted whole
    assert run("backup", str(out), env=env_a | {"NODE_BACKUP_PASSPHRASE": SECRET}).returncode == 2

    # into a fresh node on SQLite: the dump is rows, not a database file
    data_b = tmp_path / "b"
    env_b = _env(data_b, f"sqlite:///{data_b / 'node.db'}")
    assert run("migrate", env=env_b).returncode == 0
    wrong = run("restore", str(out), env=env_b | {"NODE_BACKUP_PASSPHRASE": "not-the-passphrase"})
    assert wrong.returncode == 2 and "envelope_unauthentic" in wrong.stderr
    assert not (data_b / "keys").exists()  # nothing written
    tampered = tmp_path / "tampered.hbk"
    tampered.write_bytes(blob[:-40] + bytes(b ^ 1 for b in blob[-40:]))
    bad = run("restore", str(tampered), env=env_b | {"NODE_BACKUP_PASSPHRASE": SECRET})
    assert bad.returncode == 2 and not (data_b / "keys").exists()

    restored = run("restore", str(out), "--json", env=env_b | {"NODE_BACKUP_PASSPHRASE": SECRET})
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["rows"] == report["rows"]
    audit = run("audit", "verify", env=env_b)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    verified = run("contracts", "verify", contract_id, env=env_b)
    assert verified.returncode == 0 and "verified" in verified.stdout, verified.stdout + verified.stderr
    # once restored, the node is no longer fresh: a second restore is refused and changes nothing
    again = run("restore", str(out), env=env_b | {"NODE_BACKUP_PASSPHRASE": SECRET})
    assert again.returncode == 2 and "node_not_fresh" in again.stderr
    assert run("audit", "verify", env=env_b).returncode == 0


def test_restore_refuses_a_non_empty_database_before_writing_files(
    original: tuple[dict[str, str], str], tmp_path: Path, pg_url: str
) -> None:
    env_a, _ = original
    out = tmp_path / "node.hbk"
    assert run("backup", str(out), env=env_a | {"NODE_BACKUP_PASSPHRASE": SECRET}).returncode == 0
    data_c = tmp_path / "c"
    env_c = _env(data_c, pg_url)  # the original's own database: not empty
    r = run("restore", str(out), env=env_c | {"NODE_BACKUP_PASSPHRASE": SECRET})
    assert r.returncode == 2 and "node_not_fresh" in r.stderr
    assert not data_c.exists() or not any(p.is_file() for p in data_c.rglob("*"))
    assert os.environ.get("NODE_BACKUP_PASSPHRASE") is None
