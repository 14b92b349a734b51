"""The policy enforcement point: every use of a data product passes here.

``UsageService.use`` locks the contract row, asks the ``usage`` policy and meters the use (count and
privacy budget) in one database transaction, so quotas and budgets hold under concurrent requests;
then the caller does the work. A failed computation is refunded: it costs the partner nothing.
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

    @contextmanager
    def use(self, principal: Principal, req: UsageRequest) -> Iterator[UsageGrant]:
        """Authorize and meter one use, then let the body do the work. Raises ``UsageDenied``.

        The decision and the metering commit together in one transaction (the contract row locked),
        before the work starts, so no lock is held while it runs. If the work fails, the use is
        refunded in a compensating transaction and the failure audited.
        """
        grant = self._authorize(principal, req)
        if grant.contract.state == State.EXHAUSTED:
            self._ended(grant.contract)
        try:
            yield grant
        except BaseException as exc:
            self._refund(principal, grant, getattr(exc, "code", type(exc).__name__))
            if isinstance(exc, NodeError):
                exc.audited = True
            raise

    def _authorize(self, principal: Principal, req: UsageRequest) -> UsageGrant:
        grant: UsageGrant | None = None
        denied: list[str] = []
        with self._uow() as uow:
            contract = uow.contracts.get(req.contract_id, for_update=True)
            now = self._clock.now_us()
            if contract is None or (principal.kind == "partner" and contract.partner_id != principal.id):
                contract, denied = None, ["contract_not_found"]  # another partner's contract: not found
            else:
                if req.access_mode is None:
                    req = replace(req, access_mode=contract.terms.access_mode)
                decision = self._policy.decide("usage", _usage_input(principal, contract, req, now))
                if decision.allow:
                    grant = self._meter(uow, principal, contract, req, now)
                    uow.commit()
                else:
                    denied = decision.reasons or ["policy_denied"]
        # a denial is audited once its transaction has ended: it holds no lock and no connection
        if grant is None:
            self._record_denial(principal, req, denied)
            error: NodeError = (
                UsageDenied(denied)
                if contract is not None
                else NotFound(f"contract {req.contract_id} not found", code="contract_not_found")
            )
            error.audited = True
            raise error
        return grant

    def _meter(
        self, uow: ContractsUnitOfWork, principal: Principal, contract: Contract, req: UsageRequest, now: int
    ) -> UsageGrant:
        updated = contract.record_use(req.epsilon, now)
        record = UsageRecord(
            id="us_" + secrets.token_hex(8),
            contract_id=contract.id,
            principal_id=principal.id,
            access_mode=contract.terms.access_mode.value,
            purpose=req.purpose,
            epsilon=req.epsilon,
            cohort_size=req.cohort_size,
            ref=req.ref[:128],
            at_us=now,
        )
        uow.contracts.save_metering(updated)
        uow.contracts.add_usage(record)
        self._audit.record(
            uow,
            AuditEvent(
                principal.id,
                "contract.use",
                "contract",
                contract.id,
                details={
                    "usage": record.id,
                    "mode": record.access_mode,
                    "use": updated.uses,
                    "max_uses": updated.terms.max_uses,
                    "epsilon": req.epsilon,
                    "ref": record.ref,
                    "state": updated.state.name,
                },
            ),
        )
        return UsageGrant(updated, record)

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

    def _record_denial(self, principal: Principal, req: UsageRequest, reasons: list[str]) -> None:
        self._audit.record_now(
            AuditEvent(
                principal.id,
                "contract.use",
                "contract",
                req.contract_id,
                Outcome.DENIED,
                {"mode": req.access_mode.value if req.access_mode else None, "reasons": reasons},
            )
        )


def _usage_input(principal: Principal, contract: Contract, req: UsageRequest, now_us: int) -> dict[str, Any]:
    return {
        "principal": principal_view(principal),
        "contract": contract.policy_view(),
        "request": {
            "purpose": req.purpose,
            "access_mode": (req.access_mode or contract.terms.access_mode).value,
            "epsilon": req.epsilon,
            "cohort_size": req.cohort_size,
        },
        "now_us": now_us,
    }
