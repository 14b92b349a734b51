"""A model-free NLP engine for Presidio: no downloads, no NER; recognizers carry their own logic."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

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
