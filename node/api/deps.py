"""Request dependencies: the container, and authentication plus role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from node.bootstrap import Container
from node.errors import DependencyUnavailable, NodeError, Unauthorized
from node.identity.model import Principal, Role

_bearer = HTTPBearer(auto_error=False, description="Token issued by `hnode tokens issue`")
bearer = _bearer  # the node's token scheme, for dependencies that wrap ``require``


def public(reason: str, *problems: int) -> dict[str, Any]:
    """``openapi_extra`` of a route that takes no node token by design (``reason`` says why); the API
    description documents it as public with the problem+json answers ``problems`` (and 400/413 for a
    body). Tests keep an explicit list of these routes."""
    return {"x-public": reason, "x-problems": sorted(problems)}


async def container(request: Request) -> Container:
    # async: FastAPI runs it on the event loop instead of sending it through the thread pool
    c: Container = request.app.state.container
    return c


def require(action: str, *roles: Role, settings: tuple[str, ...] = ()) -> Callable[..., Principal]:
    """A dependency that authenticates the bearer token and checks that the caller has one of ``roles``;
    then raises what the input guard refused in this request, and a 503 naming any of ``settings`` (names
    of ``Settings`` fields the route needs) that this node lacks. The app reads ``roles`` and ``settings``
    off the dependency to document the route and to check its configuration at start."""
    allowed = frozenset(roles)

    def dependency(
        request: Request,
        creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
        c: Container = Depends(container),
    ) -> Principal:
        if creds is None or creds.scheme.lower() != "bearer":
            raise Unauthorized("missing bearer token", code="token_missing")
        principal = c.identity.authenticate(creds.credentials)
        c.identity.authorize(principal, allowed, action)
        # from here on the caller is known: a failing action is audited by the error handler
        request.state.audit_actor = principal.id
        request.state.audit_action = action
        refusal: NodeError | None = getattr(request.state, "input_refusal", None)
        if refusal is not None:
            raise refusal
        for name in settings:
            if getattr(c.settings, name, None) is None:
                raise DependencyUnavailable(
                    f"this node has no setting NODE_{name.upper()}, which this route needs",
                    code="setting_missing",
                )
        return principal

    dependency.roles = allowed  # type: ignore[attr-defined]
    dependency.settings = settings  # type: ignore[attr-defined]
    return dependency


ANY_ROLE = tuple(Role)
STAFF = (Role.ADMIN, Role.DATA_OFFICER)
