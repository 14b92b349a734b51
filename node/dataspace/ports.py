"""Storage and delivery ports of the Dataspace Protocol provider side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from node.contracts.ports import ContractsUnitOfWork
from node.dataspace.model import Negotiation, Transfer


@dataclass(frozen=True)
class Callback:
    """A protocol message to POST to a consumer's callback address once its transaction committed."""

    id: str
    process: str  # the providerPid it belongs to
    url: str
    body: dict[str, Any]
    created_at_us: int
    attempts: int = 0
    next_attempt_us: int = 0
    delivered_at_us: int | None = None
    last_error: str = ""


class NegotiationRepository(Protocol):
    def add(self, negotiation: Negotiation) -> None: ...

    def get(self, provider_pid: str, for_update: bool = False) -> Negotiation | None: ...

    def by_consumer(self, partner_id: str, consumer_pid: str) -> Negotiation | None: ...

    def by_contract(self, contract_id: str) -> Negotiation | None: ...

    def save(self, negotiation: Negotiation) -> None: ...

    def open_ids(self) -> list[str]:
        """providerPids of negotiations not yet FINALIZED or TERMINATED."""
        ...


class TransferRepository(Protocol):
    def add(self, transfer: Transfer) -> None: ...

    def get(self, provider_pid: str, for_update: bool = False) -> Transfer | None: ...

    def by_consumer(self, partner_id: str, consumer_pid: str) -> Transfer | None: ...

    def save(self, transfer: Transfer) -> None: ...

    def requested_ids(self) -> list[str]: ...


class CallbackRepository(Protocol):
    def add(self, callback: Callback) -> None: ...

    def due(self, now_us: int, limit: int) -> list[Callback]: ...

    def delivered(self, callback_id: str, now_us: int, body: dict[str, Any] | None = None) -> None:
        """Mark delivered; ``body`` replaces the stored message (a start message forgets its token)."""
        ...

    def failed(self, callback_id: str, error: str, next_attempt_us: int) -> None: ...

    def for_process(self, process: str) -> list[Callback]: ...


class DataspaceUnitOfWork(ContractsUnitOfWork, Protocol):
    @property
    def negotiations(self) -> NegotiationRepository: ...

    @property
    def transfers(self) -> TransferRepository: ...

    @property
    def callbacks(self) -> CallbackRepository: ...


class CallbackSender(Protocol):
    """POSTs a protocol message to a consumer; returns the HTTP status (raises on no answer)."""

    def post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> int: ...
