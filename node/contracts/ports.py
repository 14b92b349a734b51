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
    idempotency_key: str | None = None  # unique per contract: a retry of the use finds this record


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

    def usage_page(
        self, access_mode: str, principal_id: str | None, offset: int, limit: int
    ) -> tuple[list[UsageRecord], int]:
        """A page of the uses of contracts with ``access_mode`` (of one partner if given), newest first,
        and how many there are in all."""
        ...

    def usage_by_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], UsageRecord]:
        """The records of these (contract id, idempotency key) pairs that exist, by pair."""
        ...

    def remove_usage(self, usage_id: str) -> None: ...


class ContractsUnitOfWork(RegistryUnitOfWork, IdentityUnitOfWork, AnchoringUnitOfWork, Protocol):
    @property
    def contracts(self) -> ContractRepository: ...
