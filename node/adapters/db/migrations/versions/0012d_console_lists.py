"""The console's lists paged in the database: the catalog's text search as a column (name, table,
department, scenarios and column names, lower-cased), and indexes for the assets page, the imports
page (asset versions by import) and the HE queries page (uses by access mode and time).

Revision ID: 0012d
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012d"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assets", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    assets = sa.table(
        "assets",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("table_name", sa.String),
        sa.column("owner_department", sa.String),
        sa.column("scenarios", sa.JSON),
        sa.column("columns", sa.JSON),
        sa.column("search_text", sa.Text),
    )
    bind = op.get_bind()
    for r in bind.execute(sa.select(assets)).all():
        parts = [r.name, r.table_name, r.owner_department, *r.scenarios, *(c["name"] for c in r.columns)]
        bind.execute(sa.update(assets).where(assets.c.id == r.id).values(search_text=" ".join(parts).lower()))
    op.create_index("ix_assets_created_at_us", "assets", ["created_at_us"])
    op.create_index("ix_asset_versions_import_id", "asset_versions", ["import_id"])
    op.create_index("ix_usage_records_mode_at", "usage_records", ["access_mode", "at_us"])


def downgrade() -> None:
    op.drop_index("ix_usage_records_mode_at", table_name="usage_records")
    op.drop_index("ix_asset_versions_import_id", table_name="asset_versions")
    op.drop_index("ix_assets_created_at_us", table_name="assets")
    op.drop_column("assets", "search_text")
