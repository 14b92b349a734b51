"""SM2 key files: PKCS#8 PEM, encrypted with a passphrase, created owner-only and never overwritten."""

from __future__ import annotations

import os
from pathlib import Path

from node.crypto.sm import PrivateKey
from node.errors import Conflict, InvalidInput, NotFound


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file only its owner may read (mode 600 from the start, replacing any)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write_key(path: Path, key: PrivateKey, passphrase: bytes | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            f"key file {path.name} already exists; refusing to overwrite", code="key_exists"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(key.to_pem(passphrase))


def read_key(path: Path, passphrase: bytes | None) -> PrivateKey:
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"key file {path} does not exist", code="key_file_missing") from None
    except IsADirectoryError:
        raise InvalidInput(f"key file {path} is a directory", code="key_file_malformed") from None
    return PrivateKey.from_pem(pem, passphrase)
