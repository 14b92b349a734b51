"""A model-free NLP engine for Presidio: no downloads, no NER; recognizers carry their own logic."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine


class PatternOnlyNlpEngine(NlpEngine):
    """Presidio needs an NLP engine; ours yields empty artifacts so that only our recognizers decide."""

    def __init__(self, languages: tuple[str, ...] = ("zh", "en")) -> None:
        self._languages = list(languages)

    def load(self) -> None:
        return None

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        no_tokens: Any = []  # Presidio types this as a spaCy Doc; nothing reads it without NER
        return NlpArtifacts(
            entities=[], tokens=no_tokens, tokens_indices=[], lemmas=[], nlp_engine=self, language=language
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return self._languages


class CharacterWindowContext(ContextAwareEnhancer):
    """Our recognizers weigh context themselves, in character windows (Chinese has no spaces for
    Presidio's word windows); this enhancer therefore passes results through unchanged."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results
