"""Storage ports of the contracts module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from node.anchoring.ports import AnchoringUnitOfWork
from node.anchoring.ports import AuditBatch as AuditBatch  # re-exported: contracts' users know them here
from node.anchoring.ports import OutboxItem as OutboxItem
from node.asset_registry.ports import RegistryUnitOfWork
from node.contracts.model import Contract, State
from node.identity.ports import IdentityUnitOfWork


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

    def due_to_expire(self, now_us: int) -> list[str]:
        """Ids of contracts not yet final whose validity ended before ``now_us``."""
        ...

    def add_usages(self, records: Sequence[UsageRecord]) -> None: ...

    def usage(self, contract_id: str) -> list[UsageRecord]: ...

    def remove_usage(self, usage_id: str) -> None: ...


class ContractsUnitOfWork(RegistryUnitOfWork, IdentityUnitOfWork, AnchoringUnitOfWork, Protocol):
    @property
    def contracts(self) -> ContractRepository: ...
