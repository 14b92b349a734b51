"""SQL repository of federated training jobs, their rounds and registered models."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, Select, func, insert, select, update

from node.adapters.db import tables as t
from node.federated.jobs import JobState, RegisteredModel, RoundRecord, TrainingJob
from node.federated.spec import JobSpec

_ACTIVE = (JobState.CREATED.value, JobState.STARTING.value, JobState.RUNNING.value)


def _job(r: Row[Any]) -> TrainingJob:
    return TrainingJob(
        id=r.id,
        partner_id=r.partner_id,
        spec=JobSpec.from_json(json.dumps(r.spec)),
        state=JobState(r.state),
        created_at_us=r.created_at_us,
        updated_at_us=r.updated_at_us,
        rounds_done=r.rounds_done,
        epsilon_spent=r.epsilon_spent,
        code=r.code,
        reason=r.reason,
        stop_reason=r.stop_reason,
        model_id=r.model_id,
    )


def _row(j: TrainingJob) -> dict[str, Any]:
    return {
        "partner_id": j.partner_id,
        "spec": json.loads(j.spec.to_json()),
        "state": j.state.value,
        "rounds_done": j.rounds_done,
        "epsilon_spent": j.epsilon_spent,
        "code": j.code,
        "reason": j.reason[:1000],
        "stop_reason": j.stop_reason[:500],
        "model_id": j.model_id,
        "created_at_us": j.created_at_us,
        "updated_at_us": j.updated_at_us,
    }


def _model(r: Row[Any]) -> RegisteredModel:
    return RegisteredModel(**r._mapping)


class SqlTrainingJobRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, job: TrainingJob) -> None:
        self._c.execute(insert(t.fl_jobs).values(id=job.id, **_row(job)))

    def get(self, job_id: str, for_update: bool = False) -> TrainingJob | None:
        q = select(t.fl_jobs).where(t.fl_jobs.c.id == job_id)
        if for_update:
            q = q.with_for_update()
        row = self._c.execute(q).first()
        return _job(row) if row else None

    def save(self, job: TrainingJob) -> None:
        self._c.execute(update(t.fl_jobs).where(t.fl_jobs.c.id == job.id).values(**_row(job)))

    def query(
        self,
        partner_id: str | None = None,
        active_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[TrainingJob]:
        q = select(t.fl_jobs).order_by(t.fl_jobs.c.created_at_us.desc(), t.fl_jobs.c.id)
        q = _where(q, partner_id, active_only).offset(offset).limit(limit)
        return [_job(r) for r in self._c.execute(q)]

    def count(self, partner_id: str | None = None) -> int:
        q = _where(select(func.count()).select_from(t.fl_jobs), partner_id, False)
        return int(self._c.execute(q).scalar_one())

    def add_round(self, record: RoundRecord) -> None:
        self._c.execute(insert(t.fl_rounds).values(**record.__dict__))

    def rounds(self, job_id: str) -> list[RoundRecord]:
        q = select(t.fl_rounds).where(t.fl_rounds.c.job_id == job_id).order_by(t.fl_rounds.c.number)
        return [RoundRecord(**r._mapping) for r in self._c.execute(q)]

    def add_model(self, model: RegisteredModel) -> None:
        values = {k: v for k, v in model.__dict__.items() if k != "anchor"}
        self._c.execute(insert(t.fl_models).values(**values))

    def get_model(self, model_id: str) -> RegisteredModel | None:
        row = self._c.execute(select(t.fl_models).where(t.fl_models.c.id == model_id)).first()
        return _model(row) if row else None

    def models(self, partner_id: str | None = None) -> list[RegisteredModel]:
        q = select(t.fl_models).order_by(t.fl_models.c.created_at_us.desc())
        if partner_id is not None:
            q = q.where(t.fl_models.c.partner_id == partner_id)
        return [_model(r) for r in self._c.execute(q)]


def _where(q: Select[Any], partner_id: str | None, active_only: bool) -> Select[Any]:
    if partner_id is not None:
        q = q.where(t.fl_jobs.c.partner_id == partner_id)
    if active_only:
        q = q.where(t.fl_jobs.c.state.in_(_ACTIVE))
    return q
