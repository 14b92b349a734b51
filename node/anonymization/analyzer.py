"""Text analysis: Presidio recognizers (ours for Chinese, Presidio's own for English lines) and no model
downloads.

The recognizers are run directly rather than through ``AnalyzerEngine.analyze``: the engine matches every
result against every recognizer to offer each its context enhancement (none of ours uses one; context is
read in character windows by the recognizers themselves) and dedupes what ``resolve_overlaps`` resolves
anyway, which was a fifth of the detection time on short notes. Results below ``THRESHOLD`` are dropped as
the engine's default threshold did."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from node.anonymization.nlp import PatternOnlyNlpEngine
from node.anonymization.recognizers.base import FAST, RegexRecognizer, lean_pattern_analyze, pattern_prefilter
from node.anonymization.recognizers.dates import date_recognizers
from node.anonymization.recognizers.english import english_recognizers
from node.anonymization.recognizers.identifiers import identifier_recognizers
from node.anonymization.recognizers.names import (
    ChineseNameRecognizer,
    DottedNameRecognizer,
    LatinNameRecognizer,
)
from node.anonymization.recognizers.organizations import OrganizationRecognizer
from node.anonymization.recognizers.places import place_recognizers
from node.anonymization.recognizers.prefilter import AnyOf, Prefilter
from node.errors import TooLarge

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
    "US_PASSPORT",  # a nine-digit number after 护照 in a Chinese line
    "IP_ADDRESS",
    "CN_INSURANCE_POLICY",
    "CN_MEDICAL_INSURANCE_CARD",
    "ORGANIZATION",
    "PHONE_NUMBER",
)
ENGLISH_TYPES = (
    "PERSON",
    "PHONE_NUMBER",
    "US_SSN",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "LOCATION",
    "DATE_TIME",
)
THRESHOLD = 0.5
ENGLISH_SHARE = 0.2  # a line this much Latin script (of its letters) is English or mixed ...
ENGLISH_WORDS = 2  # ... and holds this many words of three or more letters (not mmol/L, tid, IP)
_ENGLISH_WORD = re.compile(r"(?<![@.\w])[A-Za-z]{3,}\d*(?![@.\w])")  # not in e-mails, units (mmHg), codes
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# a recognizer's prefilter (None: every text) and the function finding its results in an admitted text
_Finder = tuple[Prefilter | AnyOf | None, Callable[[str], list[RecognizerResult]]]


def latin_share(text: str) -> float:
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return latin / (latin + cjk) if latin + cjk else 0.0


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end, "score": round(self.score, 2)}


CHUNK = 4000  # characters analyzed at once: per-chunk work is bounded, so a text's time is linear
OVERLAP = 200  # characters of context on each side of a chunk (no entity is longer)
MAX_CHARS = 1_000_000
# full-width digits, Latin letters and number punctuation read as their ASCII forms (２０２６年３月,
# 住院号２０２６００３３８１, 2026．3．17): one character for one, so offsets stay the text's own
HALF_WIDTH = str.maketrans(
    {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"．": ".", "－": "-", "／": "/", "＋": "+"}
)
# exactly the characters HALF_WIDTH maps (not the full-width colon or semicolon every Chinese form holds):
# a scan for one is cheaper than the translation
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a．－／＋]")


class TextAnalyzer:
    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars
        registry = RecognizerRegistry(supported_languages=["zh"])
        for r in (
            *identifier_recognizers(),
            *date_recognizers(),
            *place_recognizers(),
            ChineseNameRecognizer(),
            LatinNameRecognizer(),
            DottedNameRecognizer(),
            OrganizationRecognizer(),
        ):
            registry.add_recognizer(r)
        english = RecognizerRegistry(supported_languages=["en"])
        for r in english_recognizers():
            english.add_recognizer(r)
        self._chinese = registry.get_recognizers(language="zh", entities=list(ENTITY_TYPES))
        self._english = english.get_recognizers(language="en", entities=list(ENGLISH_TYPES))
        self._nlp = PatternOnlyNlpEngine()
        # the recognizers of each (language, wanted types), and the language's empty NLP artifacts
        self._chosen: dict[tuple[str, tuple[str, ...]], list[_Finder]] = {}
        self._artifacts = {lang: self._nlp.process_text("", lang) for lang in ("zh", "en")}

    def analyze(self, text: str, entities: Collection[str] | None = None) -> list[Entity]:
        """Entities in ``text`` (only of the ``entities`` types when given: the recognizers of other types
        do not run). A long text is analyzed in chunks of about ``CHUNK`` characters that end at a line or
        sentence end, each with ``OVERLAP`` characters of context either side; a chunk keeps the findings
        that start in its own part."""
        if len(text) > self.max_chars:
            raise TooLarge(
                f"text of {len(text)} characters; at most {self.max_chars} are analyzed at once",
                code="text_too_long",
            )
        if _FULL_WIDTH.search(text):
            text = text.translate(HALF_WIDTH)
        zh = [e for e in ENTITY_TYPES if entities is None or e in entities]
        en = [e for e in ENGLISH_TYPES if entities is None or e in entities]
        if len(text) <= CHUNK + OVERLAP:
            return resolve_overlaps(self._raw(text, zh, en))
        found: list[RecognizerResult] = []
        for own_start, own_end in chunk_bounds(text):
            start, end = max(0, own_start - OVERLAP), min(len(text), own_end + OVERLAP)
            for r in self._raw(text[start:end], zh, en):
                if own_start <= r.start + start < own_end:
                    found.append(RecognizerResult(r.entity_type, r.start + start, r.end + start, r.score))
        return resolve_overlaps(found)

    def _raw(self, text: str, zh: list[str], en: list[str]) -> list[RecognizerResult]:
        raw = self._run(self._chinese, text, "zh", zh) if zh else []
        for start, end in english_lines(text) if en else []:  # English or mixed lines: English ones too
            for r in self._run(self._english, text[start:end], "en", en):
                raw.append(RecognizerResult(r.entity_type, r.start + start, r.end + start, r.score))
        return raw

    def _run(
        self, recognizers: list[EntityRecognizer], text: str, language: str, wanted: list[str]
    ) -> list[RecognizerResult]:
        """The findings of the recognizers of the ``wanted`` types (the others do not run)."""
        if not FAST.fast:
            artifacts = self._nlp.process_text(text, language)
            return [
                r
                for recognizer in recognizers
                if set(recognizer.supported_entities) & set(wanted)
                for r in recognizer.analyze(text=text, entities=wanted, nlp_artifacts=artifacts)
                if r.score >= THRESHOLD and r.entity_type in wanted
            ]
        # the same, with the choice of recognizers, their prefilters and the (empty) NLP artifacts made
        # once; a prefilter is asked here, before any call into the recognizer
        key = (language, tuple(wanted))
        chosen = self._chosen.get(key)
        if chosen is None:
            artifacts = self._artifacts[language]
            chosen = self._chosen[key] = [
                _fast_finder(r, wanted, artifacts)
                for r in recognizers
                if set(r.supported_entities) & set(wanted)
            ]
        types = frozenset(wanted)
        return [
            r
            for gate, find in chosen
            if gate is None or gate.admits(text)
            for r in find(text)
            if r.score >= THRESHOLD and r.entity_type in types
        ]


def _fast_finder(recognizer: EntityRecognizer, wanted: list[str], artifacts: NlpArtifacts) -> _Finder:
    """A recognizer's prefilter (None: every text) and what finds its results in a text the prefilter
    admits: our regex recognizers' scan without a second look at the prefilter, Presidio's pattern
    recognizers' scan without their per-call machinery, any other recognizer's ``analyze``."""
    if isinstance(recognizer, RegexRecognizer) and type(recognizer).analyze is RegexRecognizer.analyze:
        return recognizer.prefilter, recognizer.found
    lean = lean_pattern_analyze(recognizer)
    if lean is not None:
        return _presidio_prefilter(recognizer), lean
    wanted = list(wanted)
    return _presidio_prefilter(recognizer), lambda text: recognizer.analyze(
        text=text, entities=wanted, nlp_artifacts=artifacts
    )


def _presidio_prefilter(recognizer: EntityRecognizer) -> AnyOf | None:
    """The prefilter of one of Presidio's pattern recognizers, also when wrapped to be scored by context
    words (``ContextScored`` without candidate windows: it rescores what the inner one finds in the
    whole text). Our own regex recognizers carry their own (``_fast_finder``)."""
    inner = getattr(recognizer, "_inner", None)
    if isinstance(inner, EntityRecognizer) and getattr(recognizer, "_windows", True) is None:
        return pattern_prefilter(inner)
    return pattern_prefilter(recognizer)


_BREAK = re.compile(r"[\n。；;！？!?]")


def chunk_bounds(text: str) -> list[tuple[int, int]]:
    """Consecutive spans covering ``text``, each about CHUNK characters, ending after a line or sentence
    end where one lies in the chunk's last quarter."""
    bounds, start = [], 0
    while start < len(text):
        end = min(len(text), start + CHUNK)
        if end < len(text):
            last = None
            for m in _BREAK.finditer(text, start + CHUNK * 3 // 4, end):
                last = m.end()
            end = last or end
        bounds.append((start, end))
        start = end
    return bounds


_LATIN_NAME_PAIR = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_THREE_LETTERS = re.compile(r"[A-Za-z]{3}")  # every English word (_ENGLISH_WORD) holds three


def english_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the lines that are English or mixed, adjacent ones joined."""
    spans: list[tuple[int, int]] = []
    fast = FAST.fast
    if fast and not _THREE_LETTERS.search(text):
        return spans  # no English word anywhere: no line is English
    pos = 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line)
        words = len(_ENGLISH_WORD.findall(line))
        # (a line with one word is mixed too when it holds a Latin name: RN Xu Jing 徐静)
        wordy = words >= ENGLISH_WORDS or (words > 0 and _LATIN_NAME_PAIR.search(line) is not None)
        # a Latin-only line with one word (Phone: 218-724-6610) belongs to the English note around it
        # (fast: the word count, which both tests need, before the Latin share)
        if (
            (wordy and latin_share(line) >= ENGLISH_SHARE)
            if fast
            else (latin_share(line) >= ENGLISH_SHARE and wordy)
        ) or (
            # ... and so does one with no word (NY DL: 742 815 396) right after an English line
            (words or (spans and spans[-1][1] == pos and _LATIN.search(line))) and not _CJK.search(line)
        ):
            if spans and spans[-1][1] == pos:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((pos, end))
        pos = end
    return spans


def resolve_overlaps(results: list[RecognizerResult]) -> list[Entity]:
    """Keep the best of overlapping findings: higher score first, then the longer span. The kept spans do
    not overlap, so each candidate is checked against its two neighbours by start (bisect): n log n."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    starts: list[int] = []
    kept: list[RecognizerResult] = []
    for r in ranked:
        i = bisect.bisect_left(starts, r.start)
        if i > 0 and kept[i - 1].end > r.start:
            continue
        if i < len(kept) and kept[i].start < r.end:
            continue
        starts.insert(i, r.start)
        kept.insert(i, r)
    return [Entity(r.entity_type, r.start, r.end, float(r.score)) for r in kept]
