"""Alembic migrations create exactly the tables the code uses, and can be rolled back."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from node.adapters.db.migrate import downgrade, upgrade
from node.adapters.db.tables import metadata


def test_migrated_schema_matches_the_table_definitions(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    downgrade(db_url, "base")
    engine = create_engine(db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(db_url)
    assert {"principals", "tokens", "audit_entries", "audit_seals", "audit_head"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()
