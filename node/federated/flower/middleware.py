"""Flower's HTTP middleware run only on the requests it acts on.

Flower 1.41's SuperLink stacks nine Starlette ``BaseHTTPMiddleware`` layers in front of every
request, and a round of a small model is hundreds of requests (a SuperNode pulling or pushing one
object of a message each). A ``BaseHTTPMiddleware`` layer costs a task group, a memory stream and a
wrapped response even when its ``dispatch`` only calls the next layer (py-spy on a deployed FedAvg
round, session 14: asyncio, anyio and Starlette are 70 % of the SuperLink's busy samples, Flower's own
handlers and signature checks under 10 %). Five of the nine do nothing outside their API:

- the Control API's four (sensitive-response headers, account authentication, licence check, event
  log) start with "not a ``/v1/control/`` path: call the next layer";
- the Fleet API's two (SuperNode authentication, Fleet event log) the same for ``/v1/fleet/``, and the
  event log also when the app has no event log plugin (``FLWR_ENABLE_EVENT_LOG`` unset);
- runtime tracing returns the response unchanged unless ``FLWR_TRACING_ENABLED`` is ``1`` (read on
  every request, as Flower reads it).

``PathScoped`` wraps such a layer: a request it does not act on goes straight to the next layer; any
other runs Flower's layer unchanged. The error translator and the protobuf translation, which act on
every request, stay as they are, in Flower's order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


def control_path(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/v1/control/")


def fleet_path(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/v1/fleet/")


def fleet_event_log(scope: Scope) -> bool:
    """A Fleet request on an app with a Fleet event log (its plugin is set when the app is created)."""
    app = scope.get("app")
    return (
        fleet_path(scope) and getattr(getattr(app, "state", None), "fleet_event_log_plugin", None) is not None
    )


def tracing_enabled(scope: Scope) -> bool:
    return os.getenv("FLWR_TRACING_ENABLED") == "1"


class PathScoped:
    """``middleware`` (a Starlette middleware class) for the HTTP requests ``applies`` accepts; other
    requests skip it."""

    def __init__(
        self, app: ASGIApp, /, middleware: type, applies: Callable[[Scope], bool], **options: Any
    ) -> None:
        self.app = app
        self.layer = middleware(app, **options)
        self.applies = applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.applies(scope):
            await self.app(scope, receive, send)
        else:
            await self.layer(scope, receive, send)


def _scopes() -> dict[type, Callable[[Scope], bool]]:
    from flwr.supercore.routers.runtime.tracing import RuntimeTracingMiddleware
    from flwr.superlink.routers.control.middlewares import (
        ControlAuthenticationMiddleware,
        ControlEventLogMiddleware,
        ControlLicenseMiddleware,
        ControlSensitiveResponseMiddleware,
    )
    from flwr.superlink.routers.fleet.middlewares import FleetEventLogMiddleware
    from flwr.superlink.routers.fleet.node_auth import NodeAuthMiddleware

    return {
        ControlSensitiveResponseMiddleware: control_path,
        ControlAuthenticationMiddleware: control_path,
        ControlLicenseMiddleware: control_path,
        ControlEventLogMiddleware: control_path,
        NodeAuthMiddleware: fleet_path,
        FleetEventLogMiddleware: fleet_event_log,
        RuntimeTracingMiddleware: tracing_enabled,
    }


def scoped(stack: list[Any]) -> list[Any]:
    """Flower's middleware list (Starlette ``Middleware`` entries, outermost first) with the layers
    above wrapped in ``PathScoped``, in the same order."""
    from starlette.middleware import Middleware

    scopes = _scopes()
    out = []
    for entry in stack:
        applies = scopes.get(entry.cls)
        if applies is None or entry.args:
            out.append(entry)
        else:
            out.append(Middleware(PathScoped, middleware=entry.cls, applies=applies, **entry.kwargs))
    return out


def install_superlink() -> None:
    """The SuperLink's app is built with the scoped list (call before Flower builds it)."""
    import flwr.superlink.main as superlink_app

    build = getattr(superlink_app, "_get_middleware", None)
    if not callable(build):
        raise RuntimeError("flwr's SuperLink no longer builds its middleware in _get_middleware")
    if getattr(build, "_hnode_scoped", False):
        return

    def get_middleware() -> list[Any]:
        return scoped(build())

    get_middleware._hnode_scoped = True  # type: ignore[attr-defined]
    setattr(superlink_app, "_get_middleware", get_middleware)  # noqa: B010 - the module's own binding


def install_supernode() -> None:
    """Each app the SuperNode creates for its Runtime API gets the scoped layers (before its first
    request builds the stack)."""
    import flwr.supernode.main as supernode_app

    create = getattr(supernode_app, "create_app", None)
    if not callable(create):
        raise RuntimeError("flwr's SuperNode no longer builds its app in create_app")
    if getattr(create, "_hnode_scoped", False):
        return

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = create(*args, **kwargs)
        app.user_middleware[:] = scoped(list(app.user_middleware))
        return app

    create_app._hnode_scoped = True  # type: ignore[attr-defined]
    setattr(supernode_app, "create_app", create_app)  # noqa: B010 - the module's own binding
