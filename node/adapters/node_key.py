"""The node's SM2 identity, loaded from its encrypted key file on first use."""

from __future__ import annotations

import threading
from pathlib import Path

from pydantic import SecretStr

from node.crypto.keyfile import read_key, write_key
from node.crypto.sm import PrivateKey
from node.errors import ConfigError


class FileSigner:
    """Implements the Signer port; the key never leaves this object."""

    def __init__(self, path: Path, passphrase: SecretStr | None) -> None:
        self._path = path
        self._passphrase = passphrase
        self._key: PrivateKey | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = read_key(self._path, _passphrase_bytes(self._passphrase))
            return self._key

    @property
    def public_key_hex(self) -> str:
        return self._loaded().public_key().to_hex()

    def sign(self, message: bytes) -> bytes:
        return self._loaded().sign(message)

    def derive_key(self, label: bytes, length: int = 16) -> bytes:
        return self._loaded().derive_key(label, length)


def create_node_key(path: Path, passphrase: SecretStr | None) -> str:
    """Create the node key file; return its public key. Refuses to run without a passphrase."""
    pw = _passphrase_bytes(passphrase)
    if not pw:
        raise ConfigError("invalid setting NODE_KEY_PASSPHRASE: required to protect the node key")
    key = PrivateKey.generate()
    write_key(path, key, pw)
    return key.public_key().to_hex()


def _passphrase_bytes(passphrase: SecretStr | None) -> bytes | None:
    return passphrase.get_secret_value().encode() if passphrase else None
