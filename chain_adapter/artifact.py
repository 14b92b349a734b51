"""The compiled anchor registry, committed beside its source (see scripts/compile_contracts.py)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def anchor_registry() -> dict[str, Any]:
    text = resources.files("chain_adapter").joinpath("artifacts/AnchorRegistry.json").read_text("utf-8")
    artifact: dict[str, Any] = json.loads(text)
    return artifact
