"""Encrypted queries under contract: sessions (partners' public contexts), model training, encrypted
risk scoring and encrypted aggregate contributions. Every query is one metered ``he_query`` use."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from node.asset_registry.clinical import CohortCode, clinical_tables
from node.asset_registry.model import AccessMode, Asset, Product
from node.asset_registry.ports import AssetStore
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.contracts.enforcement import UsageGrant, UsageRequest, UsageService
from node.contracts.ports import ContractsUnitOfWork
from node.errors import InvalidInput, NotFound, PolicyDenied
from node.he_query.aggregates import COUNT_NAMES, SUM_NAMES, add_noise, cohort_statistics
from node.he_query.jobs import Job, JobRunner
from node.he_query.model import RiskModel, train_risk_model
from node.he_query.params import MAX_FEATURE_CIPHERTEXTS, MAX_JOB_BATCHES, MAX_SESSIONS, SESSION_TTL_S, Scheme
from node.he_query.ports import HeBackend, ModelStore
from node.identity.model import Principal


@dataclass(frozen=True)
class AggregateContribution:
    counts: bytes  # BFV, under the requester's key
    sums: bytes  # CKKS, under the requester's key
    count_names: list[str]
    sum_names: list[str]
    noise: dict[str, Any]
    hospital: str


class HeService:
    def __init__(
        self,
        uow_factory: Callable[[], ContractsUnitOfWork],
        store: AssetStore,
        usage: UsageService,
        audit: AuditLog,
        backend: Callable[[], HeBackend],
        models: ModelStore,
        node_id: str,
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._usage = usage
        self._audit = audit
        self._backend = backend
        self._models = models
        self._node_id = node_id
        self._sessions: OrderedDict[str, tuple[float, Any, str]] = OrderedDict()  # digest -> (at, ctx, owner)
        self._lock = threading.Lock()
        self._jobs = JobRunner()

    # -- sessions --------------------------------------------------------------------------------
    def open_session(self, principal: Principal, scheme: str, context: bytes) -> dict[str, Any]:
        """Register a partner's public context once; later calls name it by its SM3 digest."""
        try:
            kind = Scheme(scheme)
        except ValueError:
            raise InvalidInput(
                f"scheme must be one of {', '.join(s.value for s in Scheme)}", code="he_scheme_unknown"
            ) from None
        try:
            loaded = self._backend().load_context(context, kind)
        except (InvalidInput, PolicyDenied) as exc:
            self._audit.record_now(
                AuditEvent(principal.id, "he.session", "he_session", scheme, _denied(exc), {"code": exc.code})
            )
            exc.audited = True
            raise
        with self._lock:
            self._sessions[loaded.digest] = (time.monotonic(), loaded, principal.id)
            self._sessions.move_to_end(loaded.digest)
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        self._audit.record_now(
            AuditEvent(
                principal.id, "he.session", "he_session", loaded.digest, details={"scheme": kind.value}
            )
        )
        return {"session": loaded.digest, "scheme": kind.value, "expires_in_s": SESSION_TTL_S}

    def _session(self, principal: Principal, digest: str, scheme: Scheme) -> Any:
        with self._lock:
            entry = self._sessions.get(digest)
            if entry is not None and time.monotonic() - entry[0] > SESSION_TTL_S:
                del self._sessions[digest]
                entry = None
        if entry is None or entry[2] != principal.id:
            raise NotFound(
                "unknown or expired HE session: register the public context again", code="he_session_unknown"
            )
        if entry[1].scheme != scheme:
            raise InvalidInput(
                f"session {digest[:12]}... is {entry[1].scheme.value}, not {scheme.value}",
                code="he_scheme_mismatch",
            )
        return entry[1]

    # -- models ----------------------------------------------------------------------------------
    def train(self, officer: Principal, product_id: str, target: str = "E11") -> RiskModel:
        """Train the product's risk model to predict the cohort ``target`` (``CohortCode``: "E11",
        "snomed_ct|44054006", ...)."""
        cohort = CohortCode.parse(target)
        product, assets = self._product(product_id)
        observations, coded = clinical_tables(assets, self._store, cohort)
        model = train_risk_model(product.id, observations, coded, cohort)
        previous = self._models.load(product.id)
        if previous is not None:
            model = RiskModel(**{**model.__dict__, "version": previous.version + 1})
        self._models.save(model)
        self._audit.record_now(
            AuditEvent(
                officer.id,
                "he.model.train",
                "product",
                product.id,
                details={
                    "digest": model.digest(),
                    "version": model.version,
                    "auc": model.training["auc"],
                    "patients": model.training["patients"],
                },
            )
        )
        return model

    def model(self, product_id: str) -> RiskModel:
        model = self._models.load(product_id)
        if model is None:
            raise NotFound(f"no risk model trained for product {product_id}", code="he_model_missing")
        return model

    # -- queries ---------------------------------------------------------------------------------
    def score_job(
        self, principal: Principal, contract_id: str, session: str, batches: Sequence[Sequence[bytes]]
    ) -> Job:
        """Several batches of applicants as one query, run as a job whose progress is the batches done.
        The use is decided and metered now; the job scores under that grant (refunded if it fails)."""
        if not 0 < len(batches) <= MAX_JOB_BATCHES:
            raise InvalidInput(f"send 1-{MAX_JOB_BATCHES} batches per job", code="he_batch_count")
        with ExitStack() as stack:
            run = self._scoring(
                stack, principal, contract_id, session, batches, f"he.score-job:{len(batches)}"
            )
            held = stack.pop_all()  # the grant now belongs to the job, which closes it when done

        def work(progress: Callable[[int], None]) -> list[bytes]:
            with held:
                return run(progress)

        try:
            return self._jobs.submit(principal.id, "score", len(batches), work)
        except BaseException as exc:
            held.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def job(self, principal: Principal, job_id: str) -> Job:
        return self._jobs.get(principal.id, job_id)

    def score(self, principal: Principal, contract_id: str, session: str, features: Sequence[bytes]) -> bytes:
        """Encrypted risk scores of a batch of applicants; only the partner can decrypt them."""
        with ExitStack() as stack:
            run = self._scoring(
                stack, principal, contract_id, session, [features], f"he.score:{session[:16]}"
            )
            return run(lambda _: None)[0]

    def _scoring(
        self,
        stack: ExitStack,
        principal: Principal,
        contract_id: str,
        session: str,
        batches: Sequence[Sequence[bytes]],
        ref: str,
    ) -> Callable[[Callable[[int], None]], list[bytes]]:
        """Check the input, then decide and meter one use (held open on ``stack``); return the work:
        scoring every batch with the model of the granted product."""
        for features in batches:
            if not 0 < len(features) <= MAX_FEATURE_CIPHERTEXTS:
                raise InvalidInput(
                    f"send 1-{MAX_FEATURE_CIPHERTEXTS} feature ciphertexts", code="he_feature_count"
                )
        request = UsageRequest.for_he_query(contract_id, ref)
        grant = stack.enter_context(self._usage.use(principal, request))
        loaded = self._session(principal, session, Scheme.CKKS_SCORING)
        model = self.model(grant.product_id)

        def work(progress: Callable[[int], None]) -> list[bytes]:
            out = []
            for i, features in enumerate(batches):
                out.append(self._backend().score(loaded, features, model.weights, model.bias, model.poly))
                progress(i + 1)
            return out

        return work

    def aggregate(
        self,
        principal: Principal,
        contract_id: str,
        counts_session: str,
        sums_session: str,
        condition: str,
        epsilon: float,
    ) -> AggregateContribution:
        """This hospital's noisy cohort statistics, encrypted under the requester's keys. The use is
        decided first; only then are the granted assets read, and a cohort smaller than the contract's
        minimum is refused by the usage policy before anything is encrypted (the use refunded)."""
        cohort = CohortCode.parse(condition)  # refused before the use is decided
        request = UsageRequest.for_he_query(contract_id, f"he.aggregate:{str(cohort)[:32]}", epsilon)
        with self._usage.use(principal, request) as grant:
            counts_ctx = self._session(principal, counts_session, Scheme.BFV_COUNTS)
            sums_ctx = self._session(principal, sums_session, Scheme.CKKS_SUMS)
            product, assets = self._granted(grant)
            allowed = [str(c) for c in product.policy_template.get("cohorts", [])]
            if allowed and not any(_offered(a).covers(cohort) for a in allowed):
                raise PolicyDenied(
                    f"cohorts of this product: {', '.join(allowed)}", code="cohort_not_offered"
                )
            stats = cohort_statistics(*clinical_tables(assets, self._store, cohort), cohort)
            grant.require_cohort(stats.cohort_size)
            noisy, noise = add_noise(stats, epsilon)
            backend = self._backend()
            return AggregateContribution(
                counts=backend.encrypt_counts(counts_ctx, noisy.counts),
                sums=backend.encrypt_sums(sums_ctx, noisy.sums),
                count_names=COUNT_NAMES,
                sum_names=SUM_NAMES,
                noise=noise,
                hospital=self._node_id,
            )

    def combine(self, principal: Principal, session: str, scheme: str, parts: Sequence[bytes]) -> bytes:
        """The coordinator adds hospitals' ciphertexts under the requester's public context."""
        loaded = self._session(principal, session, Scheme(scheme))
        total = self._backend().add(loaded, parts)
        self._audit.record_now(
            AuditEvent(principal.id, "he.combine", "he_session", session, details={"parts": len(parts)})
        )
        return total

    # -- internals -------------------------------------------------------------------------------
    def _product(self, product_id: str) -> tuple[Product, list[Asset]]:
        """A product the officer trains a model on (the hospital's own, not a partner's use)."""
        with self._uow() as uow:
            product = uow.products.get(product_id)
            if product is None:
                raise NotFound(f"product {product_id} not found", code="product_not_found")
            assets = [a for a in (uow.assets.get(i) for i in product.asset_ids) if a is not None]
        if product.access_mode != AccessMode.HE_QUERY:
            raise InvalidInput("this product is not offered for HE queries", code="mode_mismatch")
        return product, assets

    def _granted(self, grant: UsageGrant) -> tuple[Product, list[Asset]]:
        """The granted product (for its offer) and the granted assets: nothing named by the request."""
        with self._uow() as uow:
            product = uow.products.get(grant.product_id)
            assets = [a for a in (uow.assets.get(i) for i in grant.asset_ids) if a is not None]
        if product is None:
            raise NotFound(f"product {grant.product_id} not found", code="product_not_found")
        return product, assets


def _offered(text: str) -> CohortCode:
    """A cohort the product offers; a malformed offer offers nothing (fails closed)."""
    try:
        return CohortCode.parse(text)
    except InvalidInput:
        return CohortCode("", "")


def _denied(exc: Exception) -> Outcome:
    return Outcome.DENIED if isinstance(exc, PolicyDenied) else Outcome.FAILED
