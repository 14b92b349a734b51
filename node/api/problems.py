"""Errors to RFC 9457 problem+json, mapped once for the whole API."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from node.api.observability import frames, request_id
from node.audit.model import AuditEvent, Outcome
from node.errors import (
    ConfigError,
    Conflict,
    DependencyUnavailable,
    InvalidInput,
    NodeError,
    NotFound,
    PolicyDenied,
    TooLarge,
    Unauthorized,
)

log = logging.getLogger("node.api")
MEDIA_TYPE = "application/problem+json"

# category -> (status, zh-CN title, English title)
_CATEGORIES: list[tuple[type[NodeError], int, str, str]] = [
    (NotFound, 404, "资源不存在", "Not found"),
    (TooLarge, 413, "请求内容过大", "Content too large"),
    (Conflict, 409, "与当前状态冲突", "Conflict"),
    (InvalidInput, 422, "输入无效", "Invalid input"),
    (Unauthorized, 401, "未通过身份认证", "Unauthorized"),
    (PolicyDenied, 403, "无权执行此操作", "Forbidden"),
    (DependencyUnavailable, 503, "依赖服务不可用", "Dependency unavailable"),
    (ConfigError, 503, "节点配置错误", "Node misconfigured"),
]
# a body part whose domain names its own invalid-input code (the services use it for the same checks)
_BODY_PART_CODES: dict[tuple[str, ...], str] = {("body", "terms"): "terms_invalid"}
_BODY_CODES = {"/v1/fl/jobs": "fl_job_invalid"}
_GENERIC = {
    400: ("请求无效", "Bad request"),
    404: ("资源不存在", "Not found"),
    405: ("方法不允许", "Method not allowed"),
}


def _english(request: Request) -> bool:
    lang = request.headers.get("accept-language", "").lower()
    return lang.startswith("en")


def problem(
    request: Request,
    status: int,
    title: tuple[str, str],
    code: str,
    detail: str,
    reasons: list[str] | None = None,
    extensions: dict[str, object] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"urn:hnode:problem:{code}",
        "title": title[1] if _english(request) else title[0],
        "status": status,
        "detail": detail,
        "code": code,
        "instance": storable(request.url.path),
    }
    rid = request_id.get()
    if rid is not None:
        body["request_id"] = rid
    if reasons:  # the names of failed policy checks: machine-readable, never data
        body["reasons"] = reasons
    for key, value in (extensions or {}).items():  # e.g. a job's state on a 409: codes, never data
        body.setdefault(key, value)
    headers = {"WWW-Authenticate": 'Bearer realm="hnode"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(NodeError)
    def _node_error(request: Request, exc: NodeError) -> JSONResponse:
        if not exc.audited:
            audit_failure(request, exc.code)
        for cls, status, zh, en in _CATEGORIES:
            if isinstance(exc, cls):
                return problem(
                    request,
                    status,
                    (zh, en),
                    exc.code,
                    exc.message,
                    getattr(exc, "reasons", None),
                    getattr(exc, "extensions", None),
                )
        return problem(request, 500, ("内部错误", "Internal error"), exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = tuple(str(p) for p in first.get("loc", ()))
        detail = (
            f"{'.'.join(loc)}: {first.get('msg', 'invalid')}"  # field path and rule only, never the value
        )
        route = getattr(request.scope.get("route"), "path", "")
        code = _BODY_PART_CODES.get(loc[:2]) or _BODY_CODES.get(route if loc[:1] == ("body",) else "")
        code = code or "request_invalid"
        audit_failure(request, code)
        return problem(request, 422, ("输入无效", "Invalid input"), code, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _GENERIC.get(exc.status_code, ("请求失败", "Request failed"))
        return problem(request, exc.status_code, title, f"http_{exc.status_code}", str(exc.detail))


async def unexpected(request: Request, exc: BaseException) -> JSONResponse:
    """An error nothing else handled (logged by the request middleware as type and frames only)."""
    audit_failure(request, "internal_error")
    return problem(request, 500, ("内部错误", "Internal error"), "internal_error", "internal error")


def storable(text: str) -> str:
    """``text`` with what the database and the logs must not hold (NUL, lone surrogates) replaced."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def audit_failure(request: Request, code: str) -> None:
    """Record a failed action of an authenticated caller (denials were recorded where they happened)."""
    actor = getattr(request.state, "audit_actor", None)
    if actor is None:
        return
    container = request.app.state.container
    where = storable(request.url.path)[:200]
    try:
        container.audit.record_now(
            AuditEvent(actor, request.state.audit_action, "request", where, Outcome.FAILED, {"code": code})
        )
    except Exception as exc:  # noqa: BLE001 - the answer still goes out; the log says the audit write failed, not why
        log.error(
            "audit of a failed request not written: %s", type(exc).__name__, extra={"exc_frames": frames(exc)}
        )
