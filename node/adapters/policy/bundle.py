"""The node's Rego policies and their data, as shipped in ``policies/``."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.errors import ConfigError

SCOPES = ("catalog", "negotiation", "usage")
_PACKAGE = re.compile(r"^package\s+(\S+)", re.MULTILINE)


def policy_root() -> Path:
    """``NODE_POLICY_DIR`` if set, else the ``policies/`` directory of this checkout or image."""
    env = os.environ.get("NODE_POLICY_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "policies"
    if not (root / "usage.rego").is_file():
        raise ConfigError(f"no policies found in {root}; set NODE_POLICY_DIR", code="policies_missing")
    return root


@dataclass(frozen=True)
class PolicyBundle:
    modules: dict[str, str]  # file name -> Rego source
    data: dict[str, Any]
    tests: dict[str, str]

    @classmethod
    def load(cls, root: Path | None = None) -> PolicyBundle:
        root = root or policy_root()
        modules = {p.name: p.read_text("utf-8") for p in sorted(root.glob("*.rego"))}
        tests = {p.name: p.read_text("utf-8") for p in sorted((root / "tests").glob("*.rego"))}
        data: dict[str, Any] = {}
        for p in sorted((root / "data").glob("*.json")):
            _merge(data, json.loads(p.read_text("utf-8")))
        return cls(modules, data, tests)

    @staticmethod
    def package(source: str) -> str:
        m = _PACKAGE.search(source)
        if m is None:
            raise ConfigError("a Rego module without a package", code="policy_invalid")
        return m.group(1)


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
