"""Names of the eighth rules round (issue #17), each class first seen on held_out_v31 (tuning material
since its one measurement): Latin names in Chinese and English notes whose family name is also an English
word (Tan, Tang, Long, Fan) before a two-syllable pinyin given name, a pinyin family name alone after a
police or a kinship title (Officer, Grandma), and a Latin name right before a Chinese form of address
(X先生, X女士). Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Household contacts tested in May: Fan Yuqing, Chen Bo.\n", ["Chen Bo", "Fan Yuqing"]),
        ("Follow-up call made to Long Haiyan about the culture result.\n", ["Long Haiyan"]),
        ("Sputum cultures sent for Tang Xinyue and Pan Ruolan.\n", ["Pan Ruolan", "Tang Xinyue"]),
        ("Statement taken by Officer Zhou at the triage desk.\n", ["Zhou"]),
        ("Grandma Tan was visited by her grandson on Sunday.\n", ["Tan"]),
        ("回访记录：请问是Walker先生吗？我们是医院客服中心。\n", ["Walker"]),
        ("翻译陪同：Laura Lindqvist女士已到达门诊三楼。\n", ["Laura Lindqvist"]),
    ],
)
def test_latin_names(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Skin tone: tan. Long Term care plan reviewed.\n",
        "The Tan Lines clinic opened at Long Beach.\n",
        "门诊大厅的Apple Store先生们排队。\n",
    ],
)
def test_no_latin_names(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (  # a speaker that is a word, in a chat whose other speakers are found names
            "病区群聊\n钱晓梅：谁去药房取一下白蛋白？\n长江：我去，十分钟\n孙立新：长江顺便把血样送检验科\n长江：好的\n",
            ["孙立新", "钱晓梅", "长江", "长江", "长江"],
        ),
        (  # after a time stamp in brackets
            "[2024-02-01 09:10] 钱晓梅：明天谁值班？\n[2024-02-01 09:12] 孙立新：我值\n"
            "[2024-02-01 09:15] 春雨：我换你，你周六来\n",
            ["孙立新", "春雨", "钱晓梅"],
        ),
    ],
)
def test_chat_speakers(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


def test_meeting_labels_are_no_speakers(analyzer: TextAnalyzer) -> None:
    text = (
        "病例讨论　2024.03.05\n出席：心内科 钱晓梅、孙立新\n病史：男，62岁，胸闷三天。\n"
        "钱晓梅：建议冠脉造影。\n孙立新：同意，先查肌钙蛋白。\n意见：择期造影。\n"
    )
    assert _persons(analyzer, text) == ["孙立新", "孙立新", "钱晓梅", "钱晓梅"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("交班：\n卓嘎（藏族，德吉卓嘎）今晨进食少，已报告值班医生。\n", ["卓嘎", "德吉卓嘎"]),
        ("探视登记\n其其格（蒙古族）由其侄子陪同，下午三点离开。\n", ["其其格"]),
    ],
)
def test_ethnicity_glossed(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


def test_ethnicity_after_a_clause_is_no_name(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "民族构成：本次调查对象（汉族，占多数）。\n") == []
