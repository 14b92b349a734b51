"""What the runtime that runs training jobs (simulation, or the coordinator's SuperLink and its
ServerApp) reports to the coordinator's job registry: it claims a job, says it started, records each
round, asks whether to stop, and ends or completes the job, whose model is then registered with its
SM3 digest, queued for anchoring in the same transaction.

Every transition happens under the job's row lock. A job is claimed once: starting a job that was
already started (by the worker, another `hnode fl run`, or over the API) is refused with its state
and changes nothing, so no hospital is charged for a round twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.contracts.ports import OutboxItem
from node.errors import Conflict, NotFound
from node.federated.jobs import (
    JobState,
    RegisteredModel,
    RoundRecord,
    TrainingJob,
    model_bytes,
    model_digest,
)
from node.federated.ports import FederatedUnitOfWork, ModelFiles
from node.federated.spec import JobSpec
from node.ports import Clock


class JobAlreadyStarted(Conflict):
    """A start of a job that is no longer waiting; ``state`` is the job's state (HTTP 409)."""

    def __init__(self, job: TrainingJob) -> None:
        super().__init__(
            f"training job {job.id} was already started: it is {job.state.value}", code="fl_job_started"
        )
        self.state = job.state.value
        self.extensions = {"state": job.state.value}


# a job claimed this long ago and still not running was left by a crash (see ``resume_interrupted``)
START_GRACE_US = 10 * 60 * 1_000_000


def _interrupted(job: TrainingJob, cutoff_us: int) -> bool:
    return job.state == JobState.STARTING and job.updated_at_us <= cutoff_us


def locked_job(uow: FederatedUnitOfWork, job_id: str) -> TrainingJob:
    job = uow.fl.get(job_id, for_update=True)
    if job is None:
        raise NotFound(f"training job {job_id} not found", code="fl_job_not_found")
    return job


def job_event(
    actor: str, action: str, job: TrainingJob, outcome: Outcome = Outcome.SUCCESS, **details: Any
) -> AuditEvent:
    return AuditEvent(actor, action, "fl_job", job.id, outcome, {"state": job.state.value, **details})


