"""Trained HE risk models as JSON files under DATA_DIR/he_models."""

from __future__ import annotations

from pathlib import Path

from node.adapters.file_store import FileStore
from node.he_query.model import RiskModel


class JsonModelStore:
    def __init__(self, root: Path) -> None:
        self._files = FileStore(root)

    def save(self, model: RiskModel) -> None:
        self._files.put(model.product_id, model.to_json().encode("utf-8"))

    def load(self, product_id: str) -> RiskModel | None:
        blob = self._files.get(product_id)
        return RiskModel.from_json(blob.decode("utf-8")) if blob is not None else None
