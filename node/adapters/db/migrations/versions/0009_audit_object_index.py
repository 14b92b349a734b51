"""Index audit entries by the object they concern: the console's timeline of one contract, asset or
token stays fast on a long log.

Revision ID: 0009
Revises: 0004
"""

from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_object_id", "audit_entries", ["object_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_object_id", table_name="audit_entries")
