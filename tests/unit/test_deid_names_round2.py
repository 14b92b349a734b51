"""Names the second session-14 round of the rules finds (issue #17), each class first seen missed on
several hand-written sets (v22-v28, tuning material): names written with spaces between their characters
in running text and tables' cells (同事某 某证实, 、某 某、, | 某 某 |); a surname before a title in more
openings (a quotation, a bracket, a dash, 的 and 是, an office: 转诊办X老师, a person noun: 邻居X大姐).
A lone surname signing after a role without a colon (经办人X。), a surname and a rank in the family
(X老三), a Latin name glossed by its Chinese form. Phrases are invented for these tests; the negatives are
spaced headers, words, herbs, departments and places."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("如需改约请联系本院江 帆医生。", ["江 帆"]),
        ("陪护：严 冬、金 秋。", ["严 冬", "金 秋"]),
        ("08:15 请焦 玉 梅到2号窗口缴费", ["焦 玉 梅"]),
        ("| 0413 | 车 明 | 已随访 |", ["车 明"]),
        ("室友付 磊证实其当晚未饮酒。", ["付 磊"]),
        ("受试者 07-0112（程 远）第 2 周期延迟。", ["程 远"]),
        ("常 青：好的，我下午过来。", ["常 青"]),
        ("21 : 40  潘  杰  男 47 胸痛", ["潘  杰"]),
        ("讲座由 Sub-I 靳 然、CRC 小乔负责。", ["小乔", "靳 然"]),
    ],
)
def test_a_spaced_name_in_running_text_or_a_cell(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "性 别 女    年 龄 5 2",  # a form's spaced labels
        "时 间 ： 2024-05-01",
        "费 别 ：自费",
        "出 院 小 结",  # a spaced heading
        "| 项 目 | 结 果 |",
        "诊断：高 血 压",
        "黄 芪 15g 当 归 10g",  # herbs
        "内 科 门诊",
        "南 岸 区",
    ],
)
def test_spaced_headers_words_and_terms_are_no_names(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


def test_a_character_that_ends_a_word_opens_no_spaced_name(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "值班 李医生已到。") == ["李"]  # 班 ends the word 值班


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("家长：是俞医生开的退烧药，之前没吃过", ["俞"]),
        ("护士：是罗主任交代的", ["罗"]),
        ("麻烦转给平安的汤老师，谢谢", ["汤"]),
        ("尊敬的俞先生，您的复查结果已出", ["俞"]),
        ("“罗医生您好，我是3床家属", ["罗"]),
        ("（汤奶奶）今日复诊", ["汤"]),
        ("门诊部-汤护士", ["汤"]),
        ("设备办宋老师 138", ["宋"]),
        ("派出所俞警官到场", ["俞"]),
        ("A区2号 向老师（家属）来电", ["向"]),
        ("楼上邻居幸大妈送来", ["幸"]),
    ],
)
def test_a_surname_before_a_title_in_more_openings(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "患者的主管医生已到",
        "是主任医师查房",
        '家属问"医生您好"',
        "他是全科医生",
        "（主治医师）签字",
        "——值班医生",
        "办公室的护士长",
        "是否需要医生陪同",
        "向医生汇报病情",
        "患者和医生沟通后同意",
        "家属与护士长交代",
    ],
)
def test_titles_after_these_openings_alone_are_no_names(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("本单已核销。经办人尚。2024-05-01", ["尚"]),
        ("结算员 闫", ["闫"]),
        ("核对人 蔺（签）", ["蔺"]),
        ("初审：闵　复审：牛志强", ["牛志强", "闵"]),
    ],
)
def test_a_lone_surname_signing_after_a_role_without_a_colon(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize("text", ["患者男，45岁", "护士：无，", "签名：略。", "工作人员多，"])
def test_a_role_before_a_sex_or_a_word_of_no_one_holds_no_name(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("说隔壁侯老三打了就瘦了", ["侯老三"]),
        ("到了哈，秦大伯、龙二娃记得来拿", ["秦", "龙二娃"]),
        ("2　　冯老幺　J2410", ["冯老幺"]),
    ],
)
def test_a_surname_and_a_rank_in_the_family(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text", ["他家老三在外地", "我和老三去医院", "排行老三，上有两个姐姐", "家中老二陪同"]
)
def test_a_rank_without_a_surname_is_no_name(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


def test_a_latin_name_glossed_by_its_chinese_form_is_found_in_both_forms(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "Hana Sato（佐藤花），29岁，日本籍") == ["Hana Sato", "佐藤花"]


@pytest.mark.parametrize(
    "text", ["服用 Liu Jun Zi Tang (六君子汤) granules", "Bu Zhong Yi Qi Wan (补中益气丸) 9g"]
)
def test_a_chinese_medicine_glossed_by_its_pinyin_is_no_name(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []
