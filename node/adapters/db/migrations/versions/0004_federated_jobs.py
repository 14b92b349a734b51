"""Federated training jobs, their rounds, and the model registry.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fl_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("rounds_done", sa.Integer, nullable=False),
        sa.Column("epsilon_spent", sa.Float, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("stop_reason", sa.String(500), nullable=False),
        sa.Column("model_id", sa.String(32)),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_fl_jobs_partner_id", "fl_jobs", ["partner_id"])
    op.create_table(
        "fl_rounds",
        sa.Column("job_id", sa.String(32), sa.ForeignKey("fl_jobs.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("refused", sa.JSON, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fl_models",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("fl_jobs.id"), nullable=False, unique=True),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("participants", sa.JSON, nullable=False),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("created_at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_fl_models_partner_id", "fl_models", ["partner_id"])


def downgrade() -> None:
    for table in ("fl_models", "fl_rounds", "fl_jobs"):
        op.drop_table(table)
