"""SM4-GCM envelope encryption for data at rest and data packages.

A fresh data key (DEK) encrypts the payload; a key-encryption key (KEK), named by ``kek_id``,
wraps the DEK. The header is bound to the payload as associated data, so neither can be swapped.

Layout: ``b"HNE1" || len(header) (4 bytes, big-endian) || header (canonical JSON) || ciphertext+tag``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from node.crypto.canonical import canonical_json
from node.crypto.sm import GCM_NONCE_LEN, SM4_KEY_LEN, random_bytes, sm4_gcm_decrypt, sm4_gcm_encrypt
from node.errors import InvalidInput, NotFound

MAGIC = b"HNE1"
ALG = "SM4-GCM"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def seal(plaintext: bytes, kek: bytes, kek_id: str, context: Mapping[str, str] | None = None) -> bytes:
    """Encrypt ``plaintext`` under a new DEK wrapped by ``kek``; ``context`` is authenticated, not secret."""
    if len(kek) != SM4_KEY_LEN:
        raise InvalidInput("key-encryption key must be 16 bytes", code="kek_malformed")
    dek = random_bytes(SM4_KEY_LEN)
    wrap_nonce, data_nonce = random_bytes(GCM_NONCE_LEN), random_bytes(GCM_NONCE_LEN)
    wrapped = sm4_gcm_encrypt(kek, wrap_nonce, dek, kek_id.encode())
    header = canonical_json(
        {
            "alg": ALG,
            "kek_id": kek_id,
            "wrap_nonce": _b64(wrap_nonce),
            "wrapped_dek": _b64(wrapped),
            "nonce": _b64(data_nonce),
            "context": dict(context or {}),
        }
    )
    body = sm4_gcm_encrypt(dek, data_nonce, plaintext, header)
    return MAGIC + len(header).to_bytes(4, "big") + header + body


def read_header(blob: bytes) -> dict[str, object]:
    if len(blob) < 8 or blob[:4] != MAGIC:
        raise InvalidInput("not an HNE1 envelope", code="envelope_malformed")
    n = int.from_bytes(blob[4:8], "big")
    if len(blob) < 8 + n + 16:
        raise InvalidInput("envelope is truncated", code="envelope_malformed")
    try:
        header = json.loads(blob[8 : 8 + n])
    except ValueError:
        raise InvalidInput("envelope header is not JSON", code="envelope_malformed") from None
    if not isinstance(header, dict) or header.get("alg") != ALG:
        raise InvalidInput("envelope algorithm is not SM4-GCM", code="envelope_malformed")
    return header


def open_envelope(blob: bytes, keks: Mapping[str, bytes]) -> bytes:
    """Decrypt an envelope with the KEK its header names."""
    header = read_header(blob)
    n = int.from_bytes(blob[4:8], "big")
    kek_id = str(header["kek_id"])
    if kek_id not in keks:
        raise NotFound(f"no key-encryption key '{kek_id}' available", code="kek_unknown")
    try:
        wrap_nonce = base64.b64decode(str(header["wrap_nonce"]), validate=True)
        wrapped = base64.b64decode(str(header["wrapped_dek"]), validate=True)
        nonce = base64.b64decode(str(header["nonce"]), validate=True)
    except (KeyError, ValueError):
        raise InvalidInput("envelope header fields are malformed", code="envelope_malformed") from None
    dek = sm4_gcm_decrypt(keks[kek_id], wrap_nonce, wrapped, kek_id.encode())
    return sm4_gcm_decrypt(dek, nonce, blob[8 + n :], blob[8 : 8 + n])


DERIVED_KEK_ID = "scrypt"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def _passphrase_kek(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=SM4_KEY_LEN, n=n, r=r, p=p).derive(passphrase)


def seal_with_passphrase(
    plaintext: bytes, passphrase: bytes, context: Mapping[str, str] | None = None
) -> bytes:
    """An envelope whose KEK is derived from a passphrase (scrypt; salt and cost in the header)."""
    if len(passphrase) < 12:
        raise InvalidInput("the passphrase must be at least 12 bytes", code="passphrase_too_short")
    salt = random_bytes(16)
    kdf = {"kdf": "scrypt", "salt": _b64(salt), **{k: str(v) for k, v in _SCRYPT.items()}}
    kek = _passphrase_kek(passphrase, salt, **_SCRYPT)
    return seal(plaintext, kek, DERIVED_KEK_ID, {**dict(context or {}), **kdf})


def open_with_passphrase(blob: bytes, passphrase: bytes) -> bytes:
    """Open an envelope sealed by ``seal_with_passphrase``; a wrong passphrase is ``InvalidInput``."""
    ctx = read_header(blob).get("context")
    if not isinstance(ctx, dict) or ctx.get("kdf") != "scrypt":
        raise InvalidInput("envelope is not sealed with a passphrase", code="envelope_malformed")
    try:
        salt = base64.b64decode(str(ctx["salt"]), validate=True)
        cost = {k: int(ctx[k]) for k in ("n", "r", "p")}
    except (KeyError, ValueError):
        raise InvalidInput("envelope header fields are malformed", code="envelope_malformed") from None
    if cost["n"] > 2**20 or cost["r"] > 32 or cost["p"] > 16:
        raise InvalidInput("envelope asks for an unreasonable key derivation cost", code="envelope_malformed")
    kek = _passphrase_kek(passphrase, salt, **cost)
    try:
        return open_envelope(blob, {DERIVED_KEK_ID: kek})
    except InvalidInput as exc:
        if exc.code != "ciphertext_invalid":
            raise
        raise InvalidInput(
            "cannot decrypt: wrong passphrase, or the file was altered", code="envelope_unauthentic"
        ) from None
