"""A remote OPA server as the policy engine (production: OPA from its container image).

The server is expected to hold this node's bundle (policies/ and policies/data/). Unreachable,
erroring or undefined answers all deny.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from requests import RequestException

from node.adapters.policy.bundle import SCOPES
from node.adapters.policy.regopy_engine import decision_from_value
from node.errors import ConfigError
from node.ports import Decision


class OpaServerEngine:
    name = "opa"

    def __init__(self, url: str, timeout_s: float = 2.0, token: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                "invalid setting NODE_OPA_URL: expected http(s)://host:port", code="opa_url_invalid"
            )
        from opa_client import OpaClient  # pulls in aiohttp: only paid when a remote OPA is configured

        self._client = OpaClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8181),
            ssl=parts.scheme == "https",
            token=token,
            timeout=timeout_s,
            retries=0,
        )

    def decide(self, scope: str, document: dict[str, Any]) -> Decision:
        if scope not in SCOPES:
            return Decision(False, ["unknown_scope"])
        try:
            answer = self._client.query_rule(document, f"hnode.{scope}", "decision")
        except (RequestException, ValueError):
            return Decision(False, ["policy_engine_unavailable"])
        if not isinstance(answer, dict) or "result" not in answer:
            return Decision(False, ["policy_undefined"])
        return decision_from_value(answer["result"])

    def close(self) -> None:
        self._client.close_connection()
