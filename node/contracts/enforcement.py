"""The policy enforcement point: every use of a data product passes here.

``UsageService.use`` locks the contract row, asks the ``usage`` policy and meters the use (count and
privacy budget) in one database transaction, so quotas and budgets hold under concurrent requests;
then the caller does the work. A failed computation is refunded: it costs the partner nothing.
Concurrent uses in this process share that transaction (group commit): one lock round, one audit-head
lock and one commit for all of them, each decided against the contract as the uses before it left it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from node.asset_registry.model import AccessMode
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
    purpose: str
    epsilon: float = 0.0
    cohort_size: int | None = None
    ref: str = ""  # what the use was (job id, query id), for the record
    # identity-linked uses: the consent registry's answer as counts (node.consent.services.consent_facts)
    consent: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.epsilon < 0 or self.epsilon != self.epsilon:
            raise InvalidInput("epsilon must be a number >= 0", code="epsilon_invalid")
        if self.cohort_size is not None and self.cohort_size < 0:
            raise InvalidInput("cohort_size must be >= 0", code="cohort_invalid")


@dataclass(frozen=True)
class UsageGrant:
    contract: Contract  # as it is after this use
    record: UsageRecord


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
        self._group: GroupCommit[tuple[Principal, UsageRequest], UsageGrant] = GroupCommit(
            self._authorize_batch
        )

    @property
    def largest_batch(self) -> int:
        """Most uses one transaction has carried since start (1: no concurrency seen)."""
        return self._group.largest_batch

    @contextmanager
    def use(self, principal: Principal, req: UsageRequest) -> Iterator[UsageGrant]:
        """Authorize and meter one use, then let the body do the work. Raises ``UsageDenied``.

        The decision and the metering commit together in one transaction (the contract row locked),
        before the work starts, so no lock is held while it runs. If the work fails, the use is
        refunded in a compensating transaction and the failure audited.
        """
        grant = self._group.submit((principal, req))
        if grant.contract.state == State.EXHAUSTED:
            self._ended(grant.contract)
        try:
            yield grant
        except BaseException as exc:
            self._refund(principal, grant, getattr(exc, "code", type(exc).__name__))
            if isinstance(exc, NodeError):
                exc.audited = True
            raise

    def _authorize_batch(self, batch: list[tuple[Principal, UsageRequest]]) -> list[UsageGrant | NodeError]:
        """Decide and meter concurrent uses in one transaction: every contract row they touch locked,
        the policy asked for each use against the contract as the uses before it left it, one audit
        entry per use or denial, one commit. If the transaction fails, no use of the batch counts."""
        outcomes: list[UsageGrant | NodeError] = []
        events: list[AuditEvent] = []
        records: list[UsageRecord] = []
        with self._uow() as uow:
            contracts = uow.contracts.lock_many([req.contract_id for _, req in batch])
            metered: dict[str, Contract] = {}
            now = self._clock.now_us()
            for principal, req in batch:
                contract = contracts.get(req.contract_id)
                if contract is None or (principal.kind == "partner" and contract.partner_id != principal.id):
                    # another partner's contract: not found, as if it did not exist
                    outcomes.append(
                        NotFound(f"contract {req.contract_id} not found", code="contract_not_found")
                    )
                    events.append(_denial(principal, req, ["contract_not_found"]))
                    continue
                if req.access_mode is None:
                    req = replace(req, access_mode=contract.terms.access_mode)
                decision = self._policy.decide("usage", _usage_input(principal, contract, req, now))
                if not decision.allow:
                    reasons = decision.reasons or ["policy_denied"]
                    outcomes.append(UsageDenied(reasons))
                    events.append(_denial(principal, req, reasons))
                    continue
                updated = contract.record_use(req.epsilon, now)
                contracts[contract.id] = metered[contract.id] = updated
                record = _usage_record(principal, updated, req, now)
                records.append(record)
                events.append(_use_event(principal, updated, record, req.epsilon))
                outcomes.append(UsageGrant(updated, record))
            uow.contracts.save_metering(list(metered.values()))
            uow.contracts.add_usages(records)
            self._audit.record(uow, *events)
            uow.commit()
        for outcome in outcomes:
            if isinstance(outcome, NodeError):
                outcome.audited = True
        return outcomes

    def _refund(self, principal: Principal, grant: UsageGrant, error: str) -> None:
        record = grant.record
        with self._uow() as uow:
            contract = uow.contracts.get(record.contract_id, for_update=True)
            if contract is not None:
                uow.contracts.save(contract.refund_use(record.epsilon, self._clock.now_us()))
                uow.contracts.remove_usage(record.id)
            self._audit.record(
                uow,
                AuditEvent(
                    principal.id,
                    "contract.use",
                    "contract",
                    record.contract_id,
                    Outcome.FAILED,
                    {"usage": record.id, "mode": record.access_mode, "error": error, "refunded": True},
                ),
            )
            uow.commit()

    def check(self, principal: Principal, req: UsageRequest) -> UsageGrant:
        """Authorize and meter a use that needs no work here (a remote enforcement point asks)."""
        with self.use(principal, req) as grant:
            return grant


def _usage_input(principal: Principal, contract: Contract, req: UsageRequest, now_us: int) -> dict[str, Any]:
    return {
        "principal": principal_view(principal),
        "contract": contract.policy_view(),
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
        purpose=req.purpose,
        epsilon=req.epsilon,
        cohort_size=req.cohort_size,
        ref=req.ref[:128],
        at_us=now_us,
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


def _denial(principal: Principal, req: UsageRequest, reasons: list[str]) -> AuditEvent:
    return AuditEvent(
        principal.id,
        "contract.use",
        "contract",
        req.contract_id,
        Outcome.DENIED,
        {"mode": req.access_mode.value if req.access_mode else None, "reasons": reasons},
    )
