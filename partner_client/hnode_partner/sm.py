"""SM2 signatures (DER, SM3, user ID 1234567812345678), SM3 and RFC 8785, as the nodes use them."""

from __future__ import annotations

from typing import Any

import rfc8785
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

_ALG = ec.ECDSA(hashes.SM3())


def canonical(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return bytes(h.finalize()).hex()


class Key:
    """The partner's SM2 private key (PKCS#8 PEM, usually passphrase-encrypted)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    @classmethod
    def load(cls, pem: bytes, passphrase: bytes | None) -> Key:
        key = serialization.load_pem_private_key(pem, passphrase or None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("not an SM2 private key")
        return cls(key)

    @classmethod
    def generate(cls) -> Key:
        return cls(ec.generate_private_key(ec.SM2()))

    @property
    def public_hex(self) -> str:
        raw = self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return bytes(raw).hex()

    def sign(self, message: bytes) -> str:
        return bytes(self._key.sign(message, _ALG)).hex()


def verify(public_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), message, _ALG)
    except (InvalidSignature, ValueError):
        return False
    return True
