"""The consent registry: officers record and withdraw consents; identity-linked uses ask which patients
consent before they run, and the usage policy sees the answer (``consent_facts``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.consent.model import Channel, Consent, check_fields
from node.consent.ports import ConsentFilter, ConsentUnitOfWork
from node.errors import Conflict, InvalidInput, NotFound
from node.identity.model import PARTNER_ROLES, Principal
from node.ports import Clock

STATES = ("in_force", "withdrawn", "expired")


class ConsentService:
    def __init__(
        self,
        uow_factory: Callable[[], ConsentUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        partner: Callable[[str], Principal],
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._partner = partner  # resolves a partner's name or id

    def grant(
        self,
        actor: str,
        patient_id: str,
        partner: str,
        purpose: str,
        valid_from_us: int,
        valid_to_us: int,
        channel: str,
        evidence: str,
    ) -> Consent:
        try:
            how = Channel(channel)
        except ValueError:
            known = ", ".join(c.value for c in Channel)
            raise InvalidInput(f"channel must be one of: {known}", code="consent_invalid") from None
        check_fields(patient_id, purpose, valid_from_us, valid_to_us, evidence)
        p = self._partner(partner)
        if not p.roles & PARTNER_ROLES:
            raise InvalidInput("consents are given to partners", code="consent_invalid")
        consent = Consent(
            id="cs_" + secrets.token_hex(8),
            patient_id=patient_id.strip(),
            partner_id=p.id,
            purpose=purpose,
            valid_from_us=valid_from_us,
            valid_to_us=valid_to_us,
            channel=how,
            evidence=evidence.strip(),
            recorded_by=actor,
            recorded_at_us=self._clock.now_us(),
        )
        with self._uow() as uow:
            uow.consents.add(consent)
            self._audit.record(
                uow,
                AuditEvent(
                    actor,
                    "consent.grant",
                    "consent",
                    consent.id,
                    details={"partner": p.id, "purpose": purpose, "channel": how.value},
                ),
            )
            uow.commit()
        return consent

    def withdraw(self, actor: str, consent_id: str) -> Consent:
        now = self._clock.now_us()
        with self._uow() as uow:
            consent = uow.consents.get(consent_id)
            if consent is None:
                raise NotFound(f"consent {consent_id} not found", code="consent_not_found")
            if consent.withdrawn_at_us is not None:
                raise Conflict("the consent is already withdrawn", code="consent_withdrawn")
            uow.consents.withdraw(consent_id, actor, now)
            self._audit.record(
                uow,
                AuditEvent(
                    actor,
                    "consent.withdraw",
                    "consent",
                    consent_id,
                    details={"partner": consent.partner_id, "purpose": consent.purpose},
                ),
            )
            uow.commit()
        return Consent(**{**consent.__dict__, "withdrawn_at_us": now, "withdrawn_by": actor})

    def list(
        self, patient_id: str | None = None, partner: str | None = None, purpose: str | None = None
    ) -> list[Consent]:
        partner_id = self._partner(partner).id if partner else None
        with self._uow() as uow:
            return uow.consents.find(patient_id, partner_id, purpose)

    def page(
        self,
        patient_id: str | None,
        partner: str | None,
        purpose: str | None,
        state: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Consent], int]:
        """A page of the consents matching the filters, most recently recorded first, and how many
        match; ``state``: in_force, withdrawn or expired (now)."""
        if state is not None and state not in STATES:
            raise InvalidInput("state must be in_force, withdrawn or expired", code="consent_state_unknown")
        partner_id = self._partner(partner).id if partner else None
        where = ConsentFilter(patient_id, partner_id, purpose, state, self._clock.now_us())
        with self._uow() as uow:
            return uow.consents.page(where, offset, limit)

    def consenting(self, partner_id: str, purpose: str) -> set[str]:
        """Patients whose consent for this partner and purpose is in force now."""
        with self._uow() as uow:
            return uow.consents.consenting(partner_id, purpose, self._clock.now_us())

    def now_us(self) -> int:
        return self._clock.now_us()
