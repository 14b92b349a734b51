"""The enforcement point as a federated round sees it: before a hospital touches its data for a
round, its node meters one ``federated_training`` use (and the round's ε) of the job's contract.

A denial (expired, revoked, quota or budget spent) makes that hospital refuse the round; the
strategy's minimums decide whether the job goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from node.asset_registry.model import AccessMode
from node.contracts.enforcement import UsageGrant, UsageRequest, UsageService
from node.contracts.ports import ContractsUnitOfWork
from node.errors import NotFound


class RoundGate:
    def __init__(self, uow_factory: Callable[[], ContractsUnitOfWork], usage: UsageService) -> None:
        self._uow = uow_factory
        self._usage = usage

    def admit(self, contract_id: str, job: str, round_no: int, epsilon: float) -> UsageGrant:
        """Meter one round for the contract's partner, on whose behalf the node trains; raises
        ``UsageDenied`` (audited) when the policy says no."""
        with self._uow() as uow:
            contract = uow.contracts.get(contract_id)
            partner = uow.principals.get(contract.partner_id) if contract else None
        if contract is None or partner is None:
            raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
        request = UsageRequest(
            contract.id,
            AccessMode.FEDERATED_TRAINING,
            contract.terms.purpose,
            epsilon=epsilon,
            ref=f"fl:{job}:round-{round_no}",
        )
        return self._usage.check(partner, request)
