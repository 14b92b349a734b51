"""Storage port of the consent registry."""

from __future__ import annotations

from typing import Protocol

from node.audit.ports import AuditUnitOfWork
from node.consent.model import Consent


class ConsentRepository(Protocol):
    def add(self, consent: Consent) -> None: ...

    def get(self, consent_id: str) -> Consent | None: ...

    def withdraw(self, consent_id: str, by: str, at_us: int) -> None: ...

    def find(
        self, patient_id: str | None = None, partner_id: str | None = None, purpose: str | None = None
    ) -> list[Consent]: ...

    def consenting(self, partner_id: str, purpose: str, now_us: int) -> set[str]:
        """Patient ids with a consent for this partner and purpose in force at ``now_us``."""
        ...


class ConsentUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def consents(self) -> ConsentRepository: ...
