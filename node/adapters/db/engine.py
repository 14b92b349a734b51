"""Engine creation for the two supported databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"isolation_level": None, "timeout": 30}, hide_parameters=True
        )
        _serialize_sqlite_writers(engine)
        return engine
    # hide_parameters: a database error's message never repeats the values (patient text) it was given
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800, hide_parameters=True)


def _serialize_sqlite_writers(engine: Engine) -> None:
    """Every SQLite transaction takes the write lock up front (BEGIN IMMEDIATE).

    pysqlite's own transaction handling would start transactions lazily and let two writers
    read the same audit head; taking the lock at BEGIN makes the chain head a real critical section.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
