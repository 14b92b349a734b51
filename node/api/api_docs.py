"""The public description of the API: ``/openapi.json`` and Swagger UI at ``/docs``, both without a token
(the routes themselves stay protected).

Swagger UI's files come from the ``fastapi-offline`` wheel and are served by the node (no CDN at run
time; the validator badge, which would call out, is off). Every authenticated operation documents its
problem+json answers (401, 403, 404, 409, 422, 503; 400 and 413 where it takes a body) and the roles
allowed to call it (``x-roles``, read off its ``require`` dependency). Two kinds of routes differ:

- public by design (``openapi_extra=deps.public(...)``: liveness, readiness, the SM2 sign-ins, the DSP
  data address with its own token): ``x-public`` says why, no node-token ``security``, no ``x-roles``,
  and the problem+json answers the route names;
- the Dataspace Protocol binding (``routes.dataspace.caller``): its answers are the protocol's messages
  and error objects (``application/json``), 401 without a valid token and 404 for a caller not allowed.
"""

from __future__ import annotations

import importlib.resources
import logging
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema
from starlette.responses import HTMLResponse

from node.api.problems import MEDIA_TYPE
from node.api.schemas import Problem
from node.api.schemas_dataspace import REQUESTS, DspErrorObject
from node.config import Settings

log = logging.getLogger("node.api")
ASSETS = "/docs/assets"

_ANSWERS = {
    "401": "未通过身份认证 (no, unknown, expired or revoked token)",
    "403": "无权执行此操作 (role, policy, quota or configuration refuses it)",
    "404": "资源不存在",
    "409": "与当前状态冲突",
    "422": "输入无效 (including characters the node cannot store)",
    "503": "依赖服务不可用 (database, chain, a setting this node lacks)",
}
_BODY_ANSWERS = {
    "400": "请求无效 (a body that cannot be read, e.g. not UTF-8; parsed before the token is checked)",
    "413": "请求内容过大 (NODE_MAX_BODY_BYTES, NODE_MAX_TEXT_CHARS)",
}


def _requirements(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None and hasattr(sub.call, "roles"):
            yield sub.call
        yield from _requirements(sub)


def route_requirements(app: FastAPI) -> dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]]:
    """(METHOD, path) -> (roles allowed, settings needed) of every authenticated route."""
    out: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]] = {}
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        for req in _requirements(route.dependant):
            roles = frozenset(str(getattr(r, "value", r)) for r in req.roles)  # type: ignore[attr-defined]
            for method in route.methods or ():
                out[(method, str(route.path_format))] = (roles, req.settings)  # type: ignore[attr-defined]
    return out


def route_bindings(app: FastAPI) -> dict[tuple[str, str], str]:
    """(METHOD, path) -> binding (``dsp``) of the routes whose errors are not problem+json."""
    out: dict[tuple[str, str], str] = {}
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        for req in _requirements(route.dependant):
            binding = getattr(req, "binding", None)
            for method in route.methods or ():
                if binding:
                    out[(method, str(route.path_format))] = binding
    return out


def missing_settings(app: FastAPI, settings: Settings) -> dict[str, list[str]]:
    """Settings that routes need and this node lacks -> those routes; logged at start (they answer 503)."""
    missing: dict[str, list[str]] = {}
    for (method, path), (_, needed) in sorted(route_requirements(app).items()):
        for name in needed:
            if getattr(settings, name, None) is None:
                missing.setdefault(f"NODE_{name.upper()}", []).append(f"{method} {path}")
    for setting, routes in missing.items():
        log.warning(
            "setting %s is not set; until it is, these routes answer 503: %s",
            setting,
            ", ".join(routes),
            extra={"setting": setting},
        )
    return missing


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


_DSP_ANSWERS = {
    "400": "消息无效或不合时序 (DSP error object: a message that is invalid or out of order)",
    "401": "未通过身份认证 (DSP error object: no, unknown, expired or revoked token)",
    "404": "进程不存在或无权访问 (DSP error object: unknown or foreign process, or a caller not allowed)",
}


def _dsp_error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DspErrorObject"}}},
    }


def _public(op: dict[str, Any]) -> None:
    """A public route: only the problems it names (and 400/413 for a body), no node-token security."""
    problems = {str(p) for p in op.pop("x-problems", [])}
    security = [s for s in op.pop("security", []) if "HTTPBearer" not in s]
    if security:
        op["security"] = security  # its own credential (the DSP data address's transfer token)
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    answers = {s: t for s, t in _ANSWERS.items() if s in problems}
    if "requestBody" in op:
        answers |= _BODY_ANSWERS
    for status, text in answers.items():
        responses[status] = _problem_response(text)


def _dsp(op: dict[str, Any], method: str, roles: frozenset[str]) -> None:
    """A Dataspace Protocol route: the protocol's error objects; 400/413 of an unreadable or too large
    body and 503 stay problem+json (the input guard and the node answer them before the protocol)."""
    op["x-roles"] = sorted(roles)
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    for status, text in _DSP_ANSWERS.items():
        responses[status] = _dsp_error_response(text)
    responses["503"] = _problem_response(_ANSWERS["503"])
    if method == "post":  # the message is read by the route, so the input guard's answers stand
        responses["400"]["content"][MEDIA_TYPE] = _problem_response("")["content"][MEDIA_TYPE]
        responses["413"] = _problem_response(_BODY_ANSWERS["413"])


def _describe(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["DspErrorObject"] = DspErrorObject.model_json_schema(
        ref_template="#/components/schemas/{model}", by_alias=True
    )
    _, messages = models_json_schema(  # the DSP request messages, which those routes read themselves
        [(m, "validation") for m in REQUESTS], ref_template="#/components/schemas/{model}", by_alias=True
    )
    components.update(messages.get("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    requirements = route_requirements(app)
    bindings = route_bindings(app)
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            req = requirements.get((method.upper(), path))
            if "x-public" in op:
                _public(op)
                continue
            if req is not None and bindings.get((method.upper(), path)) == "dsp":
                _dsp(op, method, req[0])
                continue
            if req is None:
                op.get("responses", {}).pop("422", None)
                continue
            op["x-roles"] = sorted(req[0])
            answers = dict(_ANSWERS)
            if "requestBody" in op:
                answers |= _BODY_ANSWERS
            responses = op.setdefault("responses", {})
            for status, text in answers.items():
                responses[status] = _problem_response(text)
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    static = importlib.resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(static)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no call out; tokens not kept in the browser
        )
