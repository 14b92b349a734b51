"""SQL repositories of Dataspace Protocol negotiations, transfer processes and consumer callbacks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from node.adapters.db import tables as t
from node.dataspace.model import DSP_FINAL, DspState, Negotiation, Transfer, TransferState
from node.dataspace.ports import Callback


def _negotiation(r: Row[Any]) -> Negotiation:
    return Negotiation(**{**r._mapping, "state": DspState(r.state)})


def _transfer(r: Row[Any]) -> Transfer:
    return Transfer(**{**r._mapping, "state": TransferState(r.state)})


class SqlNegotiationRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, negotiation: Negotiation) -> None:
        self._c.execute(
            insert(t.dsp_negotiations).values(**{**asdict(negotiation), "state": negotiation.state.value})
        )

    def get(self, provider_pid: str, for_update: bool = False) -> Negotiation | None:
        q = select(t.dsp_negotiations).where(t.dsp_negotiations.c.provider_pid == provider_pid)
        if for_update:
            q = q.with_for_update()
        row = self._c.execute(q).first()
        return _negotiation(row) if row else None

    def by_consumer(self, partner_id: str, consumer_pid: str) -> Negotiation | None:
        c = t.dsp_negotiations.c
        row = self._c.execute(
            select(t.dsp_negotiations).where(c.partner_id == partner_id, c.consumer_pid == consumer_pid)
        ).first()
        return _negotiation(row) if row else None

    def by_contract(self, contract_id: str) -> Negotiation | None:
        q = select(t.dsp_negotiations).where(t.dsp_negotiations.c.contract_id == contract_id)
        row = self._c.execute(q).first()
        return _negotiation(row) if row else None

    def save(self, negotiation: Negotiation) -> None:
        values = {**asdict(negotiation), "state": negotiation.state.value}
        self._c.execute(
            update(t.dsp_negotiations)
            .where(t.dsp_negotiations.c.provider_pid == negotiation.provider_pid)
            .values(**values)
        )

    def open_ids(self) -> list[str]:
        c = t.dsp_negotiations.c
        q = (
            select(c.provider_pid)
            .where(c.state.not_in([s.value for s in DSP_FINAL]))
            .order_by(c.created_at_us)
        )
        return [r.provider_pid for r in self._c.execute(q)]


class SqlTransferRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, transfer: Transfer) -> None:
        self._c.execute(insert(t.dsp_transfers).values(**{**asdict(transfer), "state": transfer.state.value}))

    def get(self, provider_pid: str, for_update: bool = False) -> Transfer | None:
        q = select(t.dsp_transfers).where(t.dsp_transfers.c.provider_pid == provider_pid)
        if for_update:
            q = q.with_for_update()
        row = self._c.execute(q).first()
        return _transfer(row) if row else None

    def by_consumer(self, partner_id: str, consumer_pid: str) -> Transfer | None:
        c = t.dsp_transfers.c
        row = self._c.execute(
            select(t.dsp_transfers).where(c.partner_id == partner_id, c.consumer_pid == consumer_pid)
        ).first()
        return _transfer(row) if row else None

    def save(self, transfer: Transfer) -> None:
        values = {**asdict(transfer), "state": transfer.state.value}
        self._c.execute(
            update(t.dsp_transfers)
            .where(t.dsp_transfers.c.provider_pid == transfer.provider_pid)
            .values(**values)
        )

    def requested_ids(self) -> list[str]:
        c = t.dsp_transfers.c
        q = select(c.provider_pid).where(c.state == TransferState.REQUESTED.value).order_by(c.created_at_us)
        return [r.provider_pid for r in self._c.execute(q)]


class SqlCallbackRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, callback: Callback) -> None:
        self._c.execute(insert(t.dsp_callbacks).values(**asdict(callback)))

    def due(self, now_us: int, limit: int) -> list[Callback]:
        c = t.dsp_callbacks.c
        q = (
            select(t.dsp_callbacks)
            .where(c.delivered_at_us.is_(None), c.next_attempt_us <= now_us)
            .order_by(c.created_at_us, c.id)
            .limit(limit)
        )
        if self._c.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return [Callback(**r._mapping) for r in self._c.execute(q)]

    def delivered(self, callback_id: str, now_us: int, body: dict[str, Any] | None = None) -> None:
        values: dict[str, Any] = {"delivered_at_us": now_us, "last_error": ""}
        if body is not None:
            values["body"] = body
        self._c.execute(update(t.dsp_callbacks).where(t.dsp_callbacks.c.id == callback_id).values(**values))

    def failed(self, callback_id: str, error: str, next_attempt_us: int) -> None:
        c = t.dsp_callbacks.c
        self._c.execute(
            update(t.dsp_callbacks)
            .where(c.id == callback_id)
            .values(attempts=c.attempts + 1, last_error=error[:300], next_attempt_us=next_attempt_us)
        )

    def for_process(self, process: str) -> list[Callback]:
        c = t.dsp_callbacks.c
        q = select(t.dsp_callbacks).where(c.process == process).order_by(c.created_at_us, c.id)
        return [Callback(**r._mapping) for r in self._c.execute(q)]
