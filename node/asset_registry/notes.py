"""Clinical free text (report conclusions, documents) and short text values (results of a few words)
de-identified before they are stored."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from node.anonymization.analyzer import TextAnalyzer

# a number (with a comparator) too short to be a phone, ID or card number: nothing to find in it
_PLAIN_NUMBER = re.compile(r"^\s*(?:<=|>=|<>|<|>|=)?\s*[-+]?\d{1,6}(?:\.\d+)?\s*$")


class TextDeidentifier(Protocol):
    def deidentify(self, text: str) -> str: ...

    def deidentify_short(self, text: str) -> str:
        """A short value: its identifiers and a name, by the cheap recognizers (see NoteDeidentifier)."""
        ...

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

    def deidentify_short(self, text: str) -> str:
        """A short value (an HL7 ST result of up to 20 characters: 阴性, 淡黄色, or a phone number typed
        into the field): the value types' recognizers (ID, phone, card and passport numbers, e-mail,
        addresses ...), as column PII detection runs them, and a value that is a name by its characters
        alone (王建国). A name after a cue (已通知家属李秀兰) sends the value through ``deidentify``.
        Word segmentation (jieba, seconds to load) runs only then, not for every short result."""
        from node.anonymization.analyzer import Entity
        from node.anonymization.recognizers.names import bare_name, cued_candidate
        from node.asset_registry.pii import VALUE_TYPES

        if _PLAIN_NUMBER.match(text):
            return text
        if cued_candidate(text):
            return self.deidentify(text)
        found = self._analyzer.analyze(text, VALUE_TYPES)
        if not found and bare_name(text):
            start = len(text) - len(text.lstrip())
            found = [Entity("PERSON", start, start + len(text.strip()), 0.85)]
        return self._anonymizer.anonymize(text, found) if found else text
