"""The committed anchor-registry artifact is what the committed Vyper source compiles to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_artifact_matches_source() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_contracts.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_artifact_exposes_the_registry_interface() -> None:
    art = json.loads((ROOT / "chain_adapter" / "artifacts" / "AnchorRegistry.json").read_text())
    functions = {x["name"] for x in art["abi"] if x["type"] == "function"}
    events = {x["name"] for x in art["abi"] if x["type"] == "event"}
    assert functions == {"anchor", "anchors", "count"} and events == {"Anchored"}
    assert art["evm_version"] == "paris" and "5f" not in _opcodes(art["bytecode_runtime"])


def _opcodes(hexcode: str) -> set[str]:
    """Opcodes of the runtime code, skipping PUSH data, to show no PUSH0 (0x5f) appears."""
    code = bytes.fromhex(hexcode.removeprefix("0x"))
    ops, i = set(), 0
    while i < len(code):
        op = code[i]
        ops.add(f"{op:02x}")
        i += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return ops
