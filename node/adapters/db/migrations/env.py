"""Alembic environment: migrations run on the connection or URL that ``migrate.upgrade`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from node.adapters.db.tables import metadata

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by node.adapters.db.migrate"
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
