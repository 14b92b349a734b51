"""Unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from node.adapters.db.repositories import SqlAuditRepository, SqlPrincipalRepository, SqlTokenRepository


class SqlUnitOfWork:
    principals: SqlPrincipalRepository
    tokens: SqlTokenRepository
    audit: SqlAuditRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._conn.begin()
        self.principals = SqlPrincipalRepository(self._conn)
        self.tokens = SqlTokenRepository(self._conn)
        self.audit = SqlAuditRepository(self._conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None
        try:
            self.rollback()  # no-op after commit; discards everything otherwise
        finally:
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    def rollback(self) -> None:
        assert self._conn is not None
        if self._conn.in_transaction():
            self._conn.rollback()
