"""Table definitions (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, MetaData, String, Table, Text

metadata = MetaData()

principals = Table(
    "principals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("organization", String(200), nullable=False),
    Column("public_key", String(130)),
    Column("created_at_us", BigInteger, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("principal_id", String(32), ForeignKey("principals.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
    Index("ix_audit_entries_actor", "actor"),
    Index("ix_audit_entries_action", "action"),
)

audit_seals = Table(
    "audit_seals",
    metadata,
    Column("first_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False, unique=True),
    Column("merkle_root", String(64), nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("signer_public_key", String(130), nullable=False),
    Column("signed_at_us", BigInteger, nullable=False),
    Column("signature", String(160), nullable=False),
)
