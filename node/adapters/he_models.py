"""Trained HE risk models as JSON files under DATA_DIR/he_models (written whole, then renamed)."""

from __future__ import annotations

import os
from pathlib import Path

from node.he_query.model import RiskModel


class JsonModelStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, product_id: str) -> Path:
        if not product_id.replace("_", "").isalnum():
            raise ValueError("product id")
        return self._root / f"{product_id}.json"

    def save(self, model: RiskModel) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._path(model.product_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(model.to_json(), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, product_id: str) -> RiskModel | None:
        path = self._path(product_id)
        return RiskModel.from_json(path.read_text("utf-8")) if path.exists() else None
