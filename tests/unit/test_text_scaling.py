"""Detection in long texts (issue 17): chunked with overlap, the same findings as whole, a maximum size."""

from __future__ import annotations

import time

import pytest

from benchmarks.deid.corpus import load
from node.anonymization.analyzer import CHUNK, TextAnalyzer
from node.errors import TooLarge


def _long_text(n_docs: int) -> str:
    return "\n".join(d.text for d in load("tuned", n_docs))


def test_a_long_text_gives_what_its_parts_give(analyzer: TextAnalyzer) -> None:
    docs = load("tuned", 120)
    text = "\n".join(d.text for d in docs)
    assert len(text) > 3 * CHUNK  # several chunks, with boundaries inside documents
    whole = {(e.type, e.start, e.end) for e in analyzer.analyze(text)}
    pos, expected = 0, set()
    for d in docs:
        expected |= {(e.type, e.start + pos, e.end + pos) for e in analyzer.analyze(d.text)}
        pos += len(d.text) + 1
    missing = expected - whole
    assert len(missing) <= len(expected) * 0.01, sorted(missing)[:5]  # names repeated across notes may differ
    assert {t for t, _, _ in expected - whole} <= {"PERSON"}


def test_detection_time_grows_linearly(analyzer: TextAnalyzer) -> None:
    small, large = _long_text(100), _long_text(800)
    analyzer.analyze(small)

    def cpu_seconds(text: str) -> float:  # this process's CPU time, best of three: other load does not count
        times = []
        for _ in range(3):
            t0 = time.process_time()
            analyzer.analyze(text)
            times.append(time.process_time() - t0)
        return min(times)

    t_small, t_large = cpu_seconds(small), cpu_seconds(large)
    ratio = len(large) / len(small)
    # eight times the text: at most ~3x more than linear (quadratic would be 64x); not a speed assertion
    assert t_large < t_small * ratio * 3, (t_small, t_large)


def test_a_text_over_the_maximum_is_refused() -> None:
    small = TextAnalyzer(max_chars=1000)
    with pytest.raises(TooLarge, match="1000"):
        small.analyze("患" * 1001)
    assert small.analyze("患者王芳，电话13912345678")
