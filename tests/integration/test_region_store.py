"""The region's own database: Alembic migrations of its own (script location and version table apart from
the node's, so both can share one PostgreSQL database) and a tamper-evident SM3 hash-chained audit trail."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, update

from node.crypto.sm import PrivateKey
from region import store
from region.api import create_region_app
from region.migrate import VERSION_TABLE, downgrade, upgrade
from region.service import RegionService, sign_payload
from tests.conftest import FakeClock


def _region_only(name: str | None, type_: str, *_: object) -> bool:
    return type_ != "table" or bool(name and name.startswith("region_"))


@pytest.fixture(params=["sqlite", "postgresql"])
def region_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty SQLite file, or a PostgreSQL database that already holds a migrated node's schema."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'region.db'}"


def test_region_migrations_create_exactly_its_tables_apart_from_the_nodes(region_url: str) -> None:
    upgrade(region_url)
    engine = create_engine(region_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_name": _region_only, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(ctx, store.metadata) == []
        assert ctx.get_current_revision() is not None
    names = set(inspect(engine).get_table_names())
    assert {"region_nodes", "region_audit", "region_audit_head", VERSION_TABLE} <= names
    if region_url.startswith("postgresql"):
        assert {"alembic_version", "audit_entries"} <= names  # the node's schema is untouched
    downgrade(region_url, "base")
    assert not {n for n in inspect(engine).get_table_names() if n.startswith("region_")} - {VERSION_TABLE}
    upgrade(region_url)
    assert "region_audit_head" in inspect(engine).get_table_names()
    engine.dispose()


def _busy_region(url: str) -> tuple[RegionService, TestClient, dict[str, str]]:
    engine = store.open_engine(url)
    service = RegionService(engine, FakeClock(), lambda: pytest.fail("no chain needed"))
    http = TestClient(create_region_app(service))
    operator = {"Authorization": f"Bearer {service.issue_token('operator', 'op')}"}
    reader = {"Authorization": f"Bearer {service.issue_token('reader', 'r')}"}
    http.get("/v1/audit", headers=reader)  # a denial: audited
    thief, key = PrivateKey.generate(), PrivateKey.generate()
    bad = {
        "type": "join",
        "hospital": "丙",
        "institution_code": "500000-Z",
        "dsp_endpoint": "https://z.example",
    }
    bad["public_key"] = key.public_key().to_hex()
    http.post("/v1/nodes/join", json=sign_payload(bad, thief.sign))  # refused: audited
    partner = {"name": "inst", "roles": ["researcher"], "public_key": key.public_key().to_hex()}
    assert http.post("/v1/partners", json=partner, headers=operator).status_code == 201
    return service, http, operator


def test_region_audit_is_hash_chained_and_tampering_one_row_is_detected(region_url: str) -> None:
    _, http, operator = _busy_region(region_url)
    trail = http.get("/v1/audit", headers=operator).json()
    assert len(trail) >= 3
    oldest_first = sorted(trail, key=lambda e: e["seq"])
    assert [e["seq"] for e in oldest_first] == list(range(1, len(trail) + 1))
    assert oldest_first[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in itertools.pairwise(oldest_first))
    intact = http.get("/v1/audit/verify", headers=operator)
    assert intact.status_code == 200
    assert intact.json() == {"ok": True, "entries": len(trail), "first_broken_seq": None, "reason": None}

    # someone with database access rewrites a denial as a success
    denied = next(e["seq"] for e in oldest_first if e["outcome"] == "denied")
    with create_engine(region_url).begin() as c:
        c.execute(update(store.audit).where(store.audit.c.seq == denied).values(outcome="success"))
    broken = http.get("/v1/audit/verify", headers=operator).json()
    assert broken["ok"] is False and broken["first_broken_seq"] == denied
    assert "hash" in broken["reason"]
    assert http.get("/v1/audit/verify", headers={"Authorization": "Bearer hrt_x"}).status_code == 401


def test_region_audit_truncation_is_detected(region_url: str) -> None:
    service, _, _ = _busy_region(region_url)
    last = max(e["seq"] for e in service.audit_trail(1000))
    with create_engine(region_url).begin() as c:  # someone with database access cuts the tail
        c.execute(store.audit.delete().where(store.audit.c.seq == last))
    report = service.verify_audit()
    assert report["ok"] is False and "head" in report["reason"]
