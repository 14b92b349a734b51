"""Request ids, structured JSON logs and the last line of defence against unexpected errors.

What the logs keep of a request: its id, method, route template, the *names* of its query parameters
(values may be names or ID numbers: redacted), status, duration and the caller's principal id. Never
bodies, never exception messages (a database error repeats the SQL parameters, and PostgreSQL's own
messages quote the offending value): an unexpected error is logged as its type and its stack frames.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
REDACTED = "[REDACTED]"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

access_log = logging.getLogger("node.access")
log = logging.getLogger("node.api")

_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being served (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in doc:
                doc[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            doc["exc_type"] = record.exc_info[0].__name__  # the type only: messages may hold data
        return json.dumps(doc, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``hnode serve`` (uvicorn's own loggers included)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": {**handler, "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            text: str = bytes(value).decode("latin-1")
            if _REQUEST_ID_RE.match(text):
                return text
    return uuid.uuid4().hex


def redacted_query(query_string: bytes) -> dict[str, str]:
    """The query's parameter names, each with its value redacted."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return {name[:64]: REDACTED for name, _ in pairs}


def frames(exc: BaseException) -> list[str]:
    """Where an exception came from, without its message."""
    return [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)][-12:]


Unexpected = Callable[[Request, BaseException], Awaitable[Any]]


class RequestContextMiddleware:
    """Gives each request an id (echoed in ``X-Request-ID``), writes the access log line, and turns an
    error nothing else handled into a 500 problem+json instead of a traceback with data in it."""

    def __init__(self, app: ASGIApp, on_unexpected: Unexpected, access_log_enabled: bool = True) -> None:
        self.app = app
        self.on_unexpected = on_unexpected
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        token = request_id.set(rid)
        started = time.perf_counter()
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER.encode(), rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: answer, never leak
            log.error(
                "unhandled %s",
                type(exc).__name__,
                extra={"exc_frames": frames(exc), "route": _route(scope), "request_id": rid},
            )
            if not status["sent"]:
                response = await self.on_unexpected(Request(scope), exc)
                await response(scope, receive, send_with_id)
        finally:
            if self.access_log_enabled:
                access_log.info(
                    "request",
                    extra={
                        "request_id": rid,
                        "method": scope.get("method"),
                        "path": _route(scope),
                        "query": redacted_query(scope.get("query_string", b"")),
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "actor": state.get("audit_actor"),
                    },
                )
            request_id.reset(token)


def _route(scope: Scope) -> str:
    """The matched route's template (``/v1/contracts/{contract_id}``): ids typed by a caller stay out."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if "endpoint" in scope:  # a route without a template (the OpenAPI document, the docs' static files)
        return str(scope["path"])[:200].encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")
    return "(unmatched)"
