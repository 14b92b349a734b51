"""Names and no-names of the seventh rules round (issue #17), each class first seen on the hand-written
sets v16-v30 (tuning material): a day's word after a titled person (X主任周二上午, 女儿明天) and a ward
round's words after 患者 (房颤, 神清, a side opening a body part) are no names; 副 or 正 before a title
ends no given name (X副主任医师); a lone surname before a verb after a role is the surname alone
(理赔员X核实); a pronoun opens no name (我姓X: the surname is the name); a titled speaker's words are no
names; a surname the text states, a rare surname between a role and a title, a greeted name and a word in
a register's column of names are names. Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("门诊排班：龚主任周二全天，邵医生周五上午。", ["邵", "龚"]),
        ("出诊安排：滕主任周三上午，欧阳主任周日下午。", ["欧阳", "滕"]),
        ("家属说她女儿明天从广州回来，邵医生明早查房。", ["邵"]),
        ("查房记录：患者房颤心率偏快，请心内科会诊。", []),
        ("患者神清，对答切题，双肺呼吸音粗。", []),
        ("患者左上臂可见淤青，约3cm。", []),
        ("查房人员：孙丽丽、陈建军、左岚。", ["孙丽丽", "左岚", "陈建军"]),  # (左 in a list of names)
        ("报警人：我姓蒋，13512345678。", ["蒋"]),  # the surname, not 我姓X
    ],
)
def test_no_name_after_a_person(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("会诊意见：神经内科母春燕副主任医师建议复查头颅MRI。", "母春燕"),
        ("理赔员邝核实了伤者的就诊时间。", "邝"),
        ("康复治疗师粟指导患者行走训练。", "粟"),
    ],
)
def test_the_name_without_the_word_after_it(analyzer: TextAnalyzer, text: str, name: str) -> None:
    found = _persons(analyzer, text)
    assert name in found
    assert all(not (f != name and f.startswith(name)) for f in found)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("夏医生：先观察，多喝水。", ["夏"]),  # a titled speaker's words
        ("随访电话\n患者：还可以，就是有点晕。", []),
        ("抢2：邝姓老年女性，意识不清。", ["邝"]),  # a surname the text says is one
        ("主治蹇医生今日查房。", ["蹇"]),  # a rare surname between a role and a title
        ("他说刘大夫明天不出诊。", ["刘"]),
        ("【市第一人民医院】金星您好，您预约的体检已改期。", ["金星"]),  # a greeted name
        ("【医院】家长您好，请按时复诊。", []),
    ],
)
def test_names_of_speech_and_address(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


def test_a_word_in_a_column_of_names_is_a_name(analyzer: TextAnalyzer) -> None:
    rows = [
        "序号　科室　　姓名　　签到",
        "1　　心内科　　柏慧芳　　✓",
        "2　　骨科　　佘丽　　✓",
        "3　　急诊科　　满天星　　✓",
    ]
    text = "\n".join(rows)
    assert _persons(analyzer, text) == ["佘丽", "柏慧芳", "满天星"]


def test_a_column_of_diagnoses_holds_no_name(analyzer: TextAnalyzer) -> None:
    text = "交班\n1床 术后第2天 郭春燕 流质饮食\n3床 妊娠期糖尿病 杜文静 胰岛素泵\n5床 沈妙妙 先兆流产 孕12周"
    assert "先兆流产" not in _persons(analyzer, text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "今天小林护士请假，由王芳顶班。",
            ["小林", "王芳"],
        ),  # a familiar form that is a word, before a title
        ("请小叶老师把报告送来。", ["小叶"]),
        ("大连医生团队来院交流。", []),
    ],
)
def test_a_familiar_word_before_a_title(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names
