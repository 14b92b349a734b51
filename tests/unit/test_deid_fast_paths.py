"""The recognizers' fast paths (issue 17, throughput) change no finding.

Prefilters derived from each pattern skip scans that cannot match, the name model skips candidates that
cannot win, the analyzer chooses its recognizers once: every evaluation document of the benchmark (the
sealed held-out sets, corpus.SEALED, are never loaded) gives the same entities, offsets and scores with the
fast paths as with ``exhaustive()``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.deid.corpus import HELD_OUT, SEALED, load, phrases
from node.anonymization.analyzer import TextAnalyzer, _presidio_prefilter
from node.anonymization.recognizers.anchored import AnchoredScanner, skipping
from node.anonymization.recognizers.base import FAST, RegexRecognizer, exhaustive
from node.anonymization.recognizers.english import EnglishNameRecognizer
from node.anonymization.recognizers.name_model import NameModel
from node.anonymization.recognizers.prefilter import Prefilter

SETS = tuple(n for n in ("tuned", "development", *HELD_OUT) if n not in SEALED)  # sealed: never loaded


@pytest.fixture(scope="module")
def texts() -> list[str]:
    assert not set(SEALED) & set(SETS)
    docs = [d.text for name in SETS for d in load(name)]
    return docs + phrases("cue_negatives") + phrases("nameless_notes")


def _findings(analyzer: TextAnalyzer, texts: list[str]) -> list[list[tuple[str, int, int, float]]]:
    return [[(e.type, e.start, e.end, e.score) for e in analyzer.analyze(t)] for t in texts]


def test_the_fast_paths_find_exactly_what_the_exhaustive_run_finds(
    analyzer: TextAnalyzer, texts: list[str]
) -> None:
    assert FAST.fast
    fast = _findings(analyzer, texts)
    with exhaustive():
        assert not FAST.fast
        slow = _findings(analyzer, texts)
    assert FAST.fast
    assert len(texts) > 13_000 and sum(map(len, fast)) > 20_000  # every set, and findings to compare
    differing = [(t[:60], f, s) for t, f, s in zip(texts, fast, slow, strict=True) if f != s]
    assert not differing, differing[:3]


def test_a_long_text_in_chunks_is_unchanged_too(analyzer: TextAnalyzer) -> None:
    text = "\n".join(d.text for d in load("tuned", 200))
    assert len(text) > 30_000
    fast = [(e.type, e.start, e.end, e.score) for e in analyzer.analyze(text)]
    with exhaustive():
        slow = [(e.type, e.start, e.end, e.score) for e in analyzer.analyze(text)]
    assert fast == slow and len(fast) > 500


def test_every_pattern_match_is_admitted_by_its_prefilter(analyzer: TextAnalyzer, texts: list[str]) -> None:
    """Stronger than equal findings: no text a pattern matches in is refused, whatever the scorer says."""
    regexes = [r for r in analyzer._chinese + analyzer._english if isinstance(r, RegexRecognizer)]
    assert len(regexes) > 20
    refused = [
        (r.name, t[:40])
        for r in regexes
        for t in texts
        if not r.prefilter.admits(t) and r._pattern.search(t) is not None
    ]
    assert not refused, refused[:3]
    # and the prefilters do refuse: most notes hold no e-mail, policy label or passport label
    refusing = [r for r in regexes if sum(not r.prefilter.admits(t) for t in texts[:2000]) > 1000]
    assert len(refusing) >= 8


def test_the_english_name_rules_are_admitted_wherever_they_match(texts: list[str]) -> None:
    """The English name recognizer scans each rule behind its prefilter."""
    rules = [(pattern, Prefilter.of(pattern)) for pattern, _ in EnglishNameRecognizer.RULES]
    refused = [(p.pattern[:30], t[:40]) for p, f in rules for t in texts if not f.admits(t) and p.search(t)]
    assert not refused, refused[:3]
    assert sum(not f.admits(t) for _, f in rules for t in texts[:1000]) > 4000  # most rules refuse most notes


def test_presidio_pattern_recognizers_are_admitted_wherever_a_pattern_matches(
    analyzer: TextAnalyzer, texts: list[str]
) -> None:
    """Presidio compiles its patterns with the regex module; the prefilters read them with Python's
    parser: no text where the regex module finds a match may be refused."""
    import regex

    gated = [(r, p) for r in analyzer._english if (p := _presidio_prefilter(r)) is not None]
    assert {r.name for r, _ in gated} >= {"UsSsnRecognizer_cued", "DateRecognizer"}
    for recognizer, prefilter in gated:
        inner = getattr(recognizer, "_inner", recognizer)
        compiled = [regex.compile(p.regex, inner.global_regex_flags) for p in inner.patterns]
        refused = [t for t in texts if not prefilter.admits(t)]
        assert len(refused) > 200, recognizer.name  # it does refuse
        wrong = [t[:40] for t in refused if any(c.search(t) for c in compiled)]
        assert not wrong, (recognizer.name, wrong[:3])


@pytest.mark.parametrize(
    ("pattern", "admitted", "refused"),
    [
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}", "写信 a@b.cn", "没有邮箱 a.b.cn"),
        (r"(?<![\d-])(?:\d{4}[ -]?){3}\d{4}(?!\d)", "卡号 6222 0212 3456 7890", "卡号 6222 0212 3456"),
        # a label from an alternation, a case-insensitive one as well
        (r"(?i)(?:病案号|MRN)[:：]?(\d{6,})", "mrn:123456", "病历123456"),
        # the literal of a lookbehind is in the text too; a negative lookahead's is not needed
        (r"(?<=护照)[A-Z]\d{8}(?!号)", "护照E12345678", "E12345678"),
        # full-width digits are digits to \d
        (r"\d{11}", "电话１３９１２３４５６７８", "电话一三九"),
        # a back-reference asks for nothing more than its group
        (r"(a|b)c\1", "aca", "dc"),
        # two adjacent classes (a separator, then a capital) that every branch of an alternation reads:
        # the cue alone admits no text without them
        (
            r"(?:联系人|外籍)[ ]*([A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2})"
            r"|([A-Z][a-z]+(?:[ -][A-Z][a-z]+))(?=籍)",
            "联系人Anna Kowalska",
            "联系人ANNA,KOWALSKA",
        ),
        # a class, then the first characters of an alternation's branches
        (r"[A-Z](?:[a-z]{2}|'[A-Z])\d", "O'B1", "联系人 A 1 ok"),
    ],
)
def test_prefilter_conditions(pattern: str, admitted: str, refused: str) -> None:
    compiled = re.compile(pattern)
    prefilter = Prefilter.of(compiled)
    assert compiled.search(admitted) and prefilter.admits(admitted)
    assert not compiled.search(refused) and not prefilter.admits(refused)


def test_case_insensitive_literals_admit_every_case_folding() -> None:
    """Under IGNORECASE the Kelvin sign matches k and the long s matches s: a literal condition must not
    refuse them."""
    for pattern, text in [
        (r"(?i)kg\d", "\u212ag5"),
        (r"(?i:ssn)\d", "\u017f\u017fn1"),
        ("(?i)MRN\\d", "mrn1"),
    ]:
        compiled = re.compile(pattern)
        assert compiled.search(text)
        assert Prefilter.of(compiled).admits(text), pattern


_PATTERNS = [
    r"(?<![\d-])(?:\d{4}[ -]?){3}\d{4}(?!\d)",
    r"(?:护照(?:号码|号)?|[Pp]assport)[ \t]*[:：]?[ \t]*([A-Z]{1,3}\d{6,9})",
    r"(?i)(?:病案号|住院号|ID号|MRN)[:：为]?([A-Z]{0,4}-?\d[A-Z0-9-]{3,9})",
    r"(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])",
    r"[京沪渝][A-HJ-NP-Z][·• ]?[A-HJ-NP-Z0-9]{5}(?![A-Za-z0-9])",
    r"(?=\d{3})\d{2}[A-Fa-f]+(?:@|＠)x",
    r"(?:护照|外籍)[ ]*([A-E](?:[a-f]+|'[A-E][a-f])(?:[ -][A-E][a-f]+){1,2})"
    r"|([A-E][a-f]+(?:[ -][A-E][a-f]+))(?=号)",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_PATTERNS),
    st.text(alphabet="0123456789１ -./:：护照号码Passport病案住院IDmrn京渝ABEX@＠x年外籍'abc", max_size=40),
)
def test_a_prefilter_never_refuses_a_text_its_pattern_matches(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    if compiled.search(text):
        assert Prefilter.of(compiled).admits(text)


def test_the_name_model_segments_alike_with_and_without_its_bounds(texts: list[str]) -> None:
    """Every text's names, and every run's whole segmentation (the fast path also skips the runs with no
    candidate a context could save: ``find`` only)."""
    model = NameModel.packaged()
    fast = [model.find(t) for t in texts]
    runs = [(t, m.start(), m.end()) for t in texts[::5] for m in re.finditer(r"[\u4e00-\u9fff]+", t)]
    fast_runs = [model.segment(*run) for run in runs]
    with exhaustive():
        slow = [model.find(t) for t in texts]
        slow_runs = [model.segment(*run) for run in runs]
    assert fast == slow and sum(map(len, fast)) > 5000
    assert fast_runs == slow_runs and sum(name for spans in fast_runs for *_, name in spans) > 1000
    # and the skip does skip: a good share of the runs with a surname character hold no candidate that
    # can win
    skipped = [(t, s, e) for t, s, e in runs if model._surname_char.search(t, s, e)]
    winnable = [model._winnable(t, model._candidates(t, [(s, e)])) for t, s, e in skipped]
    assert sum(not w for w in winnable) > len(skipped) // 3


def test_the_address_pattern_is_tried_only_where_its_anchors_allow(
    analyzer: TextAnalyzer, texts: list[str]
) -> None:
    """The address pattern opens on any Chinese character in two of its alternatives: it is scanned only
    before its anchors (a place name, a prefecture city with its 市, 路/街/巷..., 县/自治州, 州 before a
    county, 市 of a city off the list, 街道 before a community, 花园/新村... before a building), with the
    same matches as re.finditer."""
    address = next(r for r in analyzer._chinese if r.name == "LOCATION_recognizer")
    scanner = address.anchored
    assert scanner is not None and len(scanner.anchors) == 9
    for t in texts:
        assert [m.span() for m in scanner.finditer(t)] == [m.span() for m in address._pattern.finditer(t)], t
    assert sum(scanner.starts(t) is not None for t in texts) > len(texts) * 0.9  # rarely the plain scan


_WIDE = [
    # an alternative opening on any Chinese character, one on a literal, overlapping anchors (江北/北京)
    r"(?:[\u4e00-\u9fff]{1,3}?(?:路|街道)\d+号|(?:北京|江北)(?:市|区)?)(?:\d+栋)?",
    r"(?<![住在])(?:[\u4e00-\u9fff]{2,4}(?:县|自治州)|[一-龥]{0,2}?[甲乙]{2})",
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_WIDE), st.text(alphabet="北京江市区路街道县自治州住在甲乙12号栋 ，", max_size=30))
def test_anchored_scanning_finds_what_finditer_finds(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    scanner = AnchoredScanner.of(compiled)
    assert scanner is not None
    assert [m.span() for m in scanner.finditer(text)] == [m.span() for m in compiled.finditer(text)]


def test_anchored_scanning_applies_only_where_the_engine_cannot_skip() -> None:
    assert AnchoredScanner.of(re.compile(r"(?:病案号|住院号)[:：]?\d+")) is None  # opens on literals
    assert AnchoredScanner.of(re.compile(r"[\u4e00-\u9fff]+")) is None  # no anchor
    assert AnchoredScanner.of(re.compile(r"[\u4e00-\u9fff]*县")) is None  # unbounded before the anchor
    assert AnchoredScanner.of(re.compile(r"[\u4e00-\u9fff]{0,3}县?")) is None  # empty matches
    scanner = AnchoredScanner.of(re.compile(r"[\u4e00-\u9fff]{1,8}?县"))
    assert scanner is not None and scanner.finditer("丰都县三合镇") is not None
    assert [m.group() for m in scanner.finditer("重庆市丰都县三合镇，忠县")] == ["重庆市丰都县", "忠县"]


def test_patterns_with_their_lookbehind_moved_find_the_same_matches_and_groups(
    analyzer: TextAnalyzer, texts: list[str]
) -> None:
    regexes = [r for r in analyzer._chinese + analyzer._english if isinstance(r, RegexRecognizer)]
    moved = [r for r in regexes if r.scan is not r._pattern]
    assert len(moved) >= 10  # the identifier and date patterns open on a lookbehind
    for r in moved:
        for t in texts:
            got = [(m.span(), m.groups()) for m in r.scan.finditer(t)]
            assert got == [(m.span(), m.groups()) for m in r._pattern.finditer(t)], (r.name, t[:40])


_BEHIND = [
    r"(?<![\d-])\d{6}[ -]?(?:18|19|20)\d{2}",
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",
    r"(?<!\d)(?:19|20)(\d{2})([-/.])\d\2\d",
    r"(?<=[:：])(?<![A-Z]{2}[:：])[A-Z]\d{2,4}?",
    r"(?<![\d年])(?:1|0)+[:-](\d)?",
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_BEHIND), st.text(alphabet="0123456789１.-/ :：年ABX", max_size=30))
def test_a_moved_lookbehind_finds_what_the_pattern_finds(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    moved = skipping(compiled)
    assert moved is not None
    got = [(m.span(), m.groups()) for m in moved.finditer(text)]
    assert got == [(m.span(), m.groups()) for m in compiled.finditer(text)]


def test_a_lookbehind_stays_where_nothing_is_gained() -> None:
    assert skipping(re.compile(r"\d{6}")) is None  # no lookbehind
    assert skipping(re.compile(r"(?<!x)(?:a|b?c)d")) is None  # a branch opening on an optional part
    assert skipping(re.compile(r"(?<!x)(\d)+")) is None  # the first round holds a group
    moved = skipping(re.compile(r"(?<![\d-])\d{4}"))
    assert moved is not None and [m.group() for m in moved.finditer("0123456 a1234, -5678")] == [
        "0123",
        "1234",
    ]


def test_the_full_width_scan_finds_exactly_the_characters_read_as_ascii() -> None:
    """The translation runs only for a text holding a character it maps (a full-width colon, in
    almost every Chinese form, is none of them)."""
    from node.anonymization.analyzer import _FULL_WIDTH, HALF_WIDTH

    mapped = {chr(k) for k in HALF_WIDTH}
    block = [chr(c) for c in range(0xFF00, 0xFFF0)]
    assert [c for c in block if bool(_FULL_WIDTH.search(c)) != (c in mapped)] == []
    assert _FULL_WIDTH.search("姓名：张三；性别：男") is None


def test_label_alternations_open_on_literals(analyzer: TextAnalyzer) -> None:
    """The label patterns (MRN, policy, insurance card, passport) and the Chinese month-day are rewritten
    into alternatives that each open on a literal; the equivalence tests above compare their matches."""
    from node.anonymization.recognizers.opening import opening_on_literals

    regexes = [r for r in analyzer._chinese if isinstance(r, RegexRecognizer)]
    opened = [r for r in regexes if r.scan is not r._pattern and skipping(r._pattern) is None]
    assert {r.name for r in opened} >= {"MEDICAL_RECORD_NUMBER_recognizer", "CN_INSURANCE_POLICY_recognizer"}
    assert opening_on_literals(re.compile(r"病案号\d+")) is None  # the engine skips by 病 already
    assert opening_on_literals(re.compile(r"(?i)(?:mrn|id)\d")) is None  # other cases: not written out
    assert opening_on_literals(re.compile(r"(?:^|:)\d")) is None  # a zero-width opening
    assert opening_on_literals(re.compile(r"(?:\d|a)b")) is None  # \d reads every Unicode digit


_OPENING = [
    # a group, a class, an optional item and a lookbehind at the start; groups after them
    r"(?:病案|[Ii][Dd])号[:：]?(\d{2,4})",
    r"(?<![\d-])(?:(?:\+|00)86[ -]?)?1[3-9](\d)",
    r"(?<![\d年])(?:0?[1-9]|1[0-2])月(\d)?|(?:十[一二]?|[一二三])月",
    r"(?:(?:保单|团单)(?:号|编号)?|案件(?:号)??|[Pp]olicy)(?: ?#)?[:：]?(\d+)(?:和(\d+))?",
    r"(?:ab|[bc])(?:c|bcd)(d*)",
    r"x{1,3}?(y)|(?:y|x)+?z",
]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(_OPENING),
    st.text(alphabet="病案号IiDd:：0123456789+-年月十一二三保单团编和件Ppolicy #abcdxyz", max_size=30),
)
def test_a_pattern_opening_on_literals_finds_what_the_pattern_finds(pattern: str, text: str) -> None:
    from node.anonymization.recognizers.opening import opening_on_literals

    compiled = re.compile(pattern)
    opened = opening_on_literals(compiled)
    assert opened is not None
    got = [(m.span(), m.groups()) for m in opened.finditer(text)]
    assert got == [(m.span(), m.groups()) for m in compiled.finditer(text)]


_OPENING_ON_A_CLASS = [
    # compound surnames before a class of single ones (the name candidates); a longer alternative first
    r"(?:欧阳|司马|东方|[王李司东欧张])[\u4e00-\u9fff]{1,2}",
    r"(?:ab|a|[abc](d)|c)(e+)?f?",
    r"(?:[xy]z|x[yz]w|y)(?<!xyz)(\w)",
    # a lookbehind and a nested alternation before the alternatives (a romanized Korean name)
    r"(?<![\w-])(?:(?:Kim|Lee) [A-Z][a-z]{1,2}-[a-z]{1,2}|[A-Z][a-z]{1,2}-[a-z]{1,2} (?:Kim|Lee))(?![\w-])",
]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(_OPENING_ON_A_CLASS),
    st.text(alphabet="欧阳司马东方王李张明华 abcdefwxyz-KimLeJ", max_size=30),
    st.integers(min_value=0, max_value=5),
)
def test_a_pattern_opening_on_a_class_finds_what_the_pattern_finds(pattern: str, text: str, pos: int) -> None:
    from node.anonymization.recognizers.opening import opening_on_a_class

    compiled = re.compile(pattern)
    opened = opening_on_a_class(compiled)
    assert opened is not None
    assert [(m.span(), m.groups()) for m in opened.finditer(text)] == [
        (m.span(), m.groups()) for m in compiled.finditer(text)
    ]
    ours, theirs = opened.search(text, pos), compiled.search(text, pos)
    assert (ours and (ours.span(), ours.groups())) == (theirs and (theirs.span(), theirs.groups()))


def test_the_name_candidates_open_on_a_class() -> None:
    """The name candidates' alternation (compound surnames, then a class of single ones) and the romanized
    Korean names (a surname, or a capital) are tried at every position as written; rewritten, they open
    on the class of their first characters."""
    from node.anonymization.recognizers.names import _CANDIDATE, _CANDIDATE_SCAN, _KOREAN_LATIN
    from node.anonymization.recognizers.opening import opening_on_a_class

    assert _CANDIDATE_SCAN is not _CANDIDATE
    assert opening_on_a_class(_KOREAN_LATIN) is not None  # (scanned through base.prefiltered)
    assert _CANDIDATE_SCAN.pattern != _CANDIDATE.pattern
    text = "患者欧阳明华，由司马医生接诊，王芳陪同。" * 3
    assert [m.span() for m in _CANDIDATE_SCAN.finditer(text)] == [m.span() for m in _CANDIDATE.finditer(text)]
    assert opening_on_a_class(re.compile(r"(?:欧阳|司马)\w")) is None  # literals: the engine skips already
    assert opening_on_a_class(re.compile(r"(?i)(?:ab|[cd])e")) is None  # case folding: not read here
    assert opening_on_a_class(re.compile(r"(?:ab|[^cd])e")) is None  # a negated class
    assert opening_on_a_class(re.compile(r"(?:ab|[\u4e00-\u9fff])e")) is None  # every Chinese character
    assert opening_on_a_class(re.compile(r"(?:ab|\d)e")) is None  # a category
