"""Storage port of the consent registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from node.audit.ports import AuditUnitOfWork
from node.consent.model import Consent


@dataclass(frozen=True)
class ConsentFilter:
    """Which consents a listing shows. ``state``: ``in_force``, ``withdrawn`` or ``expired`` (not
    withdrawn, period over) at ``now_us``; any if None."""

    patient_id: str | None = None
    partner_id: str | None = None
    purpose: str | None = None
    state: str | None = None
    now_us: int = 0


class ConsentRepository(Protocol):
    def add(self, consent: Consent) -> None: ...

    def get(self, consent_id: str) -> Consent | None: ...

    def withdraw(self, consent_id: str, by: str, at_us: int) -> None: ...

    def find(
        self, patient_id: str | None = None, partner_id: str | None = None, purpose: str | None = None
    ) -> list[Consent]: ...

    def page(self, where: ConsentFilter, offset: int, limit: int) -> tuple[list[Consent], int]:
        """A page of the matching consents, most recently recorded first, and how many match."""
        ...

    def consenting(self, partner_id: str, purpose: str, now_us: int) -> set[str]:
        """Patient ids with a consent for this partner and purpose in force at ``now_us``."""
        ...


class ConsentUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def consents(self) -> ConsentRepository: ...
