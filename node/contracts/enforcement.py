"""The policy enforcement point: every use of a data product passes here, and only here.

``UsageService.use`` locks the contract row, asks the ``usage`` policy (which sees the contract, its
product and the product's assets) and meters the use (count and privacy budget) in one database
transaction, so quotas and budgets hold under concurrent requests; every refusal is audited in that
transaction. Then the caller does the work with the grant, which names the product and assets to
read. A failed computation is refunded: it costs the partner nothing. A use carrying an idempotency
key already metered for the contract is a replay: the first grant, nothing charged.
Concurrent uses in this process share that transaction (group commit): one lock round, one audit-head
lock and one commit for all of them, each decided against the contract as the uses before it left it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from node.asset_registry.model import AccessMode, Product
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.contracts.model import Contract, State
from node.contracts.ports import ContractsUnitOfWork, UsageRecord
from node.contracts.services import principal_view
from node.errors import InvalidInput, NodeError, NotFound, PolicyDenied
from node.group_commit import GroupCommit
from node.identity.model import Principal
from node.ports import Clock, PolicyEngine


class UsageDenied(PolicyDenied):
    """The usage policy said no; ``reasons`` name the failed checks (never data)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"use denied by policy: {', '.join(reasons)}", code="usage_denied")
        self.reasons = reasons


@dataclass(frozen=True)
class UsageRequest:
    contract_id: str
    access_mode: AccessMode | None  # None: the contract's own mode
    purpose: str | None  # None: the contract's own purpose (a path that asks for none)
    epsilon: float = 0.0
    cohort_size: int | None = None  # None: no cohort, or one the work checks with grant.require_cohort
    ref: str = ""  # what the use was (job id, query id), for the record
    # unique per contract (e.g. "fl:JOB:round-3"): a retry returns the first grant and charges nothing
    idempotency_key: str | None = None
    # identity-linked uses: the consent registry's answer as counts (node.consent.services.consent_facts)
    consent: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.epsilon < 0 or self.epsilon != self.epsilon:
            raise InvalidInput("epsilon must be a number >= 0", code="epsilon_invalid")
        if self.cohort_size is not None and self.cohort_size < 0:
            raise InvalidInput("cohort_size must be >= 0", code="cohort_invalid")
        if self.idempotency_key is not None and not 0 < len(self.idempotency_key) <= 160:
            raise InvalidInput("idempotency_key must be 1-160 characters", code="idempotency_key_invalid")

    # One constructor per metered path: the mode and the reference's shape are decided here, once. The
    # purpose is the contract's own (None) on every path but a remote enforcement point's question.

    @classmethod
    def for_extract(cls, contract_id: str) -> UsageRequest:
        return cls(contract_id, AccessMode.ANONYMIZED_EXTRACT, None, ref="extract")

    @classmethod
    def for_federated_round(
        cls, contract_id: str, job_id: str, round_no: int, epsilon: float
    ) -> UsageRequest:
        """One round of a job, metered once per (contract, job, round): a retry is a replay."""
        key = f"fl:{job_id}:round-{round_no}"
        return cls(
            contract_id, AccessMode.FEDERATED_TRAINING, None, epsilon=epsilon, ref=key, idempotency_key=key
        )

    @classmethod
    def for_federated_job(cls, contract_id: str) -> UsageRequest:
        """A job's creation on the contract, decided (``UsageService.decide``) but never metered."""
        return cls(contract_id, AccessMode.FEDERATED_TRAINING, None)

    @classmethod
    def for_he_query(cls, contract_id: str, ref: str, epsilon: float = 0.0) -> UsageRequest:
        return cls(contract_id, AccessMode.HE_QUERY, None, epsilon=epsilon, ref=ref)

    @classmethod
    def for_aggregate_query(cls, contract_id: str, measures: list[str], epsilon: float) -> UsageRequest:
        ref = f"query:{','.join(measures)}"[:128]
        return cls(contract_id, AccessMode.AGGREGATE_QUERY, None, epsilon=epsilon, ref=ref)

    @classmethod
    def for_psi(cls, contract_id: str, members: int, consent: dict[str, Any]) -> UsageRequest:
        return cls(contract_id, AccessMode.PSI, None, ref=f"psi:{members}", consent=consent)

    @classmethod
    def for_cohort_attrition(cls, contract_id: str, version: int, digest: str) -> UsageRequest:
        """A cohort's attrition, under whatever mode the contract has."""
        return cls(contract_id, None, None, ref=f"cohort:{version}:{digest[:16]}")

    @classmethod
    def for_research_dataset(
        cls, contract_id: str, dataset_id: str, version: int, digest: str
    ) -> UsageRequest:
        ref = f"dataset:{dataset_id}:{version}:{digest[:16]}"
        return cls(contract_id, AccessMode.RESEARCH_DATASET, None, ref=ref)

    @classmethod
    def for_claim(
        cls, contract_id: str, claim_id: str, encounter_id: str, version: int, consent: dict[str, Any]
    ) -> UsageRequest:
        """A settlement claim, metered once per (contract, encounter, version)."""
        return cls(
            contract_id,
            AccessMode.SETTLEMENT,
            None,
            ref=f"claim {claim_id}",
            idempotency_key=f"claim:{encounter_id}:v{version}",
            consent=consent,
        )

    @classmethod
    def for_remote_check(
        cls,
        contract_id: str,
        mode: AccessMode | None,
        purpose: str | None,
        epsilon: float,
        cohort_size: int | None,
        ref: str,
        idempotency_key: str | None,
    ) -> UsageRequest:
        """A question from an enforcement point elsewhere (``POST /v1/contracts/{id}/uses``): as asked."""
        return cls(contract_id, mode, purpose, epsilon, cohort_size, ref, idempotency_key)


