"""Usage contracts, metering, the anchoring outbox, chain anchors, audit batches.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("product_id", sa.String(32), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("node_id", sa.String(64), nullable=False),
        sa.Column("node_public_key", sa.String(130), nullable=False),
        sa.Column("asset_ids", sa.JSON, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("uses", sa.BigInteger, nullable=False),
        sa.Column("epsilon_spent", sa.Float, nullable=False),
        sa.Column("needs_ethics", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("approvals", sa.JSON, nullable=False),
        sa.Column("partner_signature", sa.JSON),
        sa.Column("node_signature", sa.JSON),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("requested_at_us", sa.BigInteger, nullable=False),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_contracts_product_id", "contracts", ["product_id"])
    op.create_index("ix_contracts_partner_id", "contracts", ["partner_id"])
    op.create_index("ix_contracts_state", "contracts", ["state"])
    op.create_table(
        "usage_records",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("contract_id", sa.String(32), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("principal_id", sa.String(32), nullable=False),
        sa.Column("access_mode", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("cohort_size", sa.BigInteger),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_usage_records_contract_id", "usage_records", ["contract_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_us", sa.BigInteger, nullable=False),
        sa.Column("delivered_at_us", sa.BigInteger),
        sa.Column("last_error", sa.String(300), nullable=False),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at_us", "next_attempt_us"])
    op.create_table(
        "anchors",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("block_time", sa.BigInteger, nullable=False),
        sa.Column("contract_address", sa.String(42), nullable=False),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("submitter", sa.String(42), nullable=False),
    )
    op.create_index("ix_anchors_ref", "anchors", ["ref"])
    op.create_table(
        "audit_batches",
        sa.Column("first_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("merkle_root", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_batches", "anchors", "outbox", "usage_records", "contracts"):
        op.drop_table(table)
