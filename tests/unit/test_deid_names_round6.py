"""Names the sixth rules round finds (issue #17), each class first seen missed on the hand-written sets
v16-v30 (tuning material): foreign patients' names in their own script glossing a romanized form (a
Korean name in Hangul in brackets, after a slash or a colon; a name in Chinese characters after a
romanized name and a slash), a romanized Korean name with a hyphenated given name, a romanized name in
capitals as a name field's value, a Vietnamese form with its diacritics in brackets after a found name,
and a two-part name after a role (volunteer X Y). Phrases are invented for these tests; the negatives are
Hangul words, departments and labels in the same places."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ward note: Ms Han So-ra (한소라) reports less pain today.", "한소라"),
        ("外籍患者登记　Name 姓名：SEO DAEHYUN / 서대현　　Sex 性别：M", "서대현"),
        ("Visitor log: the wife of inpatient Moon Ye-jin asked about parking.", "Moon Ye-jin"),
        ("Please call the daughter. - Bae Ha-neul (daughter)", "Bae Ha-neul"),
        ("Pre-op check\nPatient: Hiroshi Tanaka / 田中浩志   Age 71", "田中浩志"),
        ("外籍患者登记　Name 姓名：SEO DAEHYUN / 서대현　　Sex 性别：M", "SEO DAEHYUN"),
        ("患者黎氏兰（Lê Thị Lan），越南籍，33岁，来院复查。", "Lê Thị Lan"),
        ("The Japanese-speaking volunteer Mei Nakata comes on Monday.", "Mei Nakata"),
    ],
)
def test_a_foreign_patients_name(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert name in _persons(analyzer, text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Discharge leaflet (한국어) / 出院须知", "한국어"),
        ("Signage: Emergency / 급성기 병동 this way", "급성기"),
        ("Referred to Nursing Department / 护理部 for follow-up.", "护理部"),
        ("Route: Blood Bank / 输血科, then ward 5.", "输血科"),
        ("Name 姓名：UNKNOWN MALE / 无名氏", "UNKNOWN MALE"),
        ("The volunteer Kelly Emergency Department rota is posted.", "Kelly Emergency"),
    ],
)
def test_no_name_in_the_same_places(analyzer: TextAnalyzer, text: str, word: str) -> None:
    assert all(word not in p for p in _persons(analyzer, text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("[2025-03-02 04:40] To Dr Xu (anaesthesia): theatre 3 is ready.", "Xu"),
        ("Handover by Nurse Chen Yuqing", "Chen Yuqing"),
    ],
)
def test_a_cued_latin_name_without_its_title(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert _persons(analyzer, text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Please return the Patient Intake Form to reception.",
        "Best regards,\nTrial Operations, Example Pharma Ltd",
        "Dear Investigator,\nThe protocol amendment is attached.",
        "To the Member Relations Office, City Hospital",
    ],
)
def test_no_name_in_an_office_or_a_form(analyzer: TextAnalyzer, text: str) -> None:
    assert _persons(analyzer, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("入院记录\n姓名　春雨　　性别　女　　年龄　41\n入院日期　2025-02-03", "春雨"),
        ("胸部CT：双肺散在小结节，建议随访。\n报告：松柏\n", "松柏"),
        ("本次巡查未见异常。\n审核：青山　2025-04-11", "青山"),
        ("用药指导已完成。\n药师：山河　2025-04-11", "山河"),
    ],
)
def test_a_signer_or_a_spaced_name_cell(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert name in _persons(analyzer, text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("查房情况已交班。\n记录：贾护士\n", "贾护士"),
        ("血常规结果已出。\n报告：见附件\n", "见附件"),
        ("不良事件单\n上报人：本人　2025-01-09", "本人"),
    ],
)
def test_no_signer_in_a_title_or_a_word(analyzer: TextAnalyzer, text: str, word: str) -> None:
    assert word not in _persons(analyzer, text)
