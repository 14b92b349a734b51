"""Clinical free text (report conclusions, documents) de-identified before it is stored."""

from __future__ import annotations

import secrets
from typing import Protocol


class TextDeidentifier(Protocol):
    def deidentify(self, text: str) -> str: ...


class NoteDeidentifier:
    """The anonymization module's recognizers and operators on each note. Pseudonyms use a key drawn for
    this import only: stored notes carry no link back to a person."""

    def __init__(self) -> None:
        from node.anonymization.analyzer import TextAnalyzer
        from node.anonymization.operators import Pseudonymizer, TextAnonymizer

        self._analyzer = TextAnalyzer()
        self._anonymizer = TextAnonymizer(Pseudonymizer(secrets.token_bytes(32)))

    def deidentify(self, text: str) -> str:
        return self._anonymizer.anonymize(text, self._analyzer.analyze(text))
