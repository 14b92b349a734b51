"""Asset registry: imports, assets, data products.

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
        "assets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("table_name", sa.String(100), nullable=False),
        sa.Column("connector", sa.String(16), nullable=False),
        sa.Column("source_uri", sa.String(500), nullable=False),
        sa.Column("source_system", sa.String(16), nullable=False),
        sa.Column("owner_department", sa.String(100), nullable=False),
        sa.Column("update_frequency", sa.String(32), nullable=False),
        sa.Column("scenarios", sa.JSON, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("suggested", sa.JSON, nullable=False),
        sa.Column("confirmed", sa.JSON),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("import_id", sa.String(32), nullable=False),
        sa.Column("source_digest", sa.String(64), nullable=False),
        sa.Column("storage_ref", sa.String(64), nullable=False),
        sa.Column("derived_from", sa.JSON, nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_assets_import_id", "assets", ["import_id"])
    op.create_table(
        "products",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("asset_ids", sa.JSON, nullable=False),
        sa.Column("access_mode", sa.String(32), nullable=False),
        sa.Column("policy_template", sa.JSON, nullable=False),
        sa.Column("visible_to", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("products")
    op.drop_index("ix_assets_import_id", "assets")
    op.drop_table("assets")
