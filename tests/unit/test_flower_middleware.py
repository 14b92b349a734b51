"""Flower's HTTP middleware scoped to the requests it acts on (node/federated/flower/middleware.py):
a layer runs, unchanged, on its API's paths and is skipped elsewhere; Flower's order is kept."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from node.federated.flower import middleware

SEEN: list[str] = []


class Stamping(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Any:
        SEEN.append(request.url.path)
        response = await call_next(request)
        response.headers["x-stamped"] = "1"
        return response


def _client(applies: Any) -> TestClient:
    async def ok(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [
        Route("/v1/control/start-run", ok, methods=["POST"]),
        Route("/v1/fleet/pull-messages", ok, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes, middleware=[Middleware(middleware.PathScoped, middleware=Stamping, applies=applies)]
    )
    return TestClient(app)


def test_a_scoped_layer_runs_on_its_paths_and_is_skipped_elsewhere() -> None:
    SEEN.clear()
    client = _client(middleware.control_path)
    control = client.post("/v1/control/start-run")
    fleet = client.post("/v1/fleet/pull-messages")
    assert control.text == fleet.text == "ok"
    assert control.headers.get("x-stamped") == "1"
    assert "x-stamped" not in fleet.headers
    assert SEEN == ["/v1/control/start-run"]


def test_tracing_follows_the_environment_on_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    SEEN.clear()
    client = _client(middleware.tracing_enabled)
    monkeypatch.delenv("FLWR_TRACING_ENABLED", raising=False)
    assert "x-stamped" not in client.post("/v1/fleet/pull-messages").headers
    monkeypatch.setenv("FLWR_TRACING_ENABLED", "1")
    assert client.post("/v1/fleet/pull-messages").headers.get("x-stamped") == "1"


def test_the_superlinks_stack_keeps_flowers_order_and_scopes_only_the_layers_that_skip_other_apis() -> None:
    import flwr.superlink.main as superlink_app
    from flwr.supercore.protobuf.translation import ProtobufTranslationMiddleware
    from flwr.superlink.routers.fleet.node_auth import NodeAuthMiddleware

    flower = superlink_app._get_middleware()
    ours = middleware.scoped(flower)
    assert len(ours) == len(flower)
    inner = [m.kwargs["middleware"] if m.cls is middleware.PathScoped else m.cls for m in ours]
    assert inner == [m.cls for m in flower]  # same layers, same order
    wrapped = {m.kwargs["middleware"]: m.kwargs["applies"] for m in ours if m.cls is middleware.PathScoped}
    assert len(wrapped) == 7
    assert ProtobufTranslationMiddleware not in wrapped  # every request is translated
    assert all(m.cls is BaseHTTPMiddleware for m in ours if m.kwargs.get("dispatch"))  # the error translator
    # SuperNode authentication still runs on every Fleet request, and on nothing else
    assert wrapped[NodeAuthMiddleware]({"type": "http", "path": "/v1/fleet/push-messages"})
    assert not wrapped[NodeAuthMiddleware]({"type": "http", "path": "/v1/runtime/pull-messages"})
    # the Fleet event log only where the app has its plugin
    from flwr.superlink.routers.fleet.middlewares import FleetEventLogMiddleware
    from starlette.datastructures import State

    app = Starlette()
    fleet = {"type": "http", "path": "/v1/fleet/push-messages", "app": app}
    assert not wrapped[FleetEventLogMiddleware](fleet)
    app.state = State({"fleet_event_log_plugin": object()})
    assert wrapped[FleetEventLogMiddleware](fleet)
    assert not wrapped[FleetEventLogMiddleware]({**fleet, "path": "/v1/control/start-run"})
