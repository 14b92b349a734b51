"""Idempotent metering: a use's idempotency key is unique per contract (a retried FL round, a claim
version), so a retry finds the first record instead of charging again.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("usage_records", sa.Column("idempotency_key", sa.String(160)))
    op.create_index(
        "uq_usage_records_contract_key", "usage_records", ["contract_id", "idempotency_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_usage_records_contract_key", table_name="usage_records")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("idempotency_key")
