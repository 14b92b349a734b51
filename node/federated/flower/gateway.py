"""The SuperLink's public face: only Flower's Fleet API reaches it from the network.

Flower 1.41 serves three APIs on the SuperLink's one port: Fleet (SuperNodes pull and push
messages), Control (`flwr run`, `flwr supernode register`) and Runtime (ServerApp processes). Control
and Runtime have no authentication without Flower's OIDC plug-in, so anyone who reached that port
could register a SuperNode key of their own or submit a Flower App Bundle whose code every
hospital's SuperNode would then run. `hnode fl superlink` therefore binds the SuperLink to loopback
and publishes this gateway instead: it terminates TLS with the SuperLink's certificate and forwards
``POST /v1/fleet/*`` (and ``GET /health``) to it; every other path gets 404. Control stays on the
coordinator's host, where `hnode fl register` and `hnode fl run` use it.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_BODY_BYTES = 512 * 1024 * 1024  # a model's arrays travel in pushed objects
_DROP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "content-encoding"}


def _not_here(status: int, detail: str) -> JSONResponse:
    body = {"type": "about:blank", "title": "不可用 / Not available", "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def fleet_gateway(upstream: str, ca: Path) -> Starlette:
    """An ASGI app forwarding the Fleet API to ``upstream`` (https://localhost:PORT), checking its
    certificate against ``ca``."""
    client = httpx.AsyncClient(
        base_url=upstream, verify=ssl.create_default_context(cafile=str(ca)), timeout=120
    )

    async def fleet(request: Request) -> Response:
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return _not_here(413, "Fleet requests need a Content-Length of at most 512 MiB")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP}
        try:
            r = await client.post(request.url.path, content=await request.body(), headers=headers)
        except httpx.HTTPError:
            return _not_here(502, "the SuperLink behind this gateway is not answering")
        out = {k: v for k, v in r.headers.items() if k.lower() not in _DROP}
        return Response(r.content, status_code=r.status_code, headers=out)

    async def health(_: Request) -> Response:
        try:
            r = await client.get("/health")
        except httpx.HTTPError:
            return _not_here(502, "the SuperLink behind this gateway is not answering")
        return Response(r.content, status_code=r.status_code, media_type=r.headers.get("content-type"))

    async def elsewhere(request: Request) -> Response:
        return _not_here(404, "only the Fleet API is served here")

    routes = [
        Route("/v1/fleet/{rest:path}", fleet, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/{rest:path}", elsewhere, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=routes, lifespan=lifespan)
