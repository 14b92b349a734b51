"""SM2/SM3/SM4, canonical JSON and envelope encryption. ``sm`` alone talks to the native library."""

from node.crypto.canonical import canonical_json
from node.crypto.sm import PrivateKey, PublicKey, hmac_sm3, sm3, sm3_hex

__all__ = ["PrivateKey", "PublicKey", "canonical_json", "hmac_sm3", "sm3", "sm3_hex"]
