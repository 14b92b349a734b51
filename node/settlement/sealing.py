"""What travels between the node and the insurer. A claim: canonical JSON (RFC 8785) signed with the
node's SM2 key, then sealed for the insurer (SM4-GCM data key wrapped with SM2 encryption) with the
claim id as associated data. A response: the insurer's ClaimResponse and its SM2 signature over the
response's canonical JSON."""

from __future__ import annotations

import json
from typing import Any

from node.crypto.canonical import canonical_json
from node.crypto.hybrid import open_sealed, seal_for
from node.crypto.sm import PrivateKey, PublicKey
from node.errors import InvalidInput
from node.ports import Signer


def seal_claim(
    claim: dict[str, Any], signer: Signer, insurer_key_hex: str, contract_id: str
) -> dict[str, Any]:
    body = canonical_json(claim)
    return {
        "claim_id": claim["id"],
        "contract_id": contract_id,
        "signer": signer.public_key_hex,
        "signature": signer.sign(body).hex(),
        "sealed": seal_for(PublicKey.from_hex(insurer_key_hex), body, str(claim["id"]).encode()),
    }


def open_claim(package: dict[str, Any], key: PrivateKey, node_key_hex: str) -> dict[str, Any]:
    """The insurer's side: decrypt with its own key, then verify the node's signature over the claim."""
    claim_id = str(package.get("claim_id", ""))
    body = open_sealed(key, package.get("sealed"), claim_id.encode())  # type: ignore[arg-type]
    try:
        signature = bytes.fromhex(str(package.get("signature", "")))
    except ValueError:
        raise InvalidInput("the claim's signature is not hexadecimal", code="signature_malformed") from None
    if not PublicKey.from_hex(node_key_hex).verify(signature, body):
        raise InvalidInput(
            "the claim's signature does not verify with the node's key", code="claim_signature_invalid"
        )
    claim = json.loads(body)
    if not isinstance(claim, dict) or claim.get("id") != claim_id:
        raise InvalidInput("the sealed claim is not the one named", code="claim_signature_invalid")
    return claim


def sign_response(response: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    return {"response": response, "signature": key.sign(canonical_json(response)).hex()}


def response_verifies(response: Any, signature_hex: str, insurer_key_hex: str) -> bool:
    """True if the insurer's key signed exactly this response; a malformed signature is False too."""
    try:
        signature = bytes.fromhex(signature_hex)
        return PublicKey.from_hex(insurer_key_hex).verify(signature, canonical_json(response))
    except (ValueError, TypeError, InvalidInput):
        return False
