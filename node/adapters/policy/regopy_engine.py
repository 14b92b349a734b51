"""The embedded policy engine: rego-cpp through regopy, the bundle compiled once at start."""

from __future__ import annotations

import json
import threading
from typing import Any

from regopy import Interpreter, RegoError

from node.adapters.policy.bundle import SCOPES, PolicyBundle
from node.adapters.policy.rego_capi import RegoCallError, evaluate
from node.errors import ConfigError
from node.ports import Decision

_UNDEFINED = Decision(False, ["policy_undefined"])


class RegopyEngine:
    """Decisions from a compiled bundle. Undefined, malformed or failed evaluations deny.

    rego-cpp's interpreter is stateful (set input, then query), so evaluations are serialized; one
    takes a few hundred microseconds, called through ``rego_capi`` without releasing the GIL.
    """

    name = "regopy"

    def __init__(self, bundle: PolicyBundle) -> None:
        self._rego = Interpreter()
        try:
            for name, source in bundle.modules.items():
                self._rego.add_module(name, source)
            self._rego.add_data_json(json.dumps(bundle.data))
            self._bundle = self._rego.build(None, [f"hnode/{scope}/decision" for scope in SCOPES])
        except RegoError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"the policies do not compile: {first}", code="policy_invalid") from None
        self._entrypoints = {scope: f"hnode/{scope}/decision".encode() for scope in SCOPES}
        self._lock = threading.Lock()

    def decide(self, scope: str, document: dict[str, Any]) -> Decision:
        if scope not in SCOPES:
            return Decision(False, ["unknown_scope"])
        try:
            with self._lock:
                text = evaluate(self._rego, self._bundle, self._entrypoints[scope], document)
        except (RegoCallError, TypeError, ValueError):
            return Decision(False, ["policy_error"])
        return parse_decision(text)


def parse_decision(text: str) -> Decision:
    """Read ``{"allow": bool, "reasons": [...], ...}`` as rego-cpp prints it; anything else denies."""
    if text.strip() == "undefined":
        return _UNDEFINED
    try:
        value = json.loads(text)
    except ValueError:
        return Decision(False, ["policy_error"])
    if isinstance(value, dict) and "expressions" in value:  # a query result wrapper
        exprs = value.get("expressions") or [None]
        value = exprs[0]
    return decision_from_value(value)


def decision_from_value(value: Any) -> Decision:
    if not isinstance(value, dict) or not isinstance(value.get("allow"), bool):
        return _UNDEFINED
    reasons = value.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        return Decision(False, ["policy_error"])
    allow = value["allow"] is True and not reasons
    obligations = value.get("obligations", {})
    return Decision(allow, list(reasons), obligations if isinstance(obligations, dict) else {})
