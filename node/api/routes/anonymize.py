"""Text de-identification over HTTP (staff only: the request carries identifiable text)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.operators import Pseudonymizer, TextAnonymizer
from node.api.deps import STAFF, container, require
from node.bootstrap import Container
from node.errors import ConfigError, PayloadTooLarge
from node.identity.model import Principal

router = APIRouter(prefix="/v1/anonymize", tags=["anonymization"])


class TextsIn(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=1000)
    date_shift_days: int | None = Field(default=None, ge=-3650, le=3650)


@lru_cache(maxsize=2)
def _analyzer(max_chars: int) -> TextAnalyzer:
    return TextAnalyzer(max_chars)


async def body_limit(request: Request, c: Container = Depends(container)) -> None:
    """Refuse a body over the configured size before it is read (413), by its Content-Length."""
    limit = c.settings.anonymization_max_body_bytes
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > limit:
        raise PayloadTooLarge(f"request bodies here are at most {limit} bytes (with Content-Length)")


@router.post("/detect", dependencies=[Depends(body_limit)])
def detect(
    body: TextsIn,
    _: Principal = Depends(require("anonymize.detect", *STAFF)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    analyzer = _analyzer(c.settings.anonymization_max_text_chars)
    return [{"entities": [e.as_dict() for e in analyzer.analyze(t)]} for t in body.texts]


@router.post("/text", dependencies=[Depends(body_limit)])
def text(
    body: TextsIn,
    _: Principal = Depends(require("anonymize.text", *STAFF)),
    c: Container = Depends(container),
) -> list[dict[str, str]]:
    key = c.settings.anonymization_key
    if key is None:
        raise ConfigError(
            "invalid setting NODE_ANONYMIZATION_KEY: required for pseudonyms served over the API"
        )
    anonymizer = TextAnonymizer(Pseudonymizer(key.get_secret_value().encode()))
    analyzer = _analyzer(c.settings.anonymization_max_text_chars)
    return [{"text": anonymizer.anonymize(t, analyzer.analyze(t), body.date_shift_days)} for t in body.texts]
