"""Names the fourth session-14 round of the rules finds (issue #17), each class first seen missed on the
hand-written sets v21-v29 (tuning material): Latin names with no cue (a listed given name alone or before
a surname, a pinyin name, a Vietnamese name, a single name after a role or a greeting, a Chinese surname
after an English title), a lone surname before a title or a form of address (谢谢X医生, 同事X调查员),
familiar forms (小X, 老X, 大X, 阿X, X哥, X姐), a child's doubled pet name, a speaker in brackets in a chat
export. Phrases are invented for these tests; the negatives are eponyms, stains,
Chinese medicines in pinyin, places, drugs, clinical words and role words alone."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Follow-up booked for Natalie Brooks after the audiogram.", ["Natalie Brooks"]),
        ("Referral letter for Omar Haddad, hearing aid fitting booked.", ["Omar Haddad"]),
        ("Seating plan 09:30 — Song Yuhan, table 4", ["Song Yuhan"]),
        ("The lab results were forwarded to Jiahui Deng yesterday evening.", ["Jiahui Deng"]),
        ("Visitor log: Trần Văn Bình signed in at the ward desk.", ["Trần Văn Bình"]),
        ("Refund approved; Agent Sunny confirmed the bank transfer.", ["Sunny"]),
        ("Hi there, I'm Tiffany, the one with the cracked molar.", ["Tiffany"]),
        ("请通知外联部的Wendy明早来取报告。", ["Wendy"]),
        ("Cindy和Derek都报名了周末的义诊。", ["Cindy", "Derek"]),
        ("Seen by Dr. 滕 today.", ["滕"]),
        ('A forum user "Grace Huang" posted the discharge photo.', ["Grace Huang"]),
        ("Vanessa's mother phoned twice.", ["Vanessa"]),
    ],
)
def test_a_latin_name_without_a_cue(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Rose Bengal staining showed punctate erosions.",
        "Crystal Violet was used for the Gram stain.",
        "Lauren分型：肠型。",
        "Prescribed Gui Pi Tang granules twice daily.",
        "Transferred from Hong Kong on the morning ferry.",
        "Office on Jiefang Lu near the bus depot.",
        "Mercy Hospital St. Louis discharge summary.",
        "Grace period for the premium ends next week.",
        "Nurse: please recheck the drain output.",
        "Amoxicillin Clavulanate 625 mg tid for seven days.",
    ],
)
def test_no_latin_name_in_words_drugs_places(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("好的，谢谢栾医生", ["栾"]),
        ("同事邰调查员已调取门诊病历。", ["邰"]),
        ("今天收了祁阿姨三十块挂号费。", ["祁"]),
        ("已转交晏组长处理。", ["晏"]),
        ("上午小蔡请假，由别人顶班。", ["小蔡"]),
        ("老樊说不用复查，下月再看。", ["老樊"]),
        ("保安大冯把他扶到了诊室。", ["大冯"]),
        ("阿彬也有类似的皮疹。", ["阿彬"]),
        ("我老公涛哥在吃降压药。", ["涛哥"]),
        ("你跟秀兰姐说一声就行。", ["秀兰"]),
        ("今天萌萌咳嗽加重了。", ["萌萌"]),
        ("[大勇]: 今天排队好久\n[秀梅]: 我也白等了\n", ["大勇", "秀梅"]),
    ],
)
def test_a_familiar_form_or_a_titled_surname(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "血小板减少，复查血常规。",
        "患者为意大利籍留学生。",
        "值班护士向医生汇报病情。",
        "交班医师：\n接班医师：",
        "小柴胡颗粒 1袋 tid",
        "大黄粉外敷，每日一次。",
        "老公陪同来院，神志清。",
        "阿莫西林胶囊 0.5g tid；阿托品滴眼液睡前。",
        "常常头晕，宝宝发热两天。",
        "结节较前缩小范围不大。",
        "班主任老师已知情。",
        "病灶大于5mm，最大张口度3指。",
        "医生",
        "护士长",
        "[系统]: 已签收\n[客服]: 您好\n",
    ],
)
def test_no_familiar_name_in_words_drugs_roles(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("编号|姓名|电话\n07|江山|13912345678\n08|黎明|13812345670\n", ["江山", "黎明"]),
        ("id\tname\tsex\nA-01\t长城\tM\nA-02\t凤霞\tF\n", ["凤霞", "长城"]),
        ("到场：葛一鸣、春雨、秋菊，均已签到。", ["春雨", "秋菊", "葛一鸣"]),
    ],
)
def test_a_table_name_column_or_a_list_of_names(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "编号|药品|数量\n07|阿莫西林|2\n08|布洛芬|1\n",
        "缺货：蒲公英、金银花、连翘，下周到货。",
        "症状：发热、咳嗽、咳痰，无胸痛。",
    ],
)
def test_no_name_in_other_columns_or_clinical_lists(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("班组长：覃　日期：3月2日", ["覃"]),
        ("请把发票原件寄回。——收费处邵\n", ["邵"]),
        ("药师焦告知不能同服。", ["焦"]),
        ("邻居向大姐代为签收。", ["向"]),
        ("小雯爸爸：孩子还在咳。", ["小雯"]),
        ("其太太小莹负责陪护。", ["小莹"]),
    ],
)
def test_a_surname_after_a_role_or_a_child_named_by_kin(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "病历已复印，下午让病案室补\n",
        "护士长说今晚加床。",
        "值班护士向医生汇报血压。",
        "小儿推拿每周两次。",
    ],
)
def test_no_surname_in_verbs_after_a_department(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []
