"""Federated training: partners start jobs under their contracts and download the models; the
hospital's staff see the jobs, stop them, and see what was trained on the hospital's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from node.api.deps import STAFF, container, require
from node.api.schemas_compute import JobDetailOut, JobIn, JobOut, ModelOut, StopIn, TrainedOut
from node.bootstrap import Container
from node.identity.model import PARTNER_ROLES, Principal, Role

router = APIRouter(prefix="/v1/fl", tags=["federated"])
PARTNER = tuple(sorted(PARTNER_ROLES))
VIEWERS = (*PARTNER, *STAFF)


@router.post("/jobs", status_code=201, response_model=JobOut)
def create_job(
    request: JobIn,
    me: Principal = Depends(require("fl.job.create", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Create a training job across the named hospitals, each round a use of the partner's contract
    there; the coordinator runs it (`hnode fl run`, the worker, or POST /v1/fl/jobs/{id}/start)."""
    return c.fl_jobs.create(me, request.raw()).view()


@router.post(
    "/jobs/{job_id}/start",
    response_model=JobOut,
    responses={409: {"description": "the job was already started; `state` is its state (nothing charged)"}},
)
def start_job(
    job_id: str,
    me: Principal = Depends(require("fl.job.start", *PARTNER, Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Hand a created job to this coordinator's SuperLink. A job runs once: starting a started job
    is 409 problem+json with the job's `state`, and no hospital is charged again."""
    from node.federated.flower.runtime import SuperLinkRuntime

    return c.fl_jobs.start(me, job_id, SuperLinkRuntime(c.settings.data_dir)).view()


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(
    me: Principal = Depends(require("fl.job.list", *VIEWERS)), c: Container = Depends(container)
) -> list[dict[str, Any]]:
    return [j.view() for j in c.fl_jobs.list_for(me)]


@router.get("/jobs/{job_id}", response_model=JobDetailOut)
def get_job(
    job_id: str, me: Principal = Depends(require("fl.job.get", *VIEWERS)), c: Container = Depends(container)
) -> dict[str, Any]:
    """A job with each round's metrics (AUC, accuracy, calibration, hospitals, ε, refusals)."""
    job = c.fl_jobs.get(me, job_id)
    rounds = [
        {"round": r.number, "metrics": r.metrics, "refused": r.refused, "at_us": r.at_us}
        for r in c.fl_jobs.rounds(me, job_id)
    ]
    return {**job.view(), "round_metrics": rounds}


@router.post("/jobs/{job_id}/stop", response_model=JobOut)
def stop_job(
    job_id: str,
    body: StopIn,
    me: Principal = Depends(require("fl.job.stop", *PARTNER, Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Ask the job to stop before its next round."""
    return c.fl_jobs.request_stop(me, job_id, body.reason).view()


@router.get("/models", response_model=list[ModelOut])
def list_models(
    me: Principal = Depends(require("fl.model.list", *VIEWERS)), c: Container = Depends(container)
) -> list[dict[str, Any]]:
    return [m.view() for m in c.fl_jobs.models(me)]


@router.get("/models/{model_id}", response_class=Response)
def download_model(
    model_id: str,
    me: Principal = Depends(require("fl.model.download", *PARTNER, Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> Response:
    """The model's canonical bytes (JSON), checked against its registered SM3 digest, which the
    ``X-Model-Digest-SM3`` header repeats; ``X-Model-Anchor-Tx`` names its chain anchor once written."""
    model, blob = c.fl_jobs.model(me, model_id)
    headers = {"X-Model-Digest-SM3": model.digest, "X-Model-Version": str(model.version)}
    if model.anchor:
        headers["X-Model-Anchor-Tx"] = str(model.anchor["tx_hash"])
    return Response(blob, media_type="application/json", headers=headers)


@router.get("/trained", response_model=list[TrainedOut])
def trained_here(
    me: Principal = Depends(require("fl.trained", *STAFF)), c: Container = Depends(container)
) -> list[dict[str, Any]]:
    """What federated training used this hospital's data: jobs, contracts, partners, rounds, ε."""
    return c.fl_jobs.trained_here(me)
