"""Dataspace Protocol 2025-1: negotiations, transfer processes and callbacks to consumers.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsp_negotiations",
        sa.Column("provider_pid", sa.String(64), primary_key=True),
        sa.Column("consumer_pid", sa.String(512), nullable=False),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("contract_id", sa.String(32), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("callback_address", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_dsp_negotiations_contract_id", "dsp_negotiations", ["contract_id"])
    op.create_index("ix_dsp_negotiations_state", "dsp_negotiations", ["state"])
    op.create_index(
        "ux_dsp_negotiations_consumer", "dsp_negotiations", ["partner_id", "consumer_pid"], unique=True
    )
    op.create_table(
        "dsp_transfers",
        sa.Column("provider_pid", sa.String(64), primary_key=True),
        sa.Column("consumer_pid", sa.String(512), nullable=False),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("contract_id", sa.String(32), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("callback_address", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_expires_at_us", sa.BigInteger, nullable=False),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_dsp_transfers_contract_id", "dsp_transfers", ["contract_id"])
    op.create_index("ix_dsp_transfers_state", "dsp_transfers", ["state"])
    op.create_index("ux_dsp_transfers_consumer", "dsp_transfers", ["partner_id", "consumer_pid"], unique=True)
    op.create_table(
        "dsp_callbacks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("process", sa.String(64), nullable=False),
        sa.Column("url", sa.String(700), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_us", sa.BigInteger, nullable=False),
        sa.Column("delivered_at_us", sa.BigInteger),
        sa.Column("last_error", sa.String(300), nullable=False),
    )
    op.create_index("ix_dsp_callbacks_process", "dsp_callbacks", ["process"])
    op.create_index("ix_dsp_callbacks_pending", "dsp_callbacks", ["delivered_at_us", "next_attempt_us"])


def downgrade() -> None:
    for table in ("dsp_callbacks", "dsp_transfers", "dsp_negotiations"):
        op.drop_table(table)
