"""Readiness (no authentication, for orchestrators) and Prometheus metrics (admin token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from node.api.deps import container, public, require
from node.api.monitoring import Metrics, readiness
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter()


class ReadyOut(BaseModel):
    """The node's readiness and the state of each dependency."""

    status: str = Field(description="ready or not_ready")
    checks: dict[str, str] = Field(
        description='database, migrations, policy, node_key, chain: "ok" or a short reason (no secrets)'
    )


@router.get(
    "/ready",
    tags=["system"],
    summary="Readiness: database at the schema head, policy engine, node key, chain (no authentication)",
    response_model=None,
    responses={
        200: {"model": ReadyOut, "description": "Every dependency is ready"},
        503: {"model": ReadyOut, "description": "A dependency is not ready; `checks` names it"},
    },
    openapi_extra=public("orchestrators probe it without a token; it names no data"),
)
def ready(c: Container = Depends(container)) -> JSONResponse:
    checks = readiness(c)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )


@router.get(
    "/metrics",
    tags=["system"],
    summary="Prometheus metrics (admin token)",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format",
        }
    },
)
def metrics(request: Request, _: Principal = Depends(require("metrics.read", Role.ADMIN))) -> Response:
    m: Metrics = request.app.state.metrics
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
