"""Asset versions with data-quality results, and the encrypted quarantine of rejected records.

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("quality", sa.JSON, nullable=False, server_default="{}"))
    op.create_table(
        "asset_versions",
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.String(32), nullable=False),
        sa.Column("source_digest", sa.String(64), nullable=False),
        sa.Column("storage_ref", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "quarantined_records",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("import_id", sa.String(32), nullable=False, index=True),
        sa.Column("connector", sa.String(16), nullable=False),
        sa.Column("source_uri", sa.String(500), nullable=False),
        sa.Column("location", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("payload", sa.LargeBinary),  # SM4-GCM envelope; erased when discarded
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at_us", sa.BigInteger),
        sa.Column("resolution", sa.String(500)),
    )


def downgrade() -> None:
    op.drop_table("quarantined_records")
    op.drop_table("asset_versions")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("quality")
        batch.drop_column("version")
