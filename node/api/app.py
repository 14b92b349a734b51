"""FastAPI application factory."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from node.api import problems
from node.api.deps import ANY_ROLE, require
from node.api.routes import (
    anonymize,
    audit,
    consent,
    contracts,
    fl,
    he,
    identity,
    psi,
    queries,
    registry,
    system,
)
from node.bootstrap import Container
from node.identity.model import Principal


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        openapi_url=None,  # served below, behind authentication like every route but /health
        docs_url=None,
        redoc_url=None,
        title="Hospital data-space node",
        version="0.1.0",
        description="医院可信数据空间节点 API. Errors are RFC 9457 problem+json; every route but /health "
        "needs a bearer token and a role.",
    )
    app.state.container = container
    problems.install(app)
    for module in (system, identity, audit, registry, contracts, he, fl, anonymize, consent, psi, queries):
        app.include_router(module.router)

    @app.get("/v1/openapi.json", tags=["system"], summary="OpenAPI description of this API")
    def openapi(_: Principal = Depends(require("openapi", *ANY_ROLE))) -> dict[str, Any]:
        return app.openapi()

    return app


def app_from_settings() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-process serving: each worker wires its own node."""
    from node.bootstrap import build_container
    from node.config import load_settings

    return create_app(build_container(load_settings()))
