"""The composition root: the only place that chooses adapters and wires services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from node.adapters.asset_store import EncryptedParquetStore
from node.adapters.chain import ChainConnector
from node.adapters.db.engine import make_engine
from node.adapters.db.uow import SqlUnitOfWork
from node.adapters.file_store import FileStore
from node.adapters.he_models import JsonModelStore
from node.adapters.node_key import FileSigner
from node.adapters.policy.bundle import PolicyBundle
from node.adapters.policy.opa_engine import OpaServerEngine
from node.adapters.policy.regopy_engine import RegopyEngine
from node.asset_registry.extracts import ExtractService
from node.asset_registry.pii import PatternPiiDetector
from node.asset_registry.services import AssetService, ProductService
from node.audit.services import AuditLog
from node.config import Settings
from node.consent.services import ConsentService
from node.contracts.anchoring import AnchorService
from node.contracts.enforcement import UsageService
from node.contracts.extracts import ContractExtracts
from node.contracts.monitor import ContractMonitor
from node.contracts.services import ContractService
from node.contracts.verification import ContractVerifier
from node.federated.gate import RoundGate
from node.federated.services import FlJobService
from node.he_query.ports import HeBackend
from node.he_query.services import HeService
from node.identity.services import IdentityService
from node.ports import ChainAnchor, Clock, PolicyEngine, Signer, SystemClock
from node.psi.services import PsiService
from node.queries.services import QueryService

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
    policy: PolicyEngine
    chain: Callable[[], ChainAnchor]
    contracts: ContractService
    usage: UsageService
    monitor: ContractMonitor
    anchoring: AnchorService
    contract_extracts: ContractExtracts
    verifier: ContractVerifier
    he: HeService
    round_gate: RoundGate
    fl_jobs: FlJobService
    consents: ConsentService
    psi: PsiService
    queries: QueryService

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def trusted_audit_keys(self) -> set[str]:
        return {self.signer.public_key_hex}

    def close(self) -> None:
        close_chain = getattr(self.chain, "close", None)
        if close_chain is not None:
            close_chain()
        self.engine.dispose()


def build_container(settings: Settings, **overrides: Any) -> Container:
    """Wire the node. ``overrides`` replace a component by name: ``clock=``, ``signer=``, ``engine=``,
    ``at_rest_kek=`` (a callable returning the 16-byte key that protects stored tables), ``policy=`` (a
    PolicyEngine), ``chain=`` (a callable returning the ChainAnchor)."""
    engine: Engine = overrides.pop("engine", None) or make_engine(settings.database_url)
    clock: Clock = overrides.pop("clock", None) or SystemClock()
    node_key = FileSigner(settings.node_key_path, settings.key_passphrase)
    signer: Signer = overrides.pop("signer", None) or node_key
    kek: Callable[[], bytes] = overrides.pop("at_rest_kek", None) or (
        lambda: node_key.derive_key(AT_REST_LABEL)
    )
    policy: PolicyEngine = overrides.pop("policy", None) or (
        OpaServerEngine(settings.opa_url) if settings.opa_url else RegopyEngine(PolicyBundle.load())
    )
    chain: Callable[[], ChainAnchor] = overrides.pop("chain", None) or ChainConnector(
        settings, lambda label, length: node_key.derive_key(label, length)
    )
    he_backend: Callable[[], HeBackend] = overrides.pop("he_backend", None) or _lazy_tenseal()
    if overrides:
        raise TypeError(f"unknown overrides: {', '.join(sorted(overrides))}")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    audit = AuditLog(uow, clock, lambda: signer, settings.audit_seal_batch)
    identity = IdentityService(uow, audit, clock, settings.token_ttl_hours, settings.token_cache_seconds)
    store = EncryptedParquetStore(settings.data_dir / "tables", kek)
    assets = AssetService(uow, audit, clock, store, PatternPiiDetector())
    products = ProductService(uow, audit, clock, policy)
    extracts = ExtractService(uow, store, audit)
    monitor = ContractMonitor(uow, audit, clock)
    contracts = ContractService(uow, audit, clock, policy, signer, settings.name, on_ended=monitor.notify)
    usage = UsageService(uow, audit, clock, policy, on_contract_ended=monitor.notify)
    anchoring = AnchorService(uow, audit, clock, chain)
    fl_jobs = FlJobService(
        uow, audit, clock, contracts, FileStore(settings.data_dir / "fl_models"), settings.name
    )
    monitor.subscribe(fl_jobs.on_contract_ended)
    consents = ConsentService(uow, audit, clock, identity.resolve)
    return Container(
        settings,
        engine,
        clock,
        signer,
        audit,
        identity,
        store,
        assets,
        products,
        extracts,
        policy,
        chain,
        contracts,
        usage,
        monitor,
        anchoring,
        ContractExtracts(contracts, usage, extracts),
        ContractVerifier(uow, chain, lambda: {signer.public_key_hex}),
        HeService(
            uow,
            store,
            contracts,
            usage,
            audit,
            he_backend,
            JsonModelStore(settings.data_dir / "he_models"),
            settings.name,
        ),
        RoundGate(uow, usage),
        fl_jobs,
        consents,
        PsiService(uow, store, contracts, usage, consents, audit),
        QueryService(uow, store, contracts, usage, audit),
    )


def _lazy_tenseal() -> Callable[[], HeBackend]:
    """TenSEAL is loaded on the first HE query, not by every command."""
    made: list[HeBackend] = []

    def get() -> HeBackend:
        if not made:
            from node.he_query.tenseal_backend import TenSealBackend

            made.append(TenSealBackend())
        return made[0]

    return get
