"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from node.api import problems
from node.api.routes import audit, identity, system
from node.bootstrap import Container


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="Hospital data-space node",
        version="0.1.0",
        description="医院可信数据空间节点 API. Errors are RFC 9457 problem+json; every route but /health "
        "needs a bearer token and a role.",
    )
    app.state.container = container
    problems.install(app)
    for module in (system, identity, audit):
        app.include_router(module.router)
    return app
