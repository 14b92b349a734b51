"""One-time join invitations issued by the region's operator for an institution code.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("institution_code", sa.String(64), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("expires_at_us", sa.BigInteger, nullable=False),
        sa.Column("used_at_us", sa.BigInteger),
    )


def downgrade() -> None:
    op.drop_table("region_invitations")
