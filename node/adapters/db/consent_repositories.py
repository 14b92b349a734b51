"""SQL repository of the consent registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from node.adapters.db import tables as t
from node.consent.model import Channel, Consent
from node.consent.ports import ConsentFilter


class SqlConsentRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, c: Consent) -> None:
        self._c.execute(
            insert(t.consents).values(
                id=c.id,
                patient_id=c.patient_id,
                partner_id=c.partner_id,
                purpose=c.purpose,
                valid_from_us=c.valid_from_us,
                valid_to_us=c.valid_to_us,
                channel=c.channel.value,
                evidence=c.evidence,
                recorded_by=c.recorded_by,
                recorded_at_us=c.recorded_at_us,
                withdrawn_at_us=c.withdrawn_at_us,
                withdrawn_by=c.withdrawn_by,
            )
        )

    def get(self, consent_id: str) -> Consent | None:
        row = self._c.execute(select(t.consents).where(t.consents.c.id == consent_id)).first()
        return _consent(row) if row else None

    def withdraw(self, consent_id: str, by: str, at_us: int) -> None:
        self._c.execute(
            update(t.consents)
            .where(t.consents.c.id == consent_id, t.consents.c.withdrawn_at_us.is_(None))
            .values(withdrawn_at_us=at_us, withdrawn_by=by)
        )

    def find(
        self, patient_id: str | None = None, partner_id: str | None = None, purpose: str | None = None
    ) -> list[Consent]:
        q = select(t.consents).order_by(t.consents.c.recorded_at_us, t.consents.c.id)
        if patient_id is not None:
            q = q.where(t.consents.c.patient_id == patient_id)
        if partner_id is not None:
            q = q.where(t.consents.c.partner_id == partner_id)
        if purpose is not None:
            q = q.where(t.consents.c.purpose == purpose)
        return [_consent(r) for r in self._c.execute(q)]

    def page(self, where: ConsentFilter, offset: int, limit: int) -> tuple[list[Consent], int]:
        c = t.consents.c
        conditions = []
        if where.patient_id is not None:
            conditions.append(c.patient_id == where.patient_id)
        if where.partner_id is not None:
            conditions.append(c.partner_id == where.partner_id)
        if where.purpose is not None:
            conditions.append(c.purpose == where.purpose)
        if where.state == "withdrawn":
            conditions.append(c.withdrawn_at_us.is_not(None))
        elif where.state == "in_force":
            conditions += [
                c.withdrawn_at_us.is_(None),
                c.valid_from_us <= where.now_us,
                c.valid_to_us > where.now_us,
            ]
        elif where.state == "expired":
            conditions += [c.withdrawn_at_us.is_(None), c.valid_to_us <= where.now_us]
        total = self._c.execute(select(func.count()).select_from(t.consents).where(*conditions))
        q = (
            select(t.consents)
            .where(*conditions)
            .order_by(c.recorded_at_us.desc(), c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_consent(r) for r in self._c.execute(q)], int(total.scalar_one())

    def consenting(self, partner_id: str, purpose: str, now_us: int) -> set[str]:
        c = t.consents.c
        q = select(c.patient_id).where(
            c.partner_id == partner_id,
            c.purpose == purpose,
            c.withdrawn_at_us.is_(None),
            c.valid_from_us <= now_us,
            c.valid_to_us > now_us,
        )
        return {r[0] for r in self._c.execute(q)}


def _consent(r: Row[Any]) -> Consent:
    m = r._mapping
    return Consent(
        id=m["id"],
        patient_id=m["patient_id"],
        partner_id=m["partner_id"],
        purpose=m["purpose"],
        valid_from_us=m["valid_from_us"],
        valid_to_us=m["valid_to_us"],
        channel=Channel(m["channel"]),
        evidence=m["evidence"],
        recorded_by=m["recorded_by"],
        recorded_at_us=m["recorded_at_us"],
        withdrawn_at_us=m["withdrawn_at_us"],
        withdrawn_by=m["withdrawn_by"],
    )
