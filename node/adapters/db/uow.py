"""Unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from node.adapters.db.consent_repositories import SqlConsentRepository
from node.adapters.db.contract_repositories import (
    SqlAnchorRepository,
    SqlContractRepository,
    SqlOutboxRepository,
)
from node.adapters.db.dataspace_repositories import (
    SqlCallbackRepository,
    SqlNegotiationRepository,
    SqlTransferRepository,
)
from node.adapters.db.fl_repositories import SqlTrainingJobRepository
from node.adapters.db.registry_repositories import (
    SqlAssetRepository,
    SqlProductRepository,
    SqlQuarantineRepository,
)
from node.adapters.db.repositories import SqlAuditRepository, SqlPrincipalRepository, SqlTokenRepository
from node.adapters.db.settlement_repositories import SqlClaimRepository
from node.errors import DependencyUnavailable

_UNAVAILABLE = (OperationalError, ProgrammingError)


def _unavailable(exc: Exception) -> DependencyUnavailable:
    # the driver's message may quote SQL parameters: name the class only
    return DependencyUnavailable(
        f"database unavailable or not migrated ({type(exc.__cause__ or exc).__name__}); "
        "check NODE_DATABASE_URL and run `hnode migrate`",
        code="database_unavailable",
    )


class SqlUnitOfWork:
    principals: SqlPrincipalRepository
    tokens: SqlTokenRepository
    audit: SqlAuditRepository
    assets: SqlAssetRepository
    products: SqlProductRepository
    quarantine: SqlQuarantineRepository
    contracts: SqlContractRepository
    outbox: SqlOutboxRepository
    anchors: SqlAnchorRepository
    fl: SqlTrainingJobRepository
    negotiations: SqlNegotiationRepository
    transfers: SqlTransferRepository
    callbacks: SqlCallbackRepository
    consents: SqlConsentRepository
    claims: SqlClaimRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        try:
            self._conn = self._engine.connect()
            self._conn.begin()
        except _UNAVAILABLE as exc:
            raise _unavailable(exc) from None
        self.principals = SqlPrincipalRepository(self._conn)
        self.tokens = SqlTokenRepository(self._conn)
        self.audit = SqlAuditRepository(self._conn)
        self.assets = SqlAssetRepository(self._conn)
        self.products = SqlProductRepository(self._conn)
        self.quarantine = SqlQuarantineRepository(self._conn)
        self.contracts = SqlContractRepository(self._conn)
        self.outbox = SqlOutboxRepository(self._conn)
        self.anchors = SqlAnchorRepository(self._conn)
        self.fl = SqlTrainingJobRepository(self._conn)
        self.negotiations = SqlNegotiationRepository(self._conn)
        self.transfers = SqlTransferRepository(self._conn)
        self.callbacks = SqlCallbackRepository(self._conn)
        self.consents = SqlConsentRepository(self._conn)
        self.claims = SqlClaimRepository(self._conn)
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
        if isinstance(exc, _UNAVAILABLE):
            raise _unavailable(exc) from None

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    def rollback(self) -> None:
        assert self._conn is not None
        if self._conn.in_transaction():
            self._conn.rollback()
