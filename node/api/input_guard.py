"""Refuse hostile input before it reaches a service or the database.

Two things are found here, before any route runs: characters PostgreSQL cannot store (NUL, lone UTF-16
surrogates, bytes that are not UTF-8) in the path, the query or a JSON body, and bodies larger than the
configured limit (counted as they stream, so a missing or false Content-Length changes nothing). The
middleware does not answer itself: it records the refusal in the request's state, and the
authentication dependency raises it once the caller is known, so the refusal is audited under the
caller's name (and an unknown caller still gets 401 first). A body over the limit is not read further.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.errors import InvalidInput, NodeError, TooLarge

STATE_KEY = "input_refusal"
# a \u escape of NUL or of a UTF-16 surrogate, not itself escaped (an even run of backslashes before it)
_SUSPECT_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def unstorable(text: str) -> bool:
    """True if PostgreSQL cannot store ``text`` (a NUL, or a lone surrogate that UTF-8 cannot encode)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _raw_unstorable(raw: bytes) -> bool:
    """A percent-encoded path or query: NUL, or bytes that do not decode as UTF-8 (the server would
    replace them silently with U+FFFD)."""
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _strings(doc: Any) -> Iterable[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)


def json_body_unstorable(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if not _SUSPECT_ESCAPE.search(body):  # cheap: most bodies have no such escape at all
        return False
    try:
        doc = json.loads(body)
    except ValueError:  # not JSON: the route's own validation answers
        return False
    return any(unstorable(s) for s in _strings(doc))


def _refuse(where: str) -> InvalidInput:
    return InvalidInput(
        f"the {where} holds a character the node cannot store (NUL, a lone surrogate or bytes that are not "
        "UTF-8)",
        code="input_unstorable",
    )


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: str = bytes(value).decode("latin-1").split(";")[0].strip().lower()
            return media == "application/json" or media.endswith("+json")
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class InputGuardMiddleware:
    """``max_body_bytes`` for every route, except the path prefixes in ``limits`` that need more (HE
    ciphertexts); each limit's setting is named in the 413."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, limits: dict[str, int] | None = None, setting: str = ""
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limits = limits or {}
        self.setting = setting or "NODE_MAX_BODY_BYTES"

    def _limit(self, path: str) -> tuple[int, str]:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit, f"the limit of {prefix}"
        return self.max_body_bytes, self.setting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if _raw_unstorable(raw_path) or unstorable(scope["path"]):
            state[STATE_KEY] = _refuse("path")
        elif _raw_unstorable(scope.get("query_string", b"")):
            state[STATE_KEY] = _refuse("query")
        if scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body, refusal = await self._read(scope, receive)
        if refusal is not None:
            state.setdefault(STATE_KEY, refusal)
            body = b""  # the route sees no body; the authentication dependency raises the refusal
        elif _is_json(scope) and json_body_unstorable(body):
            state.setdefault(STATE_KEY, _refuse("body"))
            body = b""
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, NodeError | None]:
        limit, label = self._limit(scope["path"])
        too_large = TooLarge(
            f"request bodies here are at most {limit} bytes ({label})", code="body_too_large"
        )
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return b"", too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then whatever the server says next (a disconnect)

    return replay
