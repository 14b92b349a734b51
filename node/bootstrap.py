"""The composition root: the only place that chooses adapters and wires services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from connectors.registry import reopen_record
from node.adapters.asset_store import EncryptedParquetStore
from node.adapters.chain import ChainConnector
from node.adapters.db.engine import make_engine
from node.adapters.db.uow import SqlUnitOfWork
from node.adapters.dsp_callbacks import HttpCallbackSender
from node.adapters.file_store import FileStore
from node.adapters.he_models import JsonModelStore
from node.adapters.node_key import FileSigner
from node.adapters.policy.bundle import PolicyBundle
from node.adapters.policy.opa_engine import OpaServerEngine
from node.adapters.policy.regopy_engine import RegopyEngine
from node.anchoring.services import AnchorService
from node.asset_registry.extracts import ExtractService
from node.asset_registry.pii import PatternPiiDetector
from node.asset_registry.quarantine import QuarantineService
from node.asset_registry.services import AssetService, ProductService
from node.audit.services import AuditLog
from node.config import Settings
from node.consent.services import ConsentService
from node.contracts.activation import activate_when_anchored
from node.contracts.enforcement import UsageService
from node.contracts.extracts import ContractExtracts
from node.contracts.monitor import ContractMonitor
from node.contracts.services import ContractService
from node.contracts.verification import ContractVerifier
from node.dataspace.ports import CallbackSender
from node.dataspace.registration import RegionRegistration
from node.dataspace.services import DataspaceService
from node.federated.coordinator import FlCoordinatorService
from node.federated.gate import RoundGate
from node.federated.services import FlJobService
from node.he_query.ports import HeBackend
from node.he_query.services import HeService
from node.identity.services import IdentityService
from node.ports import ChainAnchor, Clock, PolicyEngine, Signer, SystemClock
from node.psi.services import PsiService
from node.queries.services import QueryService
from node.research.services import ResearchService
from node.settlement.services import SettlementService

AT_REST_LABEL = b"hnode/at-rest-kek/v1"
RESEARCH_LABEL = b"hnode/research-dataset/v1:"  # + dataset id: one pseudonym key per dataset


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
    anchoring: AnchorService[SqlUnitOfWork]
    contract_extracts: ContractExtracts
    verifier: ContractVerifier
    he: HeService
    round_gate: RoundGate
    fl_jobs: FlJobService  # partners and officers
    fl_coordinator: FlCoordinatorService  # the runtimes' callbacks
    quarantine: QuarantineService
    dataspace: DataspaceService
    dsp_sender: CallbackSender
    region: RegionRegistration
    research: ResearchService
    consents: ConsentService
    psi: PsiService
    queries: QueryService
    settlement: SettlementService

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
    PolicyEngine), ``chain=`` (a callable returning the ChainAnchor), ``dsp_sender=`` (delivers Dataspace
    Protocol callbacks)."""
    engine: Engine = overrides.pop("engine", None) or make_engine(settings.connect_url)
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
    dsp_sender: CallbackSender = overrides.pop("dsp_sender", None) or HttpCallbackSender()
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
    anchoring = AnchorService(uow, audit, clock, chain, {"contract": activate_when_anchored(audit, clock)})
    model_files = FileStore(settings.data_dir / "fl_models")
    fl_coordinator = FlCoordinatorService(uow, audit, clock, model_files)
    fl_jobs = FlJobService(uow, audit, clock, usage, fl_coordinator, model_files, settings.name)
    monitor.subscribe(fl_jobs.on_contract_ended)
    contract_extracts = ContractExtracts(usage, extracts)
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
        contract_extracts,
        ContractVerifier(uow, chain, lambda: {signer.public_key_hex}),
        HeService(
            uow,
            store,
            usage,
            audit,
            he_backend,
            JsonModelStore(settings.data_dir / "he_models"),
            settings.name,
        ),
        RoundGate(usage),
        fl_jobs,
        fl_coordinator,
        QuarantineService(uow, audit, clock, store, assets, reopen_record),
        DataspaceService(uow, audit, clock, contracts, products, contract_extracts, signer, settings.name),
        dsp_sender,
        RegionRegistration(uow, clock, signer, settings.name, settings.display_name),
        ResearchService(
            uow,
            store,
            contracts,
            usage,
            lambda dataset_id: node_key.derive_key(RESEARCH_LABEL + dataset_id.encode(), 32),
        ),
        consents,
        PsiService(uow, store, contracts, usage, consents, audit),
        QueryService(uow, store, contracts, usage, audit),
        SettlementService(
            uow, store, contracts, usage, consents, audit, clock, signer, settings.display_name
        ),
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