class FlCoordinatorService:
    """The coordinator's callbacks: used by the runtimes, never by partners or officers directly."""

    def __init__(
        self,
        uow_factory: Callable[[], FederatedUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        files: ModelFiles,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._files = files

    def load(self, job_id: str) -> TrainingJob:
        """A job as the runtime that runs it sees it (no viewer)."""
        with self._uow() as uow:
            job = uow.fl.get(job_id)
        if job is None:
            raise NotFound(f"training job {job_id} not found", code="fl_job_not_found")
        return job

    def waiting(self) -> list[TrainingJob]:
        """Jobs created and not yet claimed by a runtime, oldest first."""
        with self._uow() as uow:
            jobs = [j for j in uow.fl.query(active_only=True) if j.state == JobState.CREATED]
        return sorted(jobs, key=lambda j: j.created_at_us)

    def claim(self, job_id: str, actor: str, runtime: str) -> TrainingJob:
        """Take a created job for a runtime (CREATED -> STARTING) under its row lock. Raises
        ``JobAlreadyStarted`` (audited) for any other state: a job runs once."""
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            if job.state != JobState.CREATED:
                self._audit.record(
                    uow, job_event(actor, "fl.job.start", job, Outcome.DENIED, runtime=runtime)
                )
                uow.commit()
                refusal = JobAlreadyStarted(job)
                refusal.audited = True
                raise refusal
            job = job.to(JobState.STARTING, self._clock.now_us())
            uow.fl.save(job)
            uow.commit()
        return job

    def resume_interrupted(self) -> list[TrainingJob]:
        """Hand back jobs a crash left claimed: a job still STARTING ``START_GRACE_US`` after its claim
        was claimed by a process that died between the claim and the runtime's start report (a run
        that was submitted reports its start within seconds). Each goes back to CREATED under its row
        lock (audited ``fl.job.resume``), and the next start or worker cycle submits it again. Calling
        this again changes nothing; a resubmitted run's rounds are metered under the same keys (per
        contract, job and round), so no hospital is charged twice."""
        now = self._clock.now_us()
        cutoff = now - START_GRACE_US
        with self._uow() as uow:
            stale = [j.id for j in uow.fl.query(active_only=True) if _interrupted(j, cutoff)]
        resumed = []
        for job_id in stale:
            with self._uow() as uow:
                job = locked_job(uow, job_id)
                if not _interrupted(job, cutoff):  # started or resumed meanwhile
                    continue
                job = job.to(JobState.CREATED, now)
                uow.fl.save(job)
                self._audit.record(uow, job_event("system", "fl.job.resume", job, reason="start_interrupted"))
                uow.commit()
            resumed.append(job)
        return resumed

    def release(self, job_id: str) -> TrainingJob:
        """The runtime could not take a claimed job (its SuperLink is down): it waits again."""
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            if job.state != JobState.STARTING:
                return job
            job = job.to(JobState.CREATED, self._clock.now_us())
            uow.fl.save(job)
            uow.commit()
        return job

    def started(self, job_id: str, run: str = "") -> TrainingJob:
        """The runtime runs the job (a second report, e.g. submitted then started, changes nothing)."""
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            if job.state == JobState.RUNNING:
                return job
            job = job.to(JobState.RUNNING, self._clock.now_us())
            uow.fl.save(job)
            self._audit.record(uow, job_event("system", "fl.job.start", job, run=run))
            uow.commit()
        return job

    def record_round(self, job_id: str, number: int, metrics: dict[str, float], refused: list[str]) -> None:
        now = self._clock.now_us()
        clean = {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            if job.state != JobState.RUNNING:
                raise Conflict(f"training job {job_id} is not running", code="fl_job_not_running")
            uow.fl.add_round(RoundRecord(job_id, number, clean, list(refused), now))
            job = replace(
                job, rounds_done=number, epsilon_spent=job.spec.epsilon_after(number), updated_at_us=now
            )
            uow.fl.save(job)
            self._audit.record(
                uow, job_event("system", "fl.job.round", job, round=number, refused=len(refused))
            )
            uow.commit()

    def stop_requested(self, job_id: str) -> str | None:
        with self._uow() as uow:
            job = uow.fl.get(job_id)
        return job.stop_reason or None if job is not None else "the job is gone"

    def end(self, job_id: str, state: str, code: str, reason: str) -> TrainingJob:
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            job = job.to(JobState(state), self._clock.now_us(), code=code, reason=reason)
            uow.fl.save(job)
            self._audit.record(uow, job_event("system", f"fl.job.{state}", job, code=code))
            uow.commit()
        return job

    def complete(self, job_id: str, arrays: list[Any]) -> RegisteredModel:
        """Register the model (file first, then the row and its anchor request in one transaction)."""
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            last = uow.fl.rounds(job_id)
            version = 1 + sum(1 for m in uow.fl.models(job.partner_id) if m.name == model_name(job.spec))
        blob = model_bytes(job.spec.model, job.spec.features, arrays)
        digest = model_digest(blob)
        now = self._clock.now_us()
        model = RegisteredModel(
            "mdl_" + secrets.token_hex(8),
            job_id,
            job.partner_id,
            model_name(job.spec),
            version,
            digest,
            len(blob),
            last[-1].metrics if last else {},
            {k: {"contract_id": p.contract_id} for k, p in job.spec.participants.items()},
            job.spec.epsilon_after(job.rounds_done),
            now,
        )
        self._files.put(model.id, blob)
        with self._uow() as uow:
            job = locked_job(uow, job_id).to(JobState.COMPLETED, now, model_id=model.id)
            uow.fl.add_model(model)
            uow.fl.save(job)
            uow.outbox.add(OutboxItem("ob_" + secrets.token_hex(8), "model", model.id, digest, now))
            self._audit.record(
                uow,
                job_event("system", "fl.job.completed", job),
                AuditEvent(
                    "system",
                    "fl.model.register",
                    "fl_model",
                    model.id,
                    details={"digest": digest, "job": job_id},
                ),
            )
            uow.commit()
        return model


def model_name(spec: JobSpec) -> str:
    """``logreg-e11`` for a diagnosis group, ``mlp-4548-4`` for a lab threshold."""
    out = spec.clinical_inputs.outcome
    what = out.loinc or "-".join(out.prefixes)
    return f"{spec.model}-{what.lower().replace('.', '')}"
