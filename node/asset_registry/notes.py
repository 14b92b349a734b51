"""Clinical free text (report conclusions, documents) de-identified before it is stored."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from node.anonymization.analyzer import TextAnalyzer


class TextDeidentifier(Protocol):
    def deidentify(self, text: str) -> str: ...

    def for_import(self) -> TextDeidentifier:
        """The same recognizers with a pseudonym key of its own (one per import)."""
        ...


class NoteDeidentifier:
    """The anonymization module's recognizers and operators on each note. Pseudonyms use a key drawn for
    this import only (``for_import`` draws a new one and keeps the loaded recognizers): stored notes carry
    no link back to a person, nor to the same person's notes of another import."""

    def __init__(self, analyzer: TextAnalyzer | None = None) -> None:
        from node.anonymization.analyzer import TextAnalyzer
        from node.anonymization.operators import Pseudonymizer, TextAnonymizer

        self._analyzer = analyzer or TextAnalyzer()
        self._anonymizer = TextAnonymizer(Pseudonymizer(secrets.token_bytes(32)))

    def for_import(self) -> NoteDeidentifier:
        return NoteDeidentifier(self._analyzer)

    def deidentify(self, text: str) -> str:
        return self._anonymizer.anonymize(text, self._analyzer.analyze(text))
