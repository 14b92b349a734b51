"""A signed contract becomes ACTIVE when its digest is on the chain: the anchoring hook for contracts."""

from __future__ import annotations

from collections.abc import Callable

from node.anchoring.ports import OutboxItem
from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.contracts.model import Contract, State
from node.contracts.ports import ContractsUnitOfWork
from node.ports import Clock


def activate_when_anchored(
    audit: AuditLog, clock: Clock, on_activated: Callable[[Contract], None] | None = None
) -> Callable[[ContractsUnitOfWork, OutboxItem], Callable[[], None] | None]:
    """The hook anchoring runs, in its transaction, when a contract's digest has been anchored."""

    def hook(uow: ContractsUnitOfWork, item: OutboxItem) -> Callable[[], None] | None:
        contract = uow.contracts.get(item.ref, for_update=True)
        if contract is None or contract.state != State.ANCHORING:
            return None  # revoked or expired while waiting: anchored, but not activated
        active = contract.activate(clock.now_us())
        uow.contracts.save(active)
        audit.record(uow, AuditEvent("system", "contract.activate", "contract", contract.id))
        if on_activated is None:
            return None
        return lambda: on_activated(active)

    return hook
