"""The region's Alembic migrations, run programmatically (``hnode region migrate``, opening the region).

They are the region's alone: script location ``region/migrations`` and version table
``region_alembic_version``, so a region and a node may even share one PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

VERSION_TABLE = "region_alembic_version"
_HERE = Path(__file__).parent


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(_config(url), revision)
