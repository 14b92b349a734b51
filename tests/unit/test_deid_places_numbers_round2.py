"""Record numbers, dates, places and organizations the session-14 second round of the rules finds
(issue #17), each class first seen missed on several hand-written sets (v26-v28, tuning material): a
trial subject's code in running text and the codes listed with it; a log's entry opening on a bare
month-day. Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _found(analyzer: TextAnalyzer, text: str, entity_type: str) -> list[str]:
    return [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == entity_type]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("今日完成受试者2例：K07-012、K07-019的核查。", ["K07-012", "K07-019"]),
        ("请调阅受试者11-004和11-006的影像。", ["11-004", "11-006"]),
        ("受试者4例，其中MX21-03-004需提前随访。", ["MX21-03-004"]),
        ("研究护士联系受试者邓某（T-02-117）的家属。", ["T-02-117"]),
        ("入组受试者（编号BQ-05-031）诉头晕。", ["BQ-05-031"]),
        ("Please query subject 004-0123 about the missing diary.", ["004-0123"]),
        ("Source data for subjects 02-0031 to 02-0036 were verified.", ["02-0031", "02-0036"]),
        # the code again further on in the note
        ("受试者1例：P11-008。\n问题：P11-008第2周期漏服。", ["P11-008", "P11-008"]),
        ("两位患者住院号分别为H2209113和H2209187。", ["H2209113", "H2209187"]),
        ("| 受试者代码 | 姓名 |\n| WZ02-014 | 某某 |", ["WZ02-014"]),
    ],
)
def test_a_trial_subject_s_code_in_running_text(analyzer: TextAnalyzer, text: str, codes: list[str]) -> None:
    assert _found(analyzer, text, "MEDICAL_RECORD_NUMBER") == codes


@pytest.mark.parametrize(
    "text",
    [
        "本研究计划纳入受试者 120-150 例。",  # a range of counts
        "受试者于2024-06-18签署知情同意书。",  # a date
        "受试者每日服用 5-10 mg，分两次。",  # a dose
        "受试者血钾 3.5-5.5 mmol/L 属正常。",  # a lab range
        "请拨打受试者服务热线 400-820-8820。",  # a hotline
    ],
)
def test_no_subject_code_in_counts_dates_doses_or_hotlines(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "MEDICAL_RECORD_NUMBER") == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("留言本\n12/03 小邱：7床家属明早来。", ["12/03"]),
        ("窗口登记\n09-21\u3000谷先生咨询报销。", ["09-21"]),
        ("补录\n10.17 23床 体温 38.2℃", ["10.17"]),
        ("探视登记\n5/27\u3000探视对象 某某", ["5/27"]),
    ],
)
def test_a_log_s_entry_opening_on_a_bare_month_day(
    analyzer: TextAnalyzer, text: str, dates: list[str]
) -> None:
    assert _found(analyzer, text, "DATE_TIME") == dates


@pytest.mark.parametrize(
    "text",
    [
        "医嘱：\n1-2 小时后复查血糖。",  # a span of hours
        "剂量：\n2-3 片 口服。",  # a dose
        "血钾：\n4.35 mmol/L",  # a lab value with its unit
    ],
)
def test_no_month_day_in_spans_doses_or_lab_values(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "DATE_TIME") == []


@pytest.mark.parametrize(
    ("text", "orgs"),
    [
        (
            "Referred to Fuzhou Hospital of Traditional Chinese Medicine.",
            ["Fuzhou Hospital of Traditional Chinese Medicine"],
        ),
        (
            "Seen at Jiangbei District Maternal and Child Health Hospital today.",
            ["Jiangbei District Maternal and Child Health Hospital"],
        ),
        (
            "Registered with Nanping Street Community Health Service Centre.",
            ["Nanping Street Community Health Service Centre"],
        ),
        ("Employer: Hexa Software (Chengdu) Co., Ltd.", ["Hexa Software (Chengdu) Co., Ltd."]),
        ("The trial is run by Kestrel Biotech GmbH in Munich.", ["Kestrel Biotech GmbH"]),
        ("Follow-up at United Family Shanghai next week.", ["United Family Shanghai"]),
        ("患者出示Bupa会员卡。", ["Bupa"]),
        ("CRO：云帆医药研发（上海）有限公司", ["云帆医药研发（上海）有限公司"]),
    ],
)
def test_organizations_named_whole(analyzer: TextAnalyzer, text: str, orgs: list[str]) -> None:
    assert _found(analyzer, text, "ORGANIZATION") == orgs


@pytest.mark.parametrize(
    "text",
    [
        "Mother and Baby were discharged home.",  # two capitalised words joined by and, no kind word
        "重庆市城乡居民医保报销比例提高。",  # a city as an insurance scheme
        "咨询请拨打服务热线 400-888-1234。",  # a hotline
    ],
)
def test_no_organization_in_plain_words_schemes_or_hotlines(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "ORGANIZATION") == []
