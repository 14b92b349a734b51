"""SQL repository of the settlement queue (amounts stored in fen, read back in yuan)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, exc, func, insert, select, update

from node.adapters.db import tables as t
from node.settlement.ports import PULLED, QUEUED, SETTLED, ClaimFilter, ClaimRecord

_c = t.settlement_claims.c


def _fen(v: float | None) -> int | None:
    return None if v is None else round(v * 100)


def _yuan(v: int | None) -> float | None:
    return None if v is None else v / 100


class SqlClaimRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, c: ClaimRecord) -> bool:
        try:
            with self._c.begin_nested():
                self._c.execute(
                    insert(t.settlement_claims).values(
                        id=c.id,
                        contract_id=c.contract_id,
                        partner_id=c.partner_id,
                        encounter_id=c.encounter_id,
                        version=c.version,
                        status=c.status,
                        total_fen=_fen(c.total),
                        currency=c.currency,
                        package=c.package,
                        usage_id=c.usage_id,
                        submitted_by=c.submitted_by,
                        created_at_us=c.created_at_us,
                    )
                )
        except exc.IntegrityError:
            return False
        return True

    def get(self, claim_id: str) -> ClaimRecord | None:
        row = self._c.execute(select(t.settlement_claims).where(_c.id == claim_id)).first()
        return _claim(row) if row else None

    def find(self, contract_id: str, encounter_id: str, version: int) -> ClaimRecord | None:
        q = select(t.settlement_claims).where(
            _c.contract_id == contract_id, _c.encounter_id == encounter_id, _c.version == version
        )
        row = self._c.execute(q).first()
        return _claim(row) if row else None

    def unsettled(self, partner_id: str, contract_id: str | None, limit: int) -> list[ClaimRecord]:
        q = (
            select(t.settlement_claims)
            .where(_c.partner_id == partner_id, _c.status.in_([QUEUED, PULLED]))
            .order_by(_c.created_at_us, _c.id)
            .limit(limit)
        )
        if contract_id is not None:
            q = q.where(_c.contract_id == contract_id)
        return [_claim(r) for r in self._c.execute(q)]

    def mark_pulled(self, claim_ids: list[str], at_us: int) -> None:
        if claim_ids:
            self._c.execute(
                update(t.settlement_claims)
                .where(_c.id.in_(claim_ids), _c.status == QUEUED)
                .values(status=PULLED, pulled_at_us=at_us)
            )

    def settle(self, c: ClaimRecord) -> bool:
        done = self._c.execute(
            update(t.settlement_claims)
            .where(_c.id == c.id, _c.status != SETTLED)
            .values(
                status=SETTLED,
                payable_fen=_fen(c.payable),
                patient_share_fen=_fen(c.patient_share),
                response=c.response,
                response_signature=c.response_signature,
                settled_at_us=c.settled_at_us,
            )
        )
        return done.rowcount == 1

    def created_between(self, from_us: int, to_us: int, partner_id: str | None) -> list[ClaimRecord]:
        q = (
            select(t.settlement_claims)
            .where(_c.created_at_us >= from_us, _c.created_at_us < to_us)
            .order_by(_c.created_at_us, _c.id)
        )
        if partner_id is not None:
            q = q.where(_c.partner_id == partner_id)
        return [_claim(r) for r in self._c.execute(q)]

    def page(self, where: ClaimFilter, offset: int, limit: int) -> tuple[list[ClaimRecord], int]:
        conditions = [_c.created_at_us >= where.from_us, _c.created_at_us < where.to_us]
        if where.partner_id is not None:
            conditions.append(_c.partner_id == where.partner_id)
        if where.status is not None:
            conditions.append(_c.status == where.status)
        total = self._c.execute(select(func.count()).select_from(t.settlement_claims).where(*conditions))
        q = (
            select(t.settlement_claims)
            .where(*conditions)
            .order_by(_c.created_at_us.desc(), _c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_claim(r) for r in self._c.execute(q)], int(total.scalar_one())


def _claim(r: Row[Any]) -> ClaimRecord:
    m = r._mapping
    return ClaimRecord(
        id=m["id"],
        contract_id=m["contract_id"],
        partner_id=m["partner_id"],
        encounter_id=m["encounter_id"],
        version=m["version"],
        status=m["status"],
        total=float(_yuan(m["total_fen"]) or 0.0),
        currency=m["currency"],
        package=m["package"],
        usage_id=m["usage_id"],
        submitted_by=m["submitted_by"],
        created_at_us=m["created_at_us"],
        pulled_at_us=m["pulled_at_us"],
        payable=_yuan(m["payable_fen"]),
        patient_share=_yuan(m["patient_share_fen"]),
        response=m["response"],
        response_signature=m["response_signature"],
        settled_at_us=m["settled_at_us"],
    )