@dataclass(frozen=True)
class UsageGrant:
    """A decided, metered use. The work reads only what the grant names: the contract's product and
    the assets signed into it, never ids taken from the request."""

    contract: Contract  # as it is after this use
    record: UsageRecord
    replayed: bool = False  # a retry of an earlier use with the same idempotency key: nothing charged
    _cohort: Callable[[int], None] | None = field(default=None, repr=False, compare=False)

    @property
    def product_id(self) -> str:
        return self.contract.product_id

    @property
    def asset_ids(self) -> tuple[str, ...]:
        return self.contract.asset_ids

    @property
    def principal_id(self) -> str:
        return self.record.principal_id

    @property
    def min_k(self) -> int:
        return self.contract.terms.k

    def require_cohort(self, size: int) -> None:
        """Ask the usage policy about a cohort the work found after the decision; raises
        ``UsageDenied`` (the use is then refunded and the refusal audited by ``use``)."""
        if self._cohort is not None:
            self._cohort(size)


class UsageService:
    def __init__(
        self,
        uow_factory: Callable[[], ContractsUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        policy: PolicyEngine,
        on_contract_ended: Callable[[Contract], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._policy = policy
        self._ended = on_contract_ended or (lambda c: None)
        self._group: GroupCommit[tuple[Principal | None, UsageRequest], UsageGrant] = GroupCommit(
            self._authorize_batch
        )

    @property
    def largest_batch(self) -> int:
        """Most uses one transaction has carried since start (1: no concurrency seen)."""
        return self._group.largest_batch

    @contextmanager
    def use(self, principal: Principal, req: UsageRequest) -> Iterator[UsageGrant]:
        """THE enforcement call: authorize and meter one use, then let the body do the work with the
        grant. Raises ``UsageDenied`` (or ``NotFound``), already audited.

        The contract row is locked once; the usage policy sees the contract, its product and the
        product's assets; the decision, the metering and the audit entry (of a refusal too) commit
        together before the work starts, so no lock is held while it runs. If the work fails, the use
        is refunded in a compensating transaction and the failure (or a refusal the work raised, such
        as a cohort below the minimum) audited there. A replayed grant charged nothing and refunds
        nothing.
        """
        with self._metered(principal, req) as grant:
            yield grant

    def check(self, principal: Principal, req: UsageRequest) -> UsageGrant:
        """Authorize and meter a use that needs no work here (a remote enforcement point asks)."""
        with self._metered(principal, req) as grant:
            return grant

    def decide(self, principal: Principal, req: UsageRequest, action: str) -> Contract:
        """Would the usage policy allow ``req`` now? The same decision as ``use`` (the contract, its
        product and assets, the partner's ownership), for a step that prepares uses without being one
        (creating a training job): nothing is metered. A refusal is audited under ``action`` in this
        call and raised as ``UsageDenied`` (or ``NotFound``); an allowed decision returns the contract."""
        with self._uow() as uow:
            contract = uow.contracts.get(req.contract_id)
            refusal: NodeError
            if contract is None or (principal.kind == "partner" and contract.partner_id != principal.id):
                reasons = ["contract_not_found"]
                refusal = NotFound(f"contract {req.contract_id} not found", code="contract_not_found")
            else:
                req = replace(
                    req,
                    access_mode=req.access_mode or contract.terms.access_mode,
                    purpose=contract.terms.purpose if req.purpose is None else req.purpose,
                )
                product = _product_view(uow.products.get(contract.product_id))
                now = self._clock.now_us()
                decision = self._policy.decide("usage", _usage_input(principal, contract, product, req, now))
                if decision.allow:
                    return contract
                reasons = decision.reasons or ["policy_denied"]
                refusal = UsageDenied(reasons)
            self._audit.record(uow, _denial(principal.id, req, reasons, action))
            uow.commit()
        refusal.audited = True
        raise refusal

    @contextmanager
    def use_for_partner(self, req: UsageRequest) -> Iterator[UsageGrant]:
        """``use`` with the node acting for the contract's partner (a claim the billing desk submits for
        the insurer): decided and metered as the partner's own use, refunded if the work fails."""
        with self._metered(None, req) as grant:
            yield grant

    def check_for_partner(self, req: UsageRequest) -> UsageGrant:
        """The node acting for the contract's partner (an FL round): as ``check``, the partner being
        whoever the locked contract names."""
        with self._metered(None, req) as grant:
            return grant

    @contextmanager
    def _metered(self, principal: Principal | None, req: UsageRequest) -> Iterator[UsageGrant]:
        grant = self._group.submit((principal, req))
        if grant.contract.state == State.EXHAUSTED and not grant.replayed:
            self._ended(grant.contract)
        try:
            yield grant
        except BaseException as exc:
            if not grant.replayed:
                self._refund(grant, exc)
            if isinstance(exc, NodeError):
                exc.audited = True
            raise

    def _authorize_batch(
        self, batch: list[tuple[Principal | None, UsageRequest]]
    ) -> list[UsageGrant | NodeError]:
        """Decide and meter concurrent uses in one transaction: every contract row they touch locked,
        the policy asked for each use against the contract as the uses before it left it, one audit
        entry per use, replay or denial, one commit. If the transaction fails, no use of the batch
        counts."""
        outcomes: list[UsageGrant | NodeError] = []
        events: list[AuditEvent] = []
        records: list[UsageRecord] = []
        with self._uow() as uow:
            contracts = uow.contracts.lock_many([req.contract_id for _, req in batch])
            # read after the locks: a use of the same key committed by another process is seen here
            earlier = uow.contracts.usage_by_keys(
                [(req.contract_id, req.idempotency_key) for _, req in batch if req.idempotency_key]
            )
            products: dict[str, dict[str, Any] | None] = {}
            metered: dict[str, Contract] = {}
            now = self._clock.now_us()
            for acting, req in batch:
                contract = contracts.get(req.contract_id)
                principal = acting
                if contract is not None and principal is None:  # the node acting for the partner
                    principal = uow.principals.get(contract.partner_id)
                if (
                    contract is None
                    or principal is None
                    or (principal.kind == "partner" and contract.partner_id != principal.id)
                ):
                    # another partner's contract: not found, as if it did not exist
                    outcomes.append(
                        NotFound(f"contract {req.contract_id} not found", code="contract_not_found")
                    )
                    events.append(
                        _denial(principal.id if principal else "system", req, ["contract_not_found"])
                    )
                    continue
                key = (contract.id, req.idempotency_key or "")
                if req.idempotency_key and key in earlier:
                    outcomes.append(UsageGrant(contract, earlier[key], replayed=True))
                    events.append(_replay_event(principal, earlier[key]))
                    continue
                req = replace(
                    req,
                    access_mode=req.access_mode or contract.terms.access_mode,
                    purpose=contract.terms.purpose if req.purpose is None else req.purpose,
                )
                if contract.product_id not in products:
                    products[contract.product_id] = _product_view(uow.products.get(contract.product_id))
                policy_input = _usage_input(principal, contract, products[contract.product_id], req, now)
                decision = self._policy.decide("usage", policy_input)
                if not decision.allow:
                    reasons = decision.reasons or ["policy_denied"]
                    outcomes.append(UsageDenied(reasons))
                    events.append(_denial(principal.id, req, reasons))
                    continue
                updated = contract.record_use(req.epsilon, now)
                contracts[contract.id] = metered[contract.id] = updated
                record = _usage_record(principal, updated, req, now)
                if req.idempotency_key:
                    earlier[key] = record
                records.append(record)
                events.append(_use_event(principal, updated, record, req.epsilon))
                outcomes.append(UsageGrant(updated, record, _cohort=self._cohort_check(policy_input)))
            uow.contracts.save_metering(list(metered.values()))
            uow.contracts.add_usages(records)
            self._audit.record(uow, *events)
            uow.commit()
        for outcome in outcomes:
            if isinstance(outcome, NodeError):
                outcome.audited = True
        return outcomes

    def _cohort_check(self, policy_input: dict[str, Any]) -> Callable[[int], None]:
        """The policy asked again, as at the decision, with the cohort the work found."""

        def check(size: int) -> None:
            asked = {**policy_input, "request": {**policy_input["request"], "cohort_size": size}}
            decision = self._policy.decide("usage", asked)
            if not decision.allow:
                raise UsageDenied(decision.reasons or ["policy_denied"])

        return check

    def _refund(self, grant: UsageGrant, exc: BaseException) -> None:
        record = grant.record
        details: dict[str, Any] = {"usage": record.id, "mode": record.access_mode, "refunded": True}
        if isinstance(exc, PolicyDenied):  # a refusal the work raised: audited as one, like the others
            outcome = Outcome.DENIED
            details["reasons"] = getattr(exc, "reasons", None) or [exc.code]
        else:
            outcome = Outcome.FAILED
            details["error"] = getattr(exc, "code", type(exc).__name__)
        with self._uow() as uow:
            contract = uow.contracts.get(record.contract_id, for_update=True)
            if contract is not None:
                uow.contracts.save(contract.refund_use(record.epsilon, self._clock.now_us()))
                uow.contracts.remove_usage(record.id)
            self._audit.record(
                uow,
                AuditEvent(
                    record.principal_id, "contract.use", "contract", record.contract_id, outcome, details
                ),
            )
            uow.commit()


def _product_view(product: Product | None) -> dict[str, Any] | None:
    """What the usage policy sees of the contract's product as it is now."""
    if product is None:
        return None
    return {
        "id": product.id,
        "status": product.status.value,
        "access_mode": product.access_mode.value,
        "asset_ids": list(product.asset_ids),
    }


def _usage_input(
    principal: Principal, contract: Contract, product: dict[str, Any] | None, req: UsageRequest, now_us: int
) -> dict[str, Any]:
    return {
        "principal": principal_view(principal),
        "contract": contract.policy_view(),
        "product": product,
        "request": {
            "purpose": req.purpose,
            "access_mode": (req.access_mode or contract.terms.access_mode).value,
            "epsilon": req.epsilon,
            "cohort_size": req.cohort_size,
            "consent": req.consent,
        },
        "now_us": now_us,
    }


def _usage_record(principal: Principal, contract: Contract, req: UsageRequest, now_us: int) -> UsageRecord:
    return UsageRecord(
        id="us_" + secrets.token_hex(8),
        contract_id=contract.id,
        principal_id=principal.id,
        access_mode=contract.terms.access_mode.value,
        purpose=req.purpose or contract.terms.purpose,
        epsilon=req.epsilon,
        cohort_size=req.cohort_size,
        ref=req.ref[:128],
        at_us=now_us,
        idempotency_key=req.idempotency_key,
    )


def _use_event(principal: Principal, contract: Contract, record: UsageRecord, epsilon: float) -> AuditEvent:
    return AuditEvent(
        principal.id,
        "contract.use",
        "contract",
        contract.id,
        details={
            "usage": record.id,
            "mode": record.access_mode,
            "use": contract.uses,
            "max_uses": contract.terms.max_uses,
            "epsilon": epsilon,
            "ref": record.ref,
            "state": contract.state.name,
        },
    )


def _replay_event(principal: Principal, record: UsageRecord) -> AuditEvent:
    return AuditEvent(
        principal.id,
        "contract.use",
        "contract",
        record.contract_id,
        details={"usage": record.id, "mode": record.access_mode, "replay": True, "ref": record.ref},
    )


def _denial(actor: str, req: UsageRequest, reasons: list[str], action: str = "contract.use") -> AuditEvent:
    return AuditEvent(
        actor,
        action,
        "contract",
        req.contract_id,
        Outcome.DENIED,
        {"mode": req.access_mode.value if req.access_mode else None, "reasons": reasons},
    )
