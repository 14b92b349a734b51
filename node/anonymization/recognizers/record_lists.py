"""A trial subject's number in running text, and numbers listed after one label.

A subject's code (S03-005, 07-009, 002-0017, HR17-02-007) names one patient of a trial: after 受试者 or
"subject(s)", a few characters on in the same clause (受试者3例：S03-005, 受试者袁某（S-03-121）, subjects
05-0012 to 05-0019), each code of a list joined by 、, 和, "to" ..., and the same code again anywhere in the
note (1. S03-007第4周期), and the codes opening the rows of a study's roster that has no header row. A record's label before 分别为 lists its numbers the same way (住院号分别为
Z2410338和Z2410791).
"""

from __future__ import annotations

import re

from node.anonymization.recognizers.base import prefiltered

# a subject's code: letters (and digits) then hyphened digit groups, or two digit groups of which the
# second is zero-padded to three or four digits (never a date's 2024-06 nor a range's 120-150)
_CODE = r"(?:[A-Z]{1,4}\d{0,3}-(?:\d{2,4}-)?\d{2,4}|\d{2,4}-0\d{2,3})(?![A-Za-z0-9-])"
_CUE = re.compile(
    r"(?:受试者|[Ss]ubjects?)(?:[^。；;\n]{0,10}?)(?<![A-Za-z0-9-])(" + _CODE + ")"
    # a record's label listing its numbers (住院号分别为…和…)
    r"|(?:住院|门诊|病案|病历)号分别(?:为|是)[ \t]*([A-Za-z]{0,3}\d{5,12})(?![A-Za-z0-9])"
)
_LIST_NEXT = re.compile(
    r"[ \t]*(?:、|,|，|和|及|与|至|到|to|and)[ \t]*([A-Za-z]{0,4}[0-9][A-Za-z0-9-]{2,14})(?![A-Za-z0-9])"
)
_cues = prefiltered(_CUE)
# a study's roster without a header row: lines that open on a subject's code, then a cell separator
# (EYE-RWS-019　某某　电话…), two lines or more of one shape in a note about a study's subjects
_ROW_CODE = re.compile(r"^((?:[A-Z]{1,6}-){1,3}\d{2,5})(?=[\t\u3000]| {2})", re.MULTILINE)
_STUDY = re.compile(r"受试者|[Ss]ubjects?\b|入组|队列|研究")


def row_codes(text: str) -> list[tuple[int, int]]:
    if "-" not in text or not _STUDY.search(text):
        return []
    by_shape: dict[str, list[tuple[int, int]]] = {}
    for m in _ROW_CODE.finditer(text):
        by_shape.setdefault(re.sub(r"\d", "0", m.group(1)), []).append(m.span(1))
    return [span for spans in by_shape.values() if len(spans) >= 2 for span in spans]


def subject_codes(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _cues(text):
        group = 1 if m.group(1) else 2
        spans.append(m.span(group))
        shape = re.sub(r"\d", "0", m.group(group))
        end = m.end(group)
        while (n := _LIST_NEXT.match(text, end)) and re.sub(r"\d", "0", n.group(1)) == shape:
            spans.append(n.span(1))
            end = n.end(1)
    spans += [span for span in row_codes(text) if span not in spans]
    for code in {text[s:e] for s, e in spans if "-" in text[s:e]}:
        for m in re.finditer(r"(?<![A-Za-z0-9-])" + re.escape(code) + r"(?![A-Za-z0-9-])", text):
            if m.span() not in spans:
                spans.append(m.span())
    return spans
