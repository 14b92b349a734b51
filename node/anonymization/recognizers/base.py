"""A Presidio recognizer driven by one compiled regex and a scoring function.

Presidio's own PatternRecognizer leans on ``\\b`` and NLP context, neither of which works between
Chinese characters and digits; these recognizers use digit look-arounds and look for context words in
a window of characters around the match themselves.

Each recognizer first asks its pattern's prefilter (``prefilter.py``) whether the text can hold a match
at all, and skips the scan when not; a pattern the engine would try at every position is tried only
where its anchors say a match can start, or with its leading lookbehind moved behind its first character
so that the engine can skip ahead (``anchored.py``), or rewritten into alternatives that each open on a
literal, which the engine skips ahead by (``opening.py``). ``exhaustive()`` turns this and every other
fast path of the recognizers off (the equivalence test compares both ways).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import regex  # type: ignore[import-untyped]  # Presidio's pattern engine
from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.pattern_recognizer import REGEX_TIMEOUT_SECONDS

from node.anonymization.recognizers.anchored import AnchoredScanner, skipping
from node.anonymization.recognizers.opening import opening_on_a_class, opening_on_literals
from node.anonymization.recognizers.prefilter import AnyOf, Prefilter

# the regex module's flag values (Presidio compiles its patterns with that module)
_REGEX_IGNORECASE, _REGEX_MULTILINE, _REGEX_DOTALL = 0x2, 0x8, 0x10

# (match, full text) -> score, or None to drop the match
Scorer = Callable[[re.Match[str], str], float | None]


class _Switch:
    """Whether the fast paths (prefilters, memoized segmentation) are on."""

    fast = True


FAST = _Switch()


@contextmanager
def exhaustive() -> Iterator[None]:
    """Run every recognizer over every text with no prefilter or shortcut (not thread-safe: for tests
    and benchmarks)."""
    before, FAST.fast = FAST.fast, False
    try:
        yield
    finally:
        FAST.fast = before


def near(text: str, start: int, end: int, words: re.Pattern[str], before: int = 12, after: int = 0) -> bool:
    """Whether a context word occurs within ``before`` characters ahead of the match (``after`` behind)."""
    return bool(words.search(text, max(0, start - before), start)) or (
        after > 0 and bool(words.search(text, end, min(len(text), end + after)))
    )


def prefiltered(pattern: re.Pattern[str]) -> Callable[[str], Iterator[re.Match[str]]]:
    """``pattern.finditer`` behind the pattern's prefilter: no scan of a text it cannot match (for
    patterns a recognizer scans itself rather than through ``RegexRecognizer``)."""
    prefilter = Prefilter.of(pattern)
    # the same matches, found skipping ahead
    scan = opening_on_literals(pattern) or opening_on_a_class(pattern) or pattern

    def finditer(text: str) -> Iterator[re.Match[str]]:
        if not FAST.fast:
            return pattern.finditer(text)
        if not prefilter.admits(text):
            return iter(())
        return scan.finditer(text)

    return finditer


class RegexRecognizer(EntityRecognizer):
    def __init__(
        self, entity: str, pattern: re.Pattern[str], scorer: Scorer, group: int = 0, name: str = ""
    ) -> None:
        super().__init__(
            supported_entities=[entity], supported_language="zh", name=name or f"{entity}_recognizer"
        )
        self._entity = entity
        self._pattern = pattern
        self._scorer = scorer
        self._group = group
        self.prefilter = Prefilter.of(pattern)
        self.anchored = AnchoredScanner.of(pattern)
        # the same matches, found skipping ahead
        self.scan = skipping(pattern) or opening_on_literals(pattern) or pattern

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not FAST.fast:
            return self._scored(self._pattern.finditer(text), text)
        if not self.prefilter.admits(text):
            return []
        return self.found(text)

    def found(self, text: str) -> list[RecognizerResult]:
        """``analyze``'s findings in a text its prefilter admits (for a caller that asked the prefilter
        itself)."""
        return self._scored(self.anchored.finditer(text) if self.anchored else self.scan.finditer(text), text)

    def _scored(self, matches: Iterable[re.Match[str]], text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for m in matches:
            score = self._scorer(m, text)
            if score is not None:
                results.append(
                    RecognizerResult(self._entity, m.start(self._group), m.end(self._group), score)
                )
        return results


def lean_pattern_analyze(recognizer: EntityRecognizer) -> Callable[[str], list[RecognizerResult]] | None:
    """``analyze`` of one of Presidio's own pattern recognizers without its per-call machinery: the
    same patterns, scores, validation and duplicate removal, in the same order, with no explanation
    objects, clock readings or debug logging per match (a third to two thirds of its time on an English
    line). None for a recognizer whose ``analyze`` is not Presidio's pattern scan; the exhaustive mode
    (``exhaustive()``) calls Presidio's own."""
    if (
        not isinstance(recognizer, PatternRecognizer)
        or type(recognizer).analyze is not PatternRecognizer.analyze
    ):
        return None
    flags = recognizer.global_regex_flags
    sources: list[Any] = getattr(recognizer, "patterns", None) or []
    patterns = [(regex.compile(p.regex, flags=flags), p.score) for p in sources]
    entity = recognizer.supported_entities[0]
    validate, invalidate = recognizer.validate_result, recognizer.invalidate_result
    low, high = EntityRecognizer.MIN_SCORE, EntityRecognizer.MAX_SCORE

    def analyze(text: str) -> list[RecognizerResult]:
        if not FAST.fast:
            return recognizer.analyze(text, [entity])
        results = []
        for compiled, score in patterns:
            try:
                for m in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
                    start, end = m.span()
                    found = text[start:end]
                    if found == "":
                        continue
                    valid = validate(found)
                    value = score if valid is None else (high if valid else low)
                    if invalidate(found):
                        value = low
                    if value > low:
                        results.append(RecognizerResult(entity, start, end, value))
            except TimeoutError:
                continue  # Presidio skips the pattern (and logs a warning)
        return EntityRecognizer.remove_duplicates(results)

    return analyze


