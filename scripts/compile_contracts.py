"""Compile the anchor registry with the pinned Vyper and write the committed artifact.

    python scripts/compile_contracts.py          # rewrite chain_adapter/artifacts/AnchorRegistry.json
    python scripts/compile_contracts.py --check  # exit 1 if the committed artifact differs from the source

Vyper compiles offline; the artifact is committed so that the node needs no compiler at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import vyper
from vyper.compiler import compile_code
from vyper.compiler.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "chain_adapter" / "contracts" / "AnchorRegistry.vy"
ARTIFACT = ROOT / "chain_adapter" / "artifacts" / "AnchorRegistry.json"
# paris: no PUSH0, so the bytecode also runs on EVM chains that lag behind (FISCO BCOS, older Besu)
EVM_VERSION = "paris"


def build() -> dict[str, object]:
    source = SOURCE.read_text(encoding="utf-8")
    out = compile_code(
        source,
        output_formats=["abi", "bytecode", "bytecode_runtime"],
        settings=Settings(evm_version=EVM_VERSION),
    )
    return {
        "contract": "AnchorRegistry",
        "compiler": f"vyper {vyper.__version__}",
        "evm_version": EVM_VERSION,
        "source_sha256": hashlib.sha256(source.encode()).hexdigest(),
        "abi": out["abi"],
        "bytecode": out["bytecode"],
        "bytecode_runtime": out["bytecode_runtime"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if args.check:
        if not ARTIFACT.exists() or ARTIFACT.read_text(encoding="utf-8") != text:
            print(f"{ARTIFACT.relative_to(ROOT)} does not match {SOURCE.relative_to(ROOT)}: recompile")
            return 1
        print("artifact matches source")
        return 0
    ARTIFACT.write_text(text, encoding="utf-8")
    print(f"wrote {ARTIFACT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
