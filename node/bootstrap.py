"""The composition root: the only place that chooses adapters and wires services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from node.adapters.db.engine import make_engine
from node.adapters.db.uow import SqlUnitOfWork
from node.adapters.node_key import FileSigner
from node.audit.services import AuditLog
from node.config import Settings
from node.identity.services import IdentityService
from node.ports import Clock, Signer, SystemClock


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    signer: Signer
    audit: AuditLog
    identity: IdentityService

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def trusted_audit_keys(self) -> set[str]:
        return {self.signer.public_key_hex}

    def close(self) -> None:
        self.engine.dispose()


def build_container(settings: Settings, **overrides: Any) -> Container:
    """Wire the node. ``overrides`` replace a component by name (``clock=``, ``signer=``, ``engine=``)."""
    engine: Engine = overrides.pop("engine", None) or make_engine(settings.database_url)
    clock: Clock = overrides.pop("clock", None) or SystemClock()
    signer: Signer = overrides.pop("signer", None) or FileSigner(
        settings.node_key_path, settings.key_passphrase
    )
    if overrides:
        raise TypeError(f"unknown overrides: {', '.join(sorted(overrides))}")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    audit = AuditLog(uow, clock, lambda: signer, settings.audit_seal_batch)
    identity = IdentityService(uow, audit, clock, settings.token_ttl_hours)
    return Container(settings, engine, clock, signer, audit, identity)
