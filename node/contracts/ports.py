"""Storage ports of the contracts module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from node.asset_registry.ports import RegistryUnitOfWork
from node.contracts.model import Contract, State
from node.identity.ports import IdentityUnitOfWork
from node.ports import AnchorReceipt


@dataclass(frozen=True)
class UsageRecord:
    id: str
    contract_id: str
    principal_id: str
    access_mode: str
    purpose: str
    epsilon: float
    cohort_size: int | None
    ref: str
    at_us: int
    idempotency_key: str | None = None  # unique per contract: a retry of the use finds this record


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


@dataclass(frozen=True)
class ContractFilter:
    """Which contracts a listing shows. ``text`` matches the id; ``partner_ids`` and ``product_ids``
    (resolved from names by the caller) match alternatively."""

    partner_id: str | None = None  # a partner sees only its own
    states: frozenset[State] = frozenset()
    text: str = ""
    partner_ids: frozenset[str] = frozenset()
    product_ids: frozenset[str] = frozenset()
    newest_first: bool = True


class ContractRepository(Protocol):
    def add(self, contract: Contract) -> None: ...

    def get(self, contract_id: str, for_update: bool = False) -> Contract | None:
        """``for_update`` locks the row until the transaction ends."""
        ...

    def lock_many(self, contract_ids: Sequence[str]) -> dict[str, Contract]:
        """The existing ones of ``contract_ids``, each row locked until the transaction ends."""
        ...

    def save(self, contract: Contract) -> None: ...

    def save_metering(self, contracts: Sequence[Contract]) -> None:
        """Write only what uses change (uses, budget, state): the hot path of enforcement."""
        ...

    def query(self, partner_id: str | None = None, states: set[State] | None = None) -> list[Contract]: ...

    def page(self, where: ContractFilter, offset: int, limit: int) -> tuple[list[Contract], int]:
        """One page of the contracts matching ``where``, by request time, and how many match in all."""
        ...

    def due_to_expire(self, now_us: int) -> list[str]:
        """Ids of contracts not yet final whose validity ended before ``now_us``."""
        ...

    def add_usages(self, records: Sequence[UsageRecord]) -> None: ...

    def usage(self, contract_id: str) -> list[UsageRecord]: ...

    def usage_by_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], UsageRecord]:
        """The records of these (contract id, idempotency key) pairs that exist, by pair."""
        ...

    def remove_usage(self, usage_id: str) -> None: ...


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


class ContractsUnitOfWork(RegistryUnitOfWork, IdentityUnitOfWork, Protocol):
    @property
    def contracts(self) -> ContractRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def anchors(self) -> AnchorRepository: ...
