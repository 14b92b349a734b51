"""Storage port of the settlement queue: one row per claim (contract, encounter, version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from node.asset_registry.ports import RegistryUnitOfWork
from node.identity.ports import IdentityUnitOfWork

QUEUED, PULLED, SETTLED = "queued", "pulled", "settled"


@dataclass(frozen=True)
class ClaimRecord:
    id: str
    contract_id: str
    partner_id: str
    encounter_id: str
    version: int
    status: str  # queued -> pulled -> settled
    total: float
    currency: str
    package: dict[str, Any] = field(repr=False)  # signed and sealed for the insurer
    usage_id: str
    submitted_by: str
    created_at_us: int
    pulled_at_us: int | None = None
    payable: float | None = None
    patient_share: float | None = None
    response: dict[str, Any] | None = field(default=None, repr=False)  # the insurer's signed ClaimResponse
    response_signature: str | None = None
    settled_at_us: int | None = None

    def view(self, for_partner: bool = False) -> dict[str, Any]:
        """For the billing desk and the insurer's listing: amounts and states, no clinical content (and
        not the hospital's encounter id for the insurer, which has the claim itself)."""
        return {
            "claim_id": self.id,
            "contract_id": self.contract_id,
            "partner_id": self.partner_id,
            "encounter_id": None if for_partner else self.encounter_id,
            "version": self.version,
            "status": self.status,
            "total": self.total,
            "currency": self.currency,
            "payable": self.payable,
            "patient_share": self.patient_share,
            "created_at_us": self.created_at_us,
            "settled_at_us": self.settled_at_us,
        }


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims a listing shows: created in ``[from_us, to_us)``, of one partner, in one status."""

    from_us: int = 0
    to_us: int = 2**62
    partner_id: str | None = None
    status: str | None = None


class ClaimRepository(Protocol):
    def add(self, claim: ClaimRecord) -> bool:
        """False if a claim for the same contract, encounter and version is already queued."""
        ...

    def get(self, claim_id: str) -> ClaimRecord | None: ...

    def find(self, contract_id: str, encounter_id: str, version: int) -> ClaimRecord | None: ...

    def unsettled(self, partner_id: str, contract_id: str | None, limit: int) -> list[ClaimRecord]: ...

    def mark_pulled(self, claim_ids: list[str], at_us: int) -> None: ...

    def settle(self, claim: ClaimRecord) -> bool:
        """Record the settlement held in ``claim``; False if the claim was settled meanwhile."""
        ...

    def created_between(self, from_us: int, to_us: int, partner_id: str | None) -> list[ClaimRecord]: ...

    def page(self, where: ClaimFilter, offset: int, limit: int) -> tuple[list[ClaimRecord], int]:
        """A page of the matching claims, newest first, and how many match in all."""
        ...


class SettlementUnitOfWork(RegistryUnitOfWork, IdentityUnitOfWork, Protocol):
    @property
    def claims(self) -> ClaimRepository: ...
