"""The region's own database (SQLAlchemy Core): nodes, signed catalog entries (every version kept),
partners, tokens and the region's hash-chained audit trail. The schema is made by the region's own
Alembic migrations (``region/migrations``, version table ``region_alembic_version``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

nodes = Table(
    "region_nodes",
    metadata,
    Column("code", String(64), primary_key=True),  # institution code (统一社会信用代码 or 机构代码)
    Column("hospital", String(200), nullable=False),
    Column("dsp_endpoint", String(500), nullable=False),
    Column("public_key", String(130), nullable=False, unique=True),
    Column("key_digest", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # pending, approved
    Column("anchor_tx", String(66), nullable=False),
    Column("requested_at_us", BigInteger, nullable=False),
    Column("approved_at_us", BigInteger),
    Column("last_seen_us", BigInteger, nullable=False),
    Column("catalog_version", BigInteger, nullable=False),
)

entries = Table(
    "region_entries",
    metadata,
    Column("node", String(64), primary_key=True),
    Column("version", BigInteger, primary_key=True, autoincrement=False),
    Column("dataset_id", String(300), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(64), nullable=False),
    Column("level", Integer, nullable=False),
    Column("access_mode", String(32), nullable=False),
    Column("scenarios", JSON, nullable=False),
    Column("update_frequency", String(64), nullable=False),
    Column("entry", JSON, nullable=False),
    Index("ix_region_entries_node_version", "node", "version"),
)

pushes = Table(
    "region_pushes",
    metadata,
    Column("node", String(64), primary_key=True),
    Column("version", BigInteger, primary_key=True, autoincrement=False),
    Column("signature", String(200), nullable=False),
    Column("contracts_in_force", Integer, nullable=False),
    Column("pushed_at_us", BigInteger, nullable=False),
)

partners = Table(
    "region_partners",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("organization", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("public_key", String(130), nullable=False, unique=True),
    Column("registered_at_us", BigInteger, nullable=False),
)

tokens = Table(
    "region_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # operator, reader
    Column("label", String(100), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
)

invitations = Table(
    "region_invitations",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SM3 of the one-time token; the token is never kept
    Column("institution_code", String(64), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("used_at_us", BigInteger),
)

audit_head = Table(
    "region_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # one row, id 1: the chain's head
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

audit = Table(
    "region_audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(300), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", Text, nullable=False),  # RFC 8785 canonical JSON, exactly what was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)


def open_engine(url: str) -> Engine:
    """The region's database, migrated to the head of the region's own migrations (the region is one
    small service: it brings its schema up when it opens it; ``hnode region migrate`` does it alone)."""
    from region.migrate import upgrade

    upgrade(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=5, max_overflow=10, pool_recycle=1800, hide_parameters=True)
    engine = create_engine(url, connect_args={"isolation_level": None, "timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the audit head is a real critical section on SQLite

    return engine
