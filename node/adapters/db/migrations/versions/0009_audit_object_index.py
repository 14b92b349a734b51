"""Indexes for the console's lists: audit entries by the object they concern (the timeline of one
contract, asset or token on a long log) and contracts by request time (pages of thousands).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_object_id", "audit_entries", ["object_id"])
    op.create_index("ix_contracts_requested_at_us", "contracts", ["requested_at_us"])


def downgrade() -> None:
    op.drop_index("ix_contracts_requested_at_us", table_name="contracts")
    op.drop_index("ix_audit_entries_object_id", table_name="audit_entries")
