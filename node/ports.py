"""Cross-cutting interfaces the domain depends on; adapters implement them."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Protocol, Self


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
