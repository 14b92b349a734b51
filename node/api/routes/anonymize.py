"""Text de-identification over HTTP (staff only: the request carries identifiable text)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.operators import Pseudonymizer, TextAnonymizer
from node.api.deps import STAFF, container, require
from node.api.schemas import AnonymizedOut, DetectedOut, TextsIn
from node.bootstrap import Container
from node.errors import TooLarge
from node.identity.model import Principal

router = APIRouter(prefix="/v1/anonymize", tags=["anonymization"])


@lru_cache(maxsize=1)
def _analyzer() -> TextAnalyzer:
    return TextAnalyzer()


def _check_lengths(body: TextsIn, c: Container) -> None:
    limit = c.settings.max_text_chars
    if any(len(t) > limit for t in body.texts):
        raise TooLarge(f"each text is at most {limit} characters (NODE_MAX_TEXT_CHARS)", code="text_too_long")


@router.post("/detect", response_model=list[DetectedOut])
def detect(
    body: TextsIn,
    _: Principal = Depends(require("anonymize.detect", *STAFF)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    _check_lengths(body, c)
    return [{"entities": [e.as_dict() for e in _analyzer().analyze(t)]} for t in body.texts]


@router.post("/text", response_model=list[AnonymizedOut])
def text(
    body: TextsIn,
    _: Principal = Depends(require("anonymize.text", *STAFF, settings=("anonymization_key",))),
    c: Container = Depends(container),
) -> list[dict[str, str]]:
    _check_lengths(body, c)
    key = c.settings.anonymization_key
    assert key is not None  # required by the dependency
    anonymizer = TextAnonymizer(Pseudonymizer(key.get_secret_value().encode()))
    analyzer = _analyzer()
    return [{"text": anonymizer.anonymize(t, analyzer.analyze(t), body.date_shift_days)} for t in body.texts]
