"""Text analysis: Presidio's AnalyzerEngine with our Chinese recognizers and no model downloads."""

from __future__ import annotations

from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from node.anonymization.nlp import CharacterWindowContext, PatternOnlyNlpEngine
from node.anonymization.recognizers.dates import date_recognizers
from node.anonymization.recognizers.identifiers import identifier_recognizers
from node.anonymization.recognizers.names import ChineseNameRecognizer, LatinNameRecognizer
from node.anonymization.recognizers.places import place_recognizers

ENTITY_TYPES = (
    "CN_ID_CARD",
    "CN_PHONE",
    "PERSON",
    "LOCATION",
    "DATE_TIME",
    "MEDICAL_RECORD_NUMBER",
    "BANK_CARD",
    "EMAIL_ADDRESS",
    "LICENSE_PLATE",
    "CN_PASSPORT",
    "IP_ADDRESS",
)
THRESHOLD = 0.5


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end, "score": round(self.score, 2)}


class TextAnalyzer:
    def __init__(self) -> None:
        registry = RecognizerRegistry(supported_languages=["zh"])
        recognizers = [
            *identifier_recognizers(),
            *date_recognizers(),
            *place_recognizers(),
            ChineseNameRecognizer(),
            LatinNameRecognizer(),
        ]
        for r in recognizers:
            registry.add_recognizer(r)
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=PatternOnlyNlpEngine(),
            context_aware_enhancer=CharacterWindowContext(),
            supported_languages=["zh"],
            default_score_threshold=THRESHOLD,
        )

    def analyze(self, text: str) -> list[Entity]:
        raw = self._engine.analyze(text=text, language="zh", entities=list(ENTITY_TYPES))
        return resolve_overlaps(raw)


def resolve_overlaps(results: list[RecognizerResult]) -> list[Entity]:
    """Keep the best of overlapping findings: higher score first, then the longer span."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    kept: list[RecognizerResult] = []
    for r in ranked:
        if all(r.end <= k.start or r.start >= k.end for k in kept):
            kept.append(r)
    return [
        Entity(r.entity_type, r.start, r.end, float(r.score)) for r in sorted(kept, key=lambda r: r.start)
    ]
