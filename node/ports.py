"""Cross-cutting interfaces the domain depends on; adapters implement them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self


class Clock(Protocol):
    def now_us(self) -> int:
        """Microseconds since the Unix epoch (UTC)."""
        ...


class SystemClock:
    def now_us(self) -> int:
        return time.time_ns() // 1000


class Signer(Protocol):
    """Signs with the node's SM2 identity; the private key never leaves the implementation."""

    @property
    def public_key_hex(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class UnitOfWork(Protocol):
    """One database transaction. Nothing is written unless ``commit`` is called inside the block."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@dataclass(frozen=True)
class AnchorReceipt:
    """Where a digest sits on the chain."""

    digest: str  # 64 hex chars
    kind: str
    ref: str
    tx_hash: str
    block_number: int
    block_time: int  # seconds since the epoch, from the block
    contract_address: str
    chain_id: int
    submitter: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class ChainAnchor(Protocol):
    """Writes digests to, and finds them on, the anchor registry of an EVM chain.

    Failures to reach the chain, or answers that make no sense, raise ``DependencyUnavailable``.
    """

    @property
    def chain_id(self) -> int: ...

    @property
    def contract_address(self) -> str: ...

    def anchor(self, digest: str, kind: str, ref: str) -> AnchorReceipt:
        """Anchor ``digest``; if it is already anchored, return the existing anchor."""
        ...

    def find(self, digest: str) -> AnchorReceipt | None: ...


@dataclass(frozen=True)
class Decision:
    """A policy decision. ``allow`` is False unless the policy said yes in so many words."""

    allow: bool
    reasons: list[str] = field(default_factory=list)
    obligations: dict[str, Any] = field(default_factory=dict)


class PolicyEngine(Protocol):
    """Evaluates the node's Rego policies. No answer, an error or an undefined result is a denial."""

    name: str

    def decide(self, scope: str, document: dict[str, Any]) -> Decision: ...
