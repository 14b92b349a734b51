"""The regional registry: nodes, catalog entries and pushes, partners, tokens, hash-chained audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_nodes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("hospital", sa.String(200), nullable=False),
        sa.Column("dsp_endpoint", sa.String(500), nullable=False),
        sa.Column("public_key", sa.String(130), nullable=False, unique=True),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("anchor_tx", sa.String(66), nullable=False),
        sa.Column("requested_at_us", sa.BigInteger, nullable=False),
        sa.Column("approved_at_us", sa.BigInteger),
        sa.Column("last_seen_us", sa.BigInteger, nullable=False),
        sa.Column("catalog_version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "region_entries",
        sa.Column("node", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("dataset_id", sa.String(300), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("access_mode", sa.String(32), nullable=False),
        sa.Column("scenarios", sa.JSON, nullable=False),
        sa.Column("update_frequency", sa.String(64), nullable=False),
        sa.Column("entry", sa.JSON, nullable=False),
    )
    op.create_index("ix_region_entries_node_version", "region_entries", ["node", "version"])
    op.create_table(
        "region_pushes",
        sa.Column("node", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("contracts_in_force", sa.Integer, nullable=False),
        sa.Column("pushed_at_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "region_partners",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("organization", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("public_key", sa.String(130), nullable=False, unique=True),
        sa.Column("registered_at_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "region_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )
    head = op.create_table(
        "region_audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])
    op.create_table(
        "region_audit",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "region_audit",
        "region_audit_head",
        "region_tokens",
        "region_partners",
        "region_pushes",
        "region_entries",
        "region_nodes",
    ):
        op.drop_table(table)
