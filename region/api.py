"""The regional registry's HTTP API (its own small FastAPI service: ``hnode region serve``).

Nodes authenticate by their SM2 signatures (join requests, catalog pushes); the operator and readers
(partners, nodes fetching partner keys) by the region's bearer tokens. Errors are problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from node.errors import Conflict, InvalidInput, NodeError, NotFound, PolicyDenied, Unauthorized
from region.service import PendingQueueFull, RegionService

_bearer = HTTPBearer(auto_error=False)
_STATUS: list[tuple[type[NodeError], int, str]] = [
    (PendingQueueFull, 429, "待审批的加入申请过多"),
    (NotFound, 404, "资源不存在"),
    (Conflict, 409, "与当前状态冲突"),
    (InvalidInput, 422, "输入无效"),
    (Unauthorized, 401, "未通过身份认证"),
    (PolicyDenied, 403, "无权执行此操作"),
]


class PartnerIn(BaseModel):
    name: str = Field(min_length=2, max_length=64)
    organization: str = Field(default="", max_length=200)
    roles: list[str]
    public_key: str = Field(min_length=130, max_length=130)


class InvitationIn(BaseModel):
    institution_code: str = Field(min_length=2, max_length=64)
    valid_hours: float = Field(gt=0, le=720)


def _problem(request: Request, status: int, title: str, detail: str, code: str) -> JSONResponse:
    body = {
        "type": f"urn:hnode:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_region_app(service: RegionService) -> FastAPI:
    app = FastAPI(title="Regional data-space registry", version="0.1.0", docs_url=None, redoc_url=None)

    def role(*allowed: str) -> Any:
        def dependency(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
            return service.authenticate(creds.credentials if creds else None, *allowed)

        return Depends(dependency)

    readers = role("operator", "reader")
    operator = role("operator")

    @app.exception_handler(NodeError)
    def _error(request: Request, exc: NodeError) -> JSONResponse:
        status, title = next(((s, t) for cls, s, t in _STATUS if isinstance(exc, cls)), (500, "内部错误"))
        return _problem(request, status, title, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()})
        return _problem(request, 422, "输入无效", f"invalid fields: {', '.join(fields)}", "payload_invalid")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/invitations", status_code=201)
    def invite(body: InvitationIn, _: str = operator) -> dict[str, Any]:
        """A one-time join invitation for an institution code (the token is shown once)."""
        return service.invite("operator", body.institution_code, int(body.valid_hours * 3600))

    @app.post("/v1/nodes/join", status_code=201)
    def join(signed: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """A node's join request, signed by the key it names and carrying its one-time invitation;
        waits for the operator."""
        return service.join(signed)

    @app.post("/v1/nodes/{code}/approve")
    def approve(code: str, _: str = operator) -> dict[str, Any]:
        return service.approve("operator", code)

    @app.post("/v1/nodes/{code}/reject")
    def reject(code: str, _: str = operator) -> dict[str, Any]:
        """Turn a pending join down (it leaves the pending queue)."""
        return service.reject("operator", code)

    @app.get("/v1/nodes")
    def nodes(_: str = readers) -> list[dict[str, Any]]:
        return service.nodes()

    @app.post("/v1/catalog", status_code=201)
    def register(signed: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """A node's catalog push (a new version), signed by its registered key."""
        return service.register(signed)

    @app.get("/v1/catalog/search")
    def search(
        text: str = Query("", max_length=100),
        category: str | None = None,
        level: int | None = Query(None, ge=1, le=5),
        access_mode: str | None = None,
        scenario: str | None = None,
        _: str = readers,
    ) -> list[dict[str, Any]]:
        return service.search(text, category, level, access_mode, scenario)

    @app.get("/v1/map")
    def data_map(_: str = readers) -> dict[str, Any]:
        return service.data_map()

    @app.post("/v1/partners", status_code=201)
    def add_partner(body: PartnerIn, _: str = operator) -> dict[str, Any]:
        return service.add_partner("operator", body.name, body.organization, body.roles, body.public_key)

    @app.get("/v1/partners")
    def partners(_: str = readers) -> list[dict[str, Any]]:
        return service.partners()

    @app.get("/v1/audit")
    def audit(limit: int = Query(100, ge=1, le=1000), _: str = operator) -> list[dict[str, Any]]:
        return service.audit_trail(limit)

    @app.get("/v1/audit/verify")
    def verify_audit(_: str = operator) -> dict[str, Any]:
        """Recompute the audit hash chain; ``first_broken_seq`` names the first entry that breaks it."""
        return service.verify_audit()

    return app
