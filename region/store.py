"""The region's own database (SQLAlchemy Core): nodes, signed catalog entries (every version kept),
partners, tokens and the region's audit trail."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text, create_engine
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

audit = Table(
    "region_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at_us", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("ref", String(300), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", JSON, nullable=False),
)


def open_engine(url: str) -> Engine:
    """The region's database, its tables created if missing (the schema is the region's alone)."""
    engine = create_engine(url)
    metadata.create_all(engine)
    return engine
