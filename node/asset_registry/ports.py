"""Ports of the asset registry: data sources, encrypted table storage, PII detection, repositories."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from node.asset_registry.model import Asset, Grade, Product, ProductStatus, SourceSystem
from node.audit.ports import AuditUnitOfWork


@dataclass(frozen=True)
class SourceInfo:
    connector: str
    uri: str  # with any credentials removed
    source_system: SourceSystem


class DataSource(Protocol):
    """Reads one source into normalized tables, streamed as (table name, batch) pairs.

    Errors name the file (and line or resource) and the reason, never the data. ``digest`` is the SM3
    of what was read, available once ``batches`` is exhausted.
    """

    info: SourceInfo

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]: ...

    @property
    def digest(self) -> str: ...


class TableWriter(Protocol):
    def write(self, batch: pd.DataFrame) -> None: ...

    def commit(self) -> str:
        """Make the table durable; return its storage reference."""
        ...

    def abort(self) -> None: ...


class AssetStore(Protocol):
    """Where imported tables live, encrypted at rest."""

    def writer(self) -> TableWriter: ...

    def read(self, ref: str, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The table's parts in order; only ``columns`` if given."""
        ...

    def delete(self, ref: str) -> None: ...


class PiiDetector(Protocol):
    def detect_column(self, name: str, sample: list[str]) -> list[str]:
        """Entity types found in a column, judged by its name and a sample of its values."""
        ...


class AssetRepository(Protocol):
    def add(self, asset: Asset) -> None: ...

    def get(self, asset_id: str) -> Asset | None: ...

    def all(self) -> list[Asset]: ...

    def confirm(self, asset_id: str, grade: Grade) -> None: ...


class ProductRepository(Protocol):
    def add(self, product: Product) -> None: ...

    def get(self, product_id: str) -> Product | None: ...

    def all(self) -> list[Product]: ...

    def set_status(self, product_id: str, status: ProductStatus) -> None: ...


class RegistryUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def assets(self) -> AssetRepository: ...

    @property
    def products(self) -> ProductRepository: ...
