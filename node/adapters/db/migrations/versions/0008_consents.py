"""Patient consents (患者授权) per partner, purpose and period.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("valid_from_us", sa.BigInteger, nullable=False),
        sa.Column("valid_to_us", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("evidence", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at_us", sa.BigInteger, nullable=False),
        sa.Column("withdrawn_at_us", sa.BigInteger),
        sa.Column("withdrawn_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_consents_partner_purpose", "consents", ["partner_id", "purpose"])
    op.create_index("ix_consents_patient_id", "consents", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_consents_patient_id", table_name="consents")
    op.drop_index("ix_consents_partner_purpose", table_name="consents")
    op.drop_table("consents")
