"""Verification without the node: a contract's signed copy checked against the keys the region
registered and the anchor on the chain, read over plain EVM JSON-RPC (``eth_call``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hnode_partner.sm import canonical, sm3_hex, verify

# selector of AnchorRegistry.anchors(bytes32) (keccak-256 of the signature; checked against the artifact)
ANCHORS_SELECTOR = "b01b6d53"
Rpc = Callable[[str, list[Any]], Any]


def http_rpc(url: str) -> Rpc:
    def call(method: str, params: list[Any]) -> Any:
        r = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30)
        body = r.json()
        if "error" in body:
            raise RuntimeError(f"chain answered an error to {method}")
        return body["result"]

    return call


def anchor_on_chain(rpc: Rpc, registry: str, digest: str) -> dict[str, Any] | None:
    """The registry's record of ``digest`` (kind, ref, submitter, block), or None if never anchored."""
    data = "0x" + ANCHORS_SELECTOR + bytes.fromhex(digest).rjust(32, b"\0").hex()
    raw = bytes.fromhex(str(rpc("eth_call", [{"to": registry, "data": data}, "latest"]))[2:])

    def word(at: int) -> int:
        return int.from_bytes(raw[at : at + 32], "big")

    start = word(0)  # the returned tuple is dynamic: its head starts here
    block = word(start + 96)
    if block == 0:
        return None

    def text(offset_word: int) -> str:
        at = start + word(start + offset_word)
        return raw[at + 32 : at + 32 + word(at)].decode()

    return {
        "kind": text(0),
        "ref": text(32),
        "submitter": "0x" + raw[start + 64 + 12 : start + 96].hex(),
        "block_number": block,
        "timestamp": word(start + 128),
    }


def verify_contract_copy(
    copy: dict[str, Any], node_keys: set[str], partner_key: str | None, rpc: Rpc | None, registry: str | None
) -> dict[str, Any]:
    """Every check on an exported contract (``hnode contracts export``), each reported by name."""
    checks: list[dict[str, Any]] = []
    message = canonical(copy["document"])
    digest = sm3_hex(message)
    checks.append({"name": "digest", "ok": digest == copy.get("digest")})
    sigs = copy.get("signatures") or {}
    node = sigs.get("node") or {}
    checks.append(
        {
            "name": "node_signature",
            "ok": node.get("public_key") in node_keys
            and verify(node["public_key"], node["signature"], message),
        }
    )
    partner = sigs.get("partner") or {}
    expected = partner_key or partner.get("public_key")
    checks.append(
        {
            "name": "partner_signature",
            "ok": bool(expected)
            and partner.get("public_key") == expected
            and verify(str(expected), partner.get("signature", ""), message),
        }
    )
    if rpc is not None and registry:
        found = anchor_on_chain(rpc, registry, digest)
        checks.append(
            {"name": "anchor", "ok": found is not None and found["kind"] == "contract", "record": found}
        )
        # the region anchored the digest of each node key it approved: the signing key is on chain too
        key = str(node.get("public_key", ""))
        admitted = anchor_on_chain(rpc, registry, sm3_hex(bytes.fromhex(key))) if len(key) == 130 else None
        checks.append(
            {
                "name": "node_key_anchored",
                "ok": admitted is not None and admitted["kind"] == "node_key",
                "record": admitted,
            }
        )
    return {"ok": all(c["ok"] for c in checks), "digest": digest, "checks": checks}
