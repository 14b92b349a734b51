"""Named files under one directory, each written whole then renamed into place (a reader never sees
half a file); names are ids of the node's own making, checked before they touch the path."""

from __future__ import annotations

import os
from pathlib import Path


class FileStore:
    def __init__(self, root: Path, suffix: str = ".json") -> None:
        self._root = root
        self._suffix = suffix

    def _path(self, name: str) -> Path:
        if not name.replace("_", "").isalnum():
            raise ValueError("file store names are ids: letters, digits and underscores")
        return self._root / f"{name}{self._suffix}"

    def put(self, name: str, blob: bytes) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, path)

    def get(self, name: str) -> bytes | None:
        if not name.replace("_", "").isalnum():
            return None  # not an id: nothing was ever stored under it (asked over HTTP, not a 500)
        path = self._path(name)
        return path.read_bytes() if path.exists() else None
