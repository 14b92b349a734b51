"""Registered federated models as files under DATA_DIR/fl_models (written whole, then renamed)."""

from __future__ import annotations

import os
from pathlib import Path


class ModelFileStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, model_id: str) -> Path:
        if not model_id.replace("_", "").isalnum():
            raise ValueError("model id")
        return self._root / f"{model_id}.json"

    def put(self, model_id: str, blob: bytes) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._path(model_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, path)

    def get(self, model_id: str) -> bytes | None:
        path = self._path(model_id)
        return path.read_bytes() if path.exists() else None
