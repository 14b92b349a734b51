"""One-stop settlement: the claim queue and its settlements.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlement_claims",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("contract_id", sa.String(32), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("encounter_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("package", sa.JSON, nullable=False),
        sa.Column("usage_id", sa.String(32), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("pulled_at_us", sa.BigInteger),
        sa.Column("payable_fen", sa.BigInteger),
        sa.Column("patient_share_fen", sa.BigInteger),
        sa.Column("response", sa.JSON),
        sa.Column("response_signature", sa.String(160)),
        sa.Column("settled_at_us", sa.BigInteger),
    )
    op.create_index(
        "ux_settlement_claims_encounter",
        "settlement_claims",
        ["contract_id", "encounter_id", "version"],
        unique=True,
    )
    op.create_index("ix_settlement_claims_partner_status", "settlement_claims", ["partner_id", "status"])
    op.create_index("ix_settlement_claims_created", "settlement_claims", ["created_at_us"])


def downgrade() -> None:
    op.drop_index("ix_settlement_claims_created", table_name="settlement_claims")
    op.drop_index("ix_settlement_claims_partner_status", table_name="settlement_claims")
    op.drop_index("ux_settlement_claims_encounter", table_name="settlement_claims")
    op.drop_table("settlement_claims")
