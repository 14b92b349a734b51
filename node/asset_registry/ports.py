"""Ports of the asset registry: data sources, encrypted table storage, PII detection, repositories."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from node.asset_registry.model import (
    Asset,
    AssetVersion,
    Grade,
    Product,
    ProductStatus,
    QuarantinedRecord,
    QuarantineStatus,
    SourceSystem,
)
from node.audit.ports import AuditUnitOfWork


@dataclass(frozen=True)
class SourceInfo:
    connector: str
    uri: str  # with any credentials removed
    source_system: SourceSystem


class ProductGrant(Protocol):
    """A decided use of a product: the only way work learns which product and assets to read.

    Partners' uses get one from the enforcement point (``contracts.enforcement.UsageGrant``: the
    contract's product and the assets signed into it); an officer's own preview gets one from
    ``ExtractService.preview``. Never built from ids in a request."""

    @property
    def product_id(self) -> str: ...

    @property
    def asset_ids(self) -> tuple[str, ...]: ...

    @property
    def principal_id(self) -> str: ...

    @property
    def min_k(self) -> int: ...


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

    def seal_record(self, record_id: str, data: bytes) -> bytes:
        """One quarantined record encrypted at rest, bound to its id."""
        ...

    def open_record(self, record_id: str, blob: bytes) -> bytes: ...


class PiiDetector(Protocol):
    def detect_column(self, name: str, sample: list[str]) -> list[str]:
        """Entity types found in a column, judged by its name and a sample of its values."""
        ...


@dataclass(frozen=True)
class AssetFilter:
    """Which assets a listing shows: ``text`` is contained (case-insensitive) in the name, table,
    department, a scenario or a column name; the rest match exactly."""

    text: str = ""
    level: int | None = None
    category: str | None = None
    source_system: str | None = None


@dataclass(frozen=True)
class ImportRecord:
    """One import as listed: the assets it registered or versioned and the rows it brought."""

    import_id: str
    at_us: int
    rows: int
    assets: list[Asset]


def search_text(asset: Asset) -> str:
    """What ``AssetFilter.text`` is matched against, lower-cased."""
    columns = (c.name for c in asset.columns)
    return " ".join([asset.name, asset.table, asset.owner_department, *asset.scenarios, *columns]).lower()


class AssetRepository(Protocol):
    def add(self, asset: Asset) -> None: ...

    def get(self, asset_id: str) -> Asset | None: ...

    def all(self) -> list[Asset]: ...

    def find(self, where: AssetFilter, offset: int = 0, limit: int | None = None) -> list[Asset]:
        """The assets matching ``where`` in registration order, from ``offset``, at most ``limit``."""
        ...

    def count(self, where: AssetFilter) -> int: ...

    def imports(self, offset: int, limit: int) -> tuple[list[ImportRecord], int]:
        """A page of imports, newest first, and how many there are in all."""
        ...

    def confirm(self, asset_id: str, grade: Grade) -> None: ...

    def current(self, connector: str, source_uri: str, table: str) -> Asset | None:
        """The asset an earlier import of the same source and table registered."""
        ...

    def add_version(self, asset: Asset) -> None:
        """Make ``asset`` (same id, next version) the asset's current version; earlier ones stay listed."""
        ...

    def versions(self, asset_id: str) -> list[AssetVersion]: ...


class QuarantineRepository(Protocol):
    def add(self, record: QuarantinedRecord) -> None: ...

    def get(self, record_id: str) -> QuarantinedRecord | None: ...

    def list(
        self, status: QuarantineStatus | None = None, import_id: str | None = None
    ) -> list[QuarantinedRecord]: ...

    def resolve(self, record_id: str, status: QuarantineStatus, by: str, at_us: int, resolution: str) -> None:
        """Mark a held record fixed or discarded; its payload is erased."""
        ...


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

    @property
    def quarantine(self) -> QuarantineRepository: ...
