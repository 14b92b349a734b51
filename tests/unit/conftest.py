"""Fixtures shared by the unit tests of the text recognizers."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer()
