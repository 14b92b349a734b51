"""The policy monitor: ends contracts whose validity has passed and tells running work to stop."""

from __future__ import annotations

from collections.abc import Callable

from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.contracts.model import Contract
from node.contracts.ports import ContractsUnitOfWork
from node.ports import Clock

Listener = Callable[[Contract], None]


class ContractMonitor:
    def __init__(self, uow_factory: Callable[[], ContractsUnitOfWork], audit: AuditLog, clock: Clock) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """``listener(contract)`` is called after a contract ends (expired, exhausted, revoked...)."""
        self._listeners.append(listener)

    def notify(self, contract: Contract) -> None:
        for listener in self._listeners:
            listener(contract)

    def run_once(self) -> list[Contract]:
        """Expire every contract whose ``valid_to`` has passed; return the ones expired now."""
        now = self._clock.now_us()
        expired: list[Contract] = []
        with self._uow() as uow:
            for contract_id in uow.contracts.due_to_expire(now):
                contract = uow.contracts.get(contract_id, for_update=True)
                if contract is None or contract.terms.valid_to_us > now:
                    continue
                updated = contract.expire(now)
                uow.contracts.save(updated)
                self._audit.record(
                    uow,
                    AuditEvent(
                        "system",
                        "contract.expire",
                        "contract",
                        contract_id,
                        details={"from": contract.state.name, "uses": contract.uses},
                    ),
                )
                expired.append(updated)
            uow.commit()
        for contract in expired:
            self.notify(contract)
        return expired
