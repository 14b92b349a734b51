"""What the text recognizers find, as (type, text) pairs: the form the recognizer tests compare."""

from __future__ import annotations

from node.anonymization.analyzer import TextAnalyzer


def found(analyzer: TextAnalyzer, text: str) -> list[tuple[str, str]]:
    return [(e.type, text[e.start : e.end]) for e in analyzer.analyze(text)]
