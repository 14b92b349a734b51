"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from node import node_version
from node.api import api_docs, problems
from node.api.console_static import mount_console
from node.api.input_guard import InputGuardMiddleware
from node.api.monitoring import Metrics, MetricsMiddleware
from node.api.observability import RequestContextMiddleware
from node.api.routes import (
    anonymize,
    audit,
    consent,
    console,
    contracts,
    dataspace,
    fl,
    he,
    identity,
    ops,
    psi,
    queries,
    registry,
    research,
    settlement,
    system,
)
from node.bootstrap import Container
from node.he_query.params import MAX_JOB_BYTES


def create_app(container: Container, *, access_log: bool | None = None) -> FastAPI:
    app = FastAPI(
        openapi_url="/openapi.json",  # public, as is /docs: no data in it; the routes still need a token
        docs_url=None,  # served by api_docs with local assets
        redoc_url=None,
        title="Hospital data-space node",
        version=node_version(),
        description="医院可信数据空间节点 API. Errors are RFC 9457 problem+json (the Dataspace Protocol "
        "routes answer its error objects). Every route needs a bearer token and one of the roles in its "
        "`x-roles`, but the documentation and the routes marked `x-public`, which say why.",
    )
    app.state.container = container
    problems.install(app)
    dataspace.install(app)
    routers = (system, ops, identity, audit, registry, contracts, he, fl, anonymize, console)
    for module in (*routers, consent, psi, queries, dataspace, research, settlement):
        app.include_router(module.router)
    mount_console(app)  # the officer console at /console, once built
    api_docs.install(app)
    s = container.settings
    app.state.missing_settings = api_docs.missing_settings(app, s)
    # the last added is the outermost: request ids and the access log see what the guard refuses,
    # and the metrics count every answer, refusals included
    app.state.metrics = Metrics(container)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        InputGuardMiddleware, max_body_bytes=s.max_body_bytes, limits={"/v1/he/": MAX_JOB_BYTES}
    )
    app.add_middleware(
        RequestContextMiddleware,
        on_unexpected=problems.unexpected,
        access_log_enabled=s.access_log if access_log is None else access_log,
    )
    return app


def app_from_settings() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-process serving: each worker wires its own node."""
    from node.bootstrap import build_container
    from node.config import load_settings

    return create_app(build_container(load_settings()))