def pattern_prefilter(recognizer: EntityRecognizer) -> AnyOf | None:
    """A prefilter for one of Presidio's own pattern recognizers (the English SSN, passport, licence and
    date ones): it finds nothing in a text none of its patterns can match in. None for any other
    recognizer, or one whose ``analyze`` does more than scan its patterns."""
    patterns: list[Any] = getattr(recognizer, "patterns", None) or []
    if not isinstance(recognizer, PatternRecognizer) or not patterns:
        return None
    if type(recognizer).analyze is not PatternRecognizer.analyze:
        return None
    presidio_flags = int(recognizer.global_regex_flags or 0)
    if presidio_flags & ~(_REGEX_IGNORECASE | _REGEX_MULTILINE | _REGEX_DOTALL):
        return None  # other flags of the regex module (VERBOSE, ASCII, FULLCASE ...): not read here
    flags = re.IGNORECASE if presidio_flags & _REGEX_IGNORECASE else 0
    return AnyOf.of_sources([str(p.regex) for p in patterns], flags)


class SpanRecognizer(EntityRecognizer):
    """The spans a function of the text finds, as findings of one entity type at one score."""

    def __init__(
        self, entity: str, name: str, find: Callable[[str], list[tuple[int, int]]], score: float = 0.88
    ) -> None:
        super().__init__(supported_entities=[entity], supported_language="zh", name=name)
        self._entity = entity
        self._find = find
        self._score = score

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult(self._entity, s, e, self._score) for s, e in self._find(text)]


def lines_with_offsets(text: str) -> list[tuple[int, str]]:
    """The text's lines, each with the offset it starts at."""
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((at, line))
        at += len(line) + 1
    return lines
