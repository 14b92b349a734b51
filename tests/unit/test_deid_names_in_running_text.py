"""Names the session-14 round of the rules finds (issue #17), each class first seen missed on several
hand-written sets (v23-v28, tuning material): a surname before the title of a trade or a post or a
kinship form (柯药师, 韩小姐, 许大姐), a function-word surname addressed between punctuation (曾医生，).
Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("邻居许大姐帮忙买菜。", ["许"]),
        ("孩子由孟大伯接送。", ["孟"]),
        ("路人韩小姐报警。", ["韩"]),
        ("采血人：鞠技师", ["鞠"]),
        ("审核：傅药师　2025-01-03", ["傅"]),
        ("交警卢警官到场。", ["卢"]),
        ("上报人米药师。", ["米"]),
        ("请何律师到场见证。", ["何"]),
        ("骆秘书受理后转交。", ["骆"]),
        ("康复科邵治疗师上门指导", ["邵"]),
        ("查房：龚住院医师汇报病史", ["龚"]),
        ("奚同学：\n你的申请已收到。", ["奚"]),
    ],
)
def test_a_surname_before_a_trade_s_title_or_a_kinship_form(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("果果妈：曾医生，孩子咳了一晚上", ["曾", "果果"]),
        ("曾医生：有没有发烧？", ["曾"]),
        ("值班医生：向医生，03:10", ["向"]),
        ("于老师（家长）来电", ["于"]),
    ],
)
def test_a_function_word_surname_addressed_between_punctuation(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "向医生汇报病情",  # toward the doctor
        "患者曾医治多年未愈",
        "夜班药师核对医嘱",
        "检验技师操作规范",
        "临床药师会诊意见",
        "主管药师审核处方",
        "他是一名律师",
        "康复治疗师评估",
    ],
)
def test_titles_without_a_surname_are_no_names(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []
