"""Ports of the HE-query module: the HE library and where trained models live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from node.he_query.model import RiskModel
from node.he_query.params import Scheme


class LoadedContext(Protocol):
    digest: str
    scheme: Scheme


class HeBackend(Protocol):
    """Evaluates on ciphertexts under a partner's public context; never sees a secret key."""

    def load_context(self, blob: bytes, scheme: Scheme) -> Any:
        """Check and load a public context; raises on secret keys, other parameters, bad bytes."""
        ...

    def score(
        self,
        loaded: Any,
        features: Sequence[bytes],
        weights: Sequence[float],
        bias: float,
        poly: Sequence[float],
    ) -> bytes: ...

    def encrypt_counts(self, loaded: Any, values: Sequence[int]) -> bytes: ...

    def encrypt_sums(self, loaded: Any, values: Sequence[float]) -> bytes: ...

    def add(self, loaded: Any, parts: Sequence[bytes]) -> bytes: ...


class ModelStore(Protocol):
    def save(self, model: RiskModel) -> None: ...

    def load(self, product_id: str) -> RiskModel | None: ...
