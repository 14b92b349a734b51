"""SQL repositories of contracts, metering, the outbox and chain anchors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, or_, select, update

from node.adapters.db import tables as t
from node.anchoring.ports import AuditBatch, OutboxItem
from node.contracts.model import FINAL, Contract, Signature, State, Terms
from node.contracts.ports import ContractFilter, UsageRecord
from node.ports import AnchorReceipt


def _sig(d: dict[str, Any] | None) -> Signature | None:
    return Signature(**d) if d else None


def _contract(r: Row[Any]) -> Contract:
    return Contract(
        id=r.id,
        product_id=r.product_id,
        partner_id=r.partner_id,
        node_id=r.node_id,
        node_public_key=r.node_public_key,
        asset_ids=tuple(r.asset_ids),
        level=r.level,
        terms=Terms.parse(r.terms),
        state=State(r.state),
        version=r.version,
        requested_at_us=r.requested_at_us,
        updated_at_us=r.updated_at_us,
        uses=r.uses,
        epsilon_spent=r.epsilon_spent,
        needs_ethics=r.needs_ethics,
        reason=r.reason,
        approvals=tuple((a[0], a[1], a[2]) for a in r.approvals),
        partner_signature=_sig(r.partner_signature),
        node_signature=_sig(r.node_signature),
        digest=r.digest,
    )


def _row(c: Contract) -> dict[str, Any]:
    return {
        "product_id": c.product_id,
        "partner_id": c.partner_id,
        "node_id": c.node_id,
        "node_public_key": c.node_public_key,
        "asset_ids": list(c.asset_ids),
        "level": c.level,
        "terms": c.terms.as_dict(),
        "state": int(c.state),
        "version": c.version,
        "uses": c.uses,
        "epsilon_spent": c.epsilon_spent,
        "needs_ethics": c.needs_ethics,
        "reason": c.reason,
        "approvals": [list(a) for a in c.approvals],
        "partner_signature": asdict(c.partner_signature) if c.partner_signature else None,
        "node_signature": asdict(c.node_signature) if c.node_signature else None,
        "digest": c.digest,
        "requested_at_us": c.requested_at_us,
        "updated_at_us": c.updated_at_us,
    }


class SqlContractRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, contract: Contract) -> None:
        self._c.execute(insert(t.contracts).values(id=contract.id, **_row(contract)))

    def get(self, contract_id: str, for_update: bool = False) -> Contract | None:
        q = select(t.contracts).where(t.contracts.c.id == contract_id)
        if for_update:
            q = q.with_for_update()
        r = self._c.execute(q).first()
        return _contract(r) if r else None

    def lock_many(self, contract_ids: Sequence[str]) -> dict[str, Contract]:
        # rows are locked in id order, so two batches over the same contracts cannot deadlock
        q = (
            select(t.contracts)
            .where(t.contracts.c.id.in_(sorted(set(contract_ids))))
            .order_by(t.contracts.c.id)
            .with_for_update()
        )
        return {r.id: _contract(r) for r in self._c.execute(q)}

    def save(self, contract: Contract) -> None:
        self._c.execute(update(t.contracts).where(t.contracts.c.id == contract.id).values(**_row(contract)))

    def save_metering(self, contracts: Sequence[Contract]) -> None:
        if not contracts:
            return
        self._c.execute(  # one executemany: psycopg pipelines it into one round trip
            update(t.contracts)
            .where(t.contracts.c.id == bindparam("cid"))
            .values(
                uses=bindparam("uses"),
                epsilon_spent=bindparam("eps"),
                state=bindparam("st"),
                updated_at_us=bindparam("at"),
            ),
            [
                {
                    "cid": c.id,
                    "uses": c.uses,
                    "eps": c.epsilon_spent,
                    "st": int(c.state),
                    "at": c.updated_at_us,
                }
                for c in contracts
            ],
        )

    def query(self, partner_id: str | None = None, states: set[State] | None = None) -> list[Contract]:
        q = select(t.contracts).order_by(t.contracts.c.requested_at_us, t.contracts.c.id)
        if partner_id is not None:
            q = q.where(t.contracts.c.partner_id == partner_id)
        if states:
            q = q.where(t.contracts.c.state.in_([int(s) for s in states]))
        return [_contract(r) for r in self._c.execute(q)]

    def page(self, where: ContractFilter, offset: int, limit: int) -> tuple[list[Contract], int]:
        c = t.contracts.c
        conditions = []
        if where.partner_id is not None:
            conditions.append(c.partner_id == where.partner_id)
        if where.states:
            conditions.append(c.state.in_([int(s) for s in where.states]))
        if where.text:
            conditions.append(
                or_(
                    c.id.contains(where.text, autoescape=True),
                    c.partner_id.in_(sorted(where.partner_ids)),
                    c.product_id.in_(sorted(where.product_ids)),
                )
            )
        total = self._c.execute(select(func.count()).select_from(t.contracts).where(*conditions)).scalar_one()
        order = (c.requested_at_us.desc(), c.id.desc()) if where.newest_first else (c.requested_at_us, c.id)
        rows = self._c.execute(
            select(t.contracts).where(*conditions).order_by(*order).offset(offset).limit(limit)
        )
        return [_contract(r) for r in rows], int(total)

    def due_to_expire(self, now_us: int) -> list[str]:
        live = [int(s) for s in State if s not in FINAL]
        rows = self._c.execute(
            select(t.contracts.c.id, t.contracts.c.terms).where(t.contracts.c.state.in_(live))
        )
        return [r.id for r in rows if int(r.terms["valid_to_us"]) <= now_us]

    def add_usages(self, records: Sequence[UsageRecord]) -> None:
        if records:
            self._c.execute(insert(t.usage_records), [asdict(r) for r in records])

    def remove_usage(self, usage_id: str) -> None:
        self._c.execute(delete(t.usage_records).where(t.usage_records.c.id == usage_id))

    def usage_by_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], UsageRecord]:
        if not keys:
            return {}
        u = t.usage_records.c
        q = select(t.usage_records).where(
            u.contract_id.in_(sorted({c for c, _ in keys})),
            u.idempotency_key.in_(sorted({k for _, k in keys})),
        )
        found = (UsageRecord(**r._mapping) for r in self._c.execute(q))
        return {(r.contract_id, r.idempotency_key or ""): r for r in found}

    def usage(self, contract_id: str) -> list[UsageRecord]:
        q = (
            select(t.usage_records)
            .where(t.usage_records.c.contract_id == contract_id)
            .order_by(t.usage_records.c.at_us, t.usage_records.c.id)
        )
        return [UsageRecord(**r._mapping) for r in self._c.execute(q)]

    def usage_page(
        self, access_mode: str, principal_id: str | None, offset: int, limit: int
    ) -> tuple[list[UsageRecord], int]:
        u = t.usage_records.c
        conditions = [u.access_mode == access_mode]
        if principal_id is not None:
            conditions.append(u.principal_id == principal_id)
        total = self._c.execute(select(func.count()).select_from(t.usage_records).where(*conditions))
        q = (
            select(t.usage_records)
            .where(*conditions)
            .order_by(u.at_us.desc(), u.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [UsageRecord(**r._mapping) for r in self._c.execute(q)], int(total.scalar_one())


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, item: OutboxItem) -> None:
        self._c.execute(insert(t.outbox).values(**asdict(item)))

    def due(self, now_us: int, limit: int) -> list[OutboxItem]:
        q = (
            select(t.outbox)
            .where(t.outbox.c.delivered_at_us.is_(None), t.outbox.c.next_attempt_us <= now_us)
            .order_by(t.outbox.c.created_at_us, t.outbox.c.id)
            .limit(limit)
        )
        if self._c.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return [OutboxItem(**r._mapping) for r in self._c.execute(q)]

    def delivered(self, item_id: str, now_us: int) -> None:
        self._c.execute(
            update(t.outbox).where(t.outbox.c.id == item_id).values(delivered_at_us=now_us, last_error="")
        )

    def failed(self, item_id: str, error: str, next_attempt_us: int) -> None:
        self._c.execute(
            update(t.outbox)
            .where(t.outbox.c.id == item_id)
            .values(attempts=t.outbox.c.attempts + 1, last_error=error[:300], next_attempt_us=next_attempt_us)
        )

    def pending(self) -> list[OutboxItem]:
        q = select(t.outbox).where(t.outbox.c.delivered_at_us.is_(None)).order_by(t.outbox.c.created_at_us)
        return [OutboxItem(**r._mapping) for r in self._c.execute(q)]


class SqlAnchorRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, receipt: AnchorReceipt) -> None:
        self._c.execute(insert(t.anchors).values(**receipt.as_dict()))

    def get(self, digest: str) -> AnchorReceipt | None:
        r = self._c.execute(select(t.anchors).where(t.anchors.c.digest == digest)).first()
        return AnchorReceipt(**r._mapping) if r else None

    def by_ref(self, ref: str) -> list[AnchorReceipt]:
        rows = self._c.execute(
            select(t.anchors).where(t.anchors.c.ref == ref).order_by(t.anchors.c.block_number)
        )
        return [AnchorReceipt(**r._mapping) for r in rows]

    def add_batch(self, batch: AuditBatch) -> None:
        self._c.execute(insert(t.audit_batches).values(**asdict(batch)))

    def last_batch(self) -> AuditBatch | None:
        q = select(t.audit_batches).order_by(t.audit_batches.c.last_seq.desc()).limit(1)
        r = self._c.execute(q).first()
        return AuditBatch(**r._mapping) if r else None

    def batch_containing(self, seq: int) -> AuditBatch | None:
        q = select(t.audit_batches).where(
            t.audit_batches.c.first_seq <= seq, t.audit_batches.c.last_seq >= seq
        )
        r = self._c.execute(q).first()
        return AuditBatch(**r._mapping) if r else None
