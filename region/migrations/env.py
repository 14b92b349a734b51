"""Alembic environment of the region: its own version table, on the URL ``region.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from region.migrate import VERSION_TABLE
from region.store import metadata

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by region.migrate"
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            version_table=VERSION_TABLE,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
