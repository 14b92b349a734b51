"""Homomorphic-encryption queries: sessions, encrypted scoring, encrypted aggregates, combining."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from node.api.deps import ANY_ROLE, container, require
from node.api.schemas_compute import (
    AggregateIn,
    AggregateOut,
    CombinedOut,
    CombineIn,
    HeJobOut,
    RiskModelOut,
    ScoreIn,
    ScoreJobIn,
    ScoresOut,
    SessionOut,
)
from node.bootstrap import Container
from node.errors import InvalidInput
from node.he_query.params import (
    MAX_CIPHERTEXT_BYTES,
    MAX_CONTEXT_BYTES,
    MAX_FEATURE_CIPHERTEXTS,
    MAX_JOB_BYTES,
)
from node.identity.model import PARTNER_ROLES, Principal, Role

router = APIRouter(prefix="/v1/he", tags=["he"])
PARTNER = tuple(sorted(PARTNER_ROLES))
MAX_JSON_BYTES = (MAX_FEATURE_CIPHERTEXTS * MAX_CIPHERTEXT_BYTES * 4) // 3 + 65536


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not base64", code="he_ciphertext_malformed") from None


def _limit(request: Request, limit: int) -> None:
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > limit:
        raise InvalidInput(
            f"request bodies here are at most {limit} bytes (with Content-Length)",
            code="he_payload_too_large",
        )


@router.post("/sessions", response_model=SessionOut)
async def open_session(
    request: Request,
    scheme: str = Query(description="ckks-scoring, bfv-counts or ckks-sums"),
    me: Principal = Depends(require("he.session", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Register a *public* TenSEAL context (body: its serialized bytes, application/octet-stream) once
    per session; refused if it holds a secret key or other parameters than the node's."""
    _limit(request, MAX_CONTEXT_BYTES)
    body = await request.body()
    return c.he.open_session(me, scheme, body)


@router.post("/score", response_model=ScoresOut)
def score(
    body: ScoreIn,
    request: Request,
    me: Principal = Depends(require("he.score", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Risk scores of many applicants at once (feature j of every applicant in ciphertext j)."""
    _limit(request, MAX_JSON_BYTES)
    features = [_b64(f, "a feature ciphertext") for f in body.features]
    result = c.he.score(me, body.contract_id, body.session, features)
    return {"scores": base64.b64encode(result).decode()}


@router.post("/jobs/score", status_code=202, response_model=HeJobOut)
def score_job(
    body: ScoreJobIn,
    request: Request,
    me: Principal = Depends(require("he.score", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Score several batches as one query, in the background; poll ``GET /v1/he/jobs/{id}``."""
    _limit(request, MAX_JOB_BYTES)
    batches = [[_b64(f, "a feature ciphertext") for f in batch] for batch in body.batches]
    return c.he.score_job(me, body.contract_id, body.session, batches).view()


@router.get("/jobs/{job_id}", response_model=HeJobOut)
def job(
    job_id: str,
    me: Principal = Depends(require("he.job", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """A job's state and progress; when done, its encrypted results."""
    j = c.he.job(me, job_id)
    view = j.view()
    if j.state == "done":
        view["scores"] = [base64.b64encode(b).decode() for b in j.result]
    return view


@router.post("/aggregate", response_model=AggregateOut)
def aggregate(
    body: AggregateIn,
    me: Principal = Depends(require("he.aggregate", *PARTNER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """This hospital's noisy cohort statistics, encrypted under the requester's keys."""
    out = c.he.aggregate(
        me, body.contract_id, body.counts_session, body.sums_session, body.condition, body.epsilon
    )
    return {
        "hospital": out.hospital,
        "counts": base64.b64encode(out.counts).decode(),
        "sums": base64.b64encode(out.sums).decode(),
        "count_names": out.count_names,
        "sum_names": out.sum_names,
        "noise": out.noise,
    }


@router.post("/combine", response_model=CombinedOut)
def combine(
    body: CombineIn,
    request: Request,
    me: Principal = Depends(require("he.combine", Role.COORDINATOR)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The coordinator adds the hospitals' ciphertexts; it cannot read them, nor the total."""
    _limit(request, MAX_JSON_BYTES)
    parts = [_b64(p, "a part") for p in body.parts]
    return {"total": base64.b64encode(c.he.combine(me, body.session, body.scheme, parts)).decode()}


@router.get("/models/{product_id}", response_model=RiskModelOut)
def model(
    product_id: str,
    _: Principal = Depends(require("he.model", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The features (LOINC codes and units) a risk model reads, in order, and its digest."""
    m = c.he.model(product_id)
    return {**m.public(), "digest": m.digest()}


@router.post("/models/{product_id}/train", response_model=RiskModelOut)
def train(
    product_id: str,
    target: str = Query(
        "E11",
        max_length=200,
        description="cohort to predict: an ICD-10 prefix (E11) or SYSTEM|PREFIX "
        "(snomed_ct|44054006, loinc, atc, rxnorm, a local system)",
    ),
    me: Principal = Depends(require("he.train", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Train the product's risk model on the hospital's own assets (weights never leave)."""
    m = c.he.train(me, product_id, target)
    return {**m.public(), "digest": m.digest(), "training": m.training}
