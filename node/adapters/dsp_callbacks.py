"""Delivers Dataspace Protocol callback messages to consumers over HTTP(S)."""

from __future__ import annotations

from typing import Any

import httpx


class HttpCallbackSender:
    def __init__(self, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)

    def post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
        return self._client.post(url, json=body, headers=headers).status_code

    def close(self) -> None:
        self._client.close()
