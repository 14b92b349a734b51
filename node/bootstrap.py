"""The composition root: the only place that chooses adapters and wires services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from node.adapters.asset_store import EncryptedParquetStore
from node.adapters.db.engine import make_engine
from node.adapters.db.uow import SqlUnitOfWork
from node.adapters.node_key import FileSigner
from node.asset_registry.extracts import ExtractService
from node.asset_registry.pii import PatternPiiDetector
from node.asset_registry.services import AssetService, ProductService
from node.audit.services import AuditLog
from node.config import Settings
from node.identity.services import IdentityService
from node.ports import Clock, Signer, SystemClock

AT_REST_LABEL = b"hnode/at-rest-kek/v1"


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    signer: Signer
    audit: AuditLog
    identity: IdentityService
    store: EncryptedParquetStore
    assets: AssetService
    products: ProductService
    extracts: ExtractService

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def trusted_audit_keys(self) -> set[str]:
        return {self.signer.public_key_hex}

    def close(self) -> None:
        self.engine.dispose()


def build_container(settings: Settings, **overrides: Any) -> Container:
    """Wire the node. ``overrides`` replace a component by name: ``clock=``, ``signer=``, ``engine=``,
    ``at_rest_kek=`` (a callable returning the 16-byte key that protects stored tables)."""
    engine: Engine = overrides.pop("engine", None) or make_engine(settings.database_url)
    clock: Clock = overrides.pop("clock", None) or SystemClock()
    node_key = FileSigner(settings.node_key_path, settings.key_passphrase)
    signer: Signer = overrides.pop("signer", None) or node_key
    kek: Callable[[], bytes] = overrides.pop("at_rest_kek", None) or (
        lambda: node_key.derive_key(AT_REST_LABEL)
    )
    if overrides:
        raise TypeError(f"unknown overrides: {', '.join(sorted(overrides))}")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    audit = AuditLog(uow, clock, lambda: signer, settings.audit_seal_batch)
    identity = IdentityService(uow, audit, clock, settings.token_ttl_hours)
    store = EncryptedParquetStore(settings.data_dir / "tables", kek)
    assets = AssetService(uow, audit, clock, store, PatternPiiDetector())
    products = ProductService(uow, audit, clock)
    extracts = ExtractService(uow, store, audit)
    return Container(settings, engine, clock, signer, audit, identity, store, assets, products, extracts)
