"""Classes of names and identifiers the recognizers missed on fresh sets (issue 17, after v20), each
rule tested on phrases written for this file (no name or number of an evaluation set)."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.recognizers import lexicon, names


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer()


def found(analyzer: TextAnalyzer, text: str) -> list[tuple[str, str]]:
    return [(e.type, text[e.start : e.end]) for e in analyzer.analyze(text)]


def test_one_list_of_person_nouns_serves_both_cue_rules() -> None:
    # the slot rule and the cue test read the same words: a role the cue test knows opens a slot too
    for word in ("值班医生", "责任护士", "麻醉医师", "记录者", "审核者", "家属", "儿媳", "参保人"):
        assert lexicon.BEFORE.search(word), word
        assert names._SLOT_CUE.match(word + "某"), word


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a role inside a sentence, a surname no list holds, the name closed by punctuation or a clause
        ("夜间已电话告知值班医生糜宏伟。", "糜宏伟"),
        ("由转诊医师敖晓莉陪同转入。", "敖晓莉"),
        ("责任护士宦丽君于06:00测血糖。", "宦丽君"),
        ("术中一助禹建华协助止血。", "禹建华"),
        # a bare surname before a title
        ("今晨蓝主任查房，同意出院。", "蓝"),
        ("请芮教授会诊，", "芮"),
        # short fields of nursing and handover records, a word as a name included
        ("交：小满  接：谷雨\n", "小满"),
        ("交：小满  接：谷雨\n", "谷雨"),
        ("记录：聂秀芝\n", "聂秀芝"),
        ("值班：冼志鹏   2025-11-02 22:00\n", "冼志鹏"),
        # a person's field whose whole value is a herb or holds one
        ("姓名：黄连英  性别：女", "黄连英"),
        ("参保人：忍冬  个人编码：77120045", "忍冬"),
    ],
)
def test_names_after_roles_in_fields_and_before_titles(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("患者和医生沟通后同意手术。", "和"),
        ("心血管医生建议复查心脏彩超。", "管"),
        ("同时医生告知风险。", "时"),
        ("请梁主任会诊。", "梁主任"),  # the title is no part of the name
        ("患者宁先生，男，52岁", "宁先生"),
        ("记录：神志清楚\n", "神志清楚"),
        ("患者：平稳\n", "平稳"),
        ("签名：医生\n", "医生"),
        ("护士：本人\n", "本人"),
        ("护士：已宣教  时间：10:00", "已宣教"),
        ("值班医生建议继续观察。", "建议"),
    ],
)
def test_roles_and_fields_holding_no_name(analyzer: TextAnalyzer, text: str, unwanted: str) -> None:
    assert ("PERSON", unwanted) not in found(analyzer, text)
