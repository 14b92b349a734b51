"""Sealing a document for one recipient: an SM4-GCM data key wrapped with SM2 public-key encryption
(GB/T 32918.4) for the recipient's key. The sealed form is JSON-friendly (base64 fields); ``aad``
(e.g. a claim's id) is bound to the ciphertext, so a sealed body cannot be moved to another record."""

from __future__ import annotations

import base64
from typing import Any

from node.crypto.sm import (
    GCM_NONCE_LEN,
    SM4_KEY_LEN,
    PrivateKey,
    PublicKey,
    random_bytes,
    sm2_decrypt,
    sm2_encrypt,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from node.errors import InvalidInput

ALG = "SM2-SM4-GCM"


def seal_for(recipient: PublicKey, plaintext: bytes, aad: bytes) -> dict[str, str]:
    dek, nonce = random_bytes(SM4_KEY_LEN), random_bytes(GCM_NONCE_LEN)
    return {
        "alg": ALG,
        "recipient": recipient.to_hex(),
        "wrapped_key": base64.b64encode(sm2_encrypt(recipient, dek)).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sm4_gcm_encrypt(dek, nonce, plaintext, aad)).decode(),
    }


def open_sealed(key: PrivateKey, sealed: dict[str, Any], aad: bytes) -> bytes:
    if not isinstance(sealed, dict) or sealed.get("alg") != ALG:
        raise InvalidInput(f"sealed document is not {ALG}", code="sealed_malformed")
    try:
        wrapped = base64.b64decode(str(sealed["wrapped_key"]), validate=True)
        nonce = base64.b64decode(str(sealed["nonce"]), validate=True)
        body = base64.b64decode(str(sealed["ciphertext"]), validate=True)
    except (KeyError, ValueError):
        raise InvalidInput("sealed document fields are malformed", code="sealed_malformed") from None
    dek = sm2_decrypt(key, wrapped)
    if len(dek) != SM4_KEY_LEN or len(nonce) != GCM_NONCE_LEN:
        raise InvalidInput("sealed document fields are malformed", code="sealed_malformed")
    return sm4_gcm_decrypt(dek, nonce, body, aad)
