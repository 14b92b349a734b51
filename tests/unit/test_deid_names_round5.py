"""Names the fifth rules round finds (issue #17), each class first seen missed on the hand-written sets
v16-v29 (tuning material): a name, common word or not, before its sex and age, before 同学, after 兹证明,
after a party's colon (男方：), a handover's or a desk's colon (交班：, 接：, 经办：) or a signature's dash,
and an old person's familiar form (X老太, X老汉). Phrases are invented for these tests; the negatives are
role words, clinical words, drugs and departments in the same places."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("营养咨询：彩虹（女，37岁）问孕期补铁。", ["彩虹"]),
        ("请假条\n海豚同学，因急性胃肠炎需休息三天。", ["海豚"]),
        ("兹证明向日葵，女，1990年5月3日出生。", ["向日葵"]),
        ("婚前检查\n男方：海浪　1991年3月2日生", ["海浪"]),
        ("婚前检查\n女方：平安　1991年3月2日生", ["平安"]),
        ("乙方（居民）：闭秀芳  电话待补", ["闭秀芳"]),
        ("已通知供应商补货。经办：丰收", ["丰收"]),
        ("明早的体检别忘了带身份证。——春天", ["春天"]),
        ("7床卓老太夜间咳嗽加重，予雾化。", ["卓老太"]),
    ],
)
def test_a_name_after_a_weak_cue(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "各位同学，下午两点到操场集合。",
        "男方：不详",
        "全体同学，下午两点到操场集合。",
        "兹证明该患者于本院住院治疗。",
        "交班：平稳　接班：如常",
        "经办：医保科",
        "明早八点开会。——以上",
        "男方：同上",
    ],
)
def test_no_name_in_those_places(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "name", "organization"),
    [
        ("病案登记：患者聂文博携带四川省人民医院的CT片复诊。", "聂文博", "四川省人民医院"),
        ("药房登记：患者卜海涛持成都市第二人民医院外配处方取药。", "卜海涛", "成都市第二人民医院"),
    ],
)
def test_a_name_before_carrying_a_hospitals_papers(
    analyzer: TextAnalyzer, text: str, name: str, organization: str
) -> None:
    found = {(e.type, text[e.start : e.end]) for e in analyzer.analyze(text)}
    assert ("PERSON", name) in found
    assert ("ORGANIZATION", organization) in found


def test_an_organization_holding_the_character_stays_whole(analyzer: TextAnalyzer) -> None:
    text = "委托重庆持正律师事务所办理。"
    assert ("ORGANIZATION", "重庆持正律师事务所") in {
        (e.type, text[e.start : e.end]) for e in analyzer.analyze(text)
    }
