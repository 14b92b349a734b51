"""Readiness (no authentication, for orchestrators) and Prometheus metrics (admin token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node.api.deps import container, require
from node.api.monitoring import Metrics, readiness
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter()


@router.get(
    "/ready",
    tags=["system"],
    summary="Readiness: database at the schema head, policy engine, node key, chain (no authentication)",
    responses={503: {"description": "A dependency is not ready; `checks` names it"}},
)
def ready(c: Container = Depends(container)) -> JSONResponse:
    checks = readiness(c)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )


@router.get("/metrics", tags=["system"], summary="Prometheus metrics (admin token)")
def metrics(request: Request, _: Principal = Depends(require("metrics.read", Role.ADMIN))) -> Response:
    m: Metrics = request.app.state.metrics
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
