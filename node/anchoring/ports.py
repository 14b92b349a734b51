"""Storage ports of anchoring: the outbox of digests waiting for the chain, the anchors the chain
returned, and the Merkle batches of audit entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from node.audit.ports import AuditUnitOfWork
from node.ports import AnchorReceipt


@dataclass(frozen=True)
class OutboxItem:
    """A digest to anchor after the transaction that produced it has committed."""

    id: str
    kind: str  # "contract", "audit_batch", "model"
    ref: str
    digest: str
    created_at_us: int
    attempts: int = 0
    next_attempt_us: int = 0
    delivered_at_us: int | None = None
    last_error: str = ""


@dataclass(frozen=True)
class AuditBatch:
    first_seq: int
    last_seq: int
    merkle_root: str
    created_at_us: int


class OutboxRepository(Protocol):
    def add(self, item: OutboxItem) -> None: ...

    def due(self, now_us: int, limit: int) -> list[OutboxItem]:
        """Undelivered items whose next attempt is due, locked against other workers."""
        ...

    def delivered(self, item_id: str, now_us: int) -> None: ...

    def failed(self, item_id: str, error: str, next_attempt_us: int) -> None: ...

    def pending(self) -> list[OutboxItem]: ...


class AnchorRepository(Protocol):
    def add(self, receipt: AnchorReceipt) -> None: ...

    def get(self, digest: str) -> AnchorReceipt | None: ...

    def by_ref(self, ref: str) -> list[AnchorReceipt]: ...

    def add_batch(self, batch: AuditBatch) -> None: ...

    def last_batch(self) -> AuditBatch | None: ...

    def batch_containing(self, seq: int) -> AuditBatch | None: ...


class AnchoringUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def anchors(self) -> AnchorRepository: ...
