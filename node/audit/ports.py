"""Storage port of the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from node.audit.model import AuditEntry, AuditSeal
from node.ports import UnitOfWork


class AuditRepository(Protocol):
    def lock_head(self) -> tuple[int, str]:
        """Lock the chain head until the transaction ends; return (last seq, last entry hash)."""
        ...

    def last_seq(self) -> int:
        """The chain's length, without locking."""
        ...

    def add(self, entries: list[AuditEntry]) -> None:
        """Insert entries that continue the locked head, and move the head to the last one."""
        ...

    def iter_entries(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditEntry]: ...

    def recent(
        self,
        limit: int,
        actor: str | None = None,
        action: str | None = None,
        before_seq: int | None = None,
        object_id: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first; ``before_seq`` pages back through older entries."""
        ...

    def last_sealed_seq(self) -> int: ...

    def add_seal(self, seal: AuditSeal) -> None: ...

    def iter_seals(self) -> Iterator[AuditSeal]: ...


class AuditUnitOfWork(UnitOfWork, Protocol):
    @property
    def audit(self) -> AuditRepository: ...
