"""Request dependencies: the container, and authentication plus role checks."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from node.bootstrap import Container
from node.errors import Unauthorized
from node.identity.model import Principal, Role

_bearer = HTTPBearer(auto_error=False, description="Token issued by `hnode tokens issue`")


async def container(request: Request) -> Container:
    # async: FastAPI runs it on the event loop instead of sending it through the thread pool
    c: Container = request.app.state.container
    return c


def require(action: str, *roles: Role) -> Callable[..., Principal]:
    """A dependency that authenticates the bearer token and checks that the caller has one of ``roles``."""
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
        return principal

    return dependency


ANY_ROLE = tuple(Role)
STAFF = (Role.ADMIN, Role.DATA_OFFICER)
