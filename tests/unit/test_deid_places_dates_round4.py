"""Places, dates, phones and insurers' numbers the session-15 fourth round of the rules handles (issue
#17), each class first seen on the hand-written sets v16-v29 (tuning material): a region opening an
organization's or a programme's name, athlete's foot and a person named like a city, a native place's whole
field, an address field's whole value, a home named by its building's number after 住. Phrases are
invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _found(analyzer: TextAnalyzer, text: str, entity_type: str) -> list[str]:
    return [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == entity_type]


@pytest.mark.parametrize(
    "text",
    [
        "会议地点：杭州市医师行业协会三楼",
        "来电转自成都市青少年心理热线，求助者情绪低落。",
        "体检单位：深圳 华 光 电 子 股份有限公司",
        "承保单位：福州海峡电器集团",
        "办理机构：温江区医疗保障事务中心",
        "按广州市集采政策执行。",
        '您的"苏州渝快保"保单已生效。',
        "孩子脚趾缝痒，外婆说是香港脚。",
        "籍贯：湖南长沙",
        "南宁说他明天再来换药。",
        "门诊号：30071  姓名：温州",  # a person's name field
    ],
)
def test_no_place_in_an_organization_a_programme_a_disease_a_native_place_or_a_person(
    analyzer: TextAnalyzer, text: str
) -> None:
    assert _found(analyzer, text, "LOCATION") == []


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("住址：高新经开区石门镇青杠村二社", ["高新经开区石门镇青杠村二社"]),
        ("现住址：滨湖新城榕树湾7-2-301\n", ["滨湖新城榕树湾7-2-301"]),
        ("我们住柳荫里三区9号楼2门503，下午有人在家。", ["柳荫里三区9号楼2门503"]),
        ("她一直住在桂园12栋1104。", ["桂园12栋1104"]),
    ],
)
def test_an_address_field_whole_and_a_home_by_its_building(
    analyzer: TextAnalyzer, text: str, places: list[str]
) -> None:
    assert _found(analyzer, text, "LOCATION") == places


@pytest.mark.parametrize(
    "text",
    [
        "住址：同上",
        "住址：不详",
        "患者住院部5号楼3楼内科病房。",
    ],
)
def test_no_address_field_without_a_place(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "LOCATION") == []


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("家住成都市锦江区，在某某科技有限公司上班。", ["成都市锦江区"]),
        ("我们正从綦江区石角镇往医院赶。", ["綦江区石角镇"]),  # a verb of going before the hospital
    ],
)
def test_a_place_before_a_comma_or_a_verb_of_going_stays_a_place(
    analyzer: TextAnalyzer, text: str, places: list[str]
) -> None:
    assert _found(analyzer, text, "LOCATION") == places


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("英方随访号码 +44 7911 123 456，已留档。", ["+44 7911 123 456"]),  # no phone's word before it
        ("请让他微信视频，WhatsApp +65 8123 4470。", ["+65 8123 4470"]),
    ],
)
def test_a_foreign_number_with_its_country_code_needs_no_cue(
    analyzer: TextAnalyzer, text: str, phones: list[str]
) -> None:
    assert _found(analyzer, text, "PHONE_NUMBER") == phones


def test_a_mobile_in_groups_of_four_four_and_three(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "家属电话：1376 5521 904，白天可联系。", "CN_PHONE") == ["1376 5521 904"]


@pytest.mark.parametrize(
    "text",
    [
        "检验结果：+1 2 3（弱阳性）",  # too few digits
        "批号 1376 5521 904 2，有效期见外包装。",  # a longer run of groups
    ],
)
def test_no_phone_in_a_short_signed_run_or_a_longer_run_of_groups(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "PHONE_NUMBER") == [] and _found(analyzer, text, "CN_PHONE") == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("分诊登记（OCR）\n2023 /11 /04  07 : 52  腹痛", ["2023 /11 /04  07 : 52"]),
        ("复查日期 ：2023 - 10 - 17", ["2023 - 10 - 17"]),
        ("去年十一月做过一次胃镜。", ["去年十一月"]),
        ("他前年腊月摔过一跤。", ["前年腊月"]),
        ("监查定于10月8日—9日进行。", ["10月8日", "9日"]),
        ("请假时间：11月3日至5日。", ["11月3日", "5日"]),
    ],
)
def test_ocr_spaced_dates_a_month_of_last_year_and_a_range_s_last_day(
    analyzer: TextAnalyzer, text: str, dates: list[str]
) -> None:
    assert _found(analyzer, text, "DATE_TIME") == dates


@pytest.mark.parametrize(
    "text",
    [
        "门诊时间：周一、周三 8:00-12:00",
        "服务时段：周二至周六 9:30-17:00，节假日休息。",
        "大概前年冬天开始咳嗽。",  # a season, no month
        "床位：3月5日-3号床",  # not a day
        "比值 2024 - 13 - 5 不成立",  # no month 13
    ],
)
def test_no_date_in_a_week_s_hours_a_season_or_a_bed(analyzer: TextAnalyzer, text: str) -> None:
    found = _found(analyzer, text, "DATE_TIME")
    assert found == [] or found == ["3月5日"]


@pytest.mark.parametrize(
    ("text", "entity_type", "numbers"),
    [
        ("您的理赔申请（案号KQB20230917004418）已受理。", "CN_INSURANCE_POLICY", ["KQB20230917004418"]),
        (
            '{"pid":"R-17","mi_no":"440301770012345","sex":"F"}',
            "CN_MEDICAL_INSURANCE_CARD",
            ["440301770012345"],
        ),
        (
            "您已成功绑定居民电子健康卡，卡号 H44030177001234。",
            "CN_MEDICAL_INSURANCE_CARD",
            ["H44030177001234"],
        ),
    ],
)
def test_a_claim_s_case_number_an_export_s_insurance_key_and_a_health_card(
    analyzer: TextAnalyzer, text: str, entity_type: str, numbers: list[str]
) -> None:
    assert _found(analyzer, text, entity_type) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "病案号：2023091700441",
        "试验方案号：ONC-2023-0417",
        "案号：（2023）粤0305民初1187号",
    ],
)
def test_no_policy_in_a_record_s_a_protocol_s_or_a_court_s_number(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "CN_INSURANCE_POLICY") == []


def test_no_date_in_a_drug_s_expiry_after_its_lot(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "药品批号：K2311057，有效期至2027年05月。", "DATE_TIME") == []
    # a certificate's validity stays a date
    assert _found(analyzer, "健康证：合格  有效期至：2025年8月17日", "DATE_TIME") == ["2025年8月17日"]


@pytest.mark.parametrize("text", ["报告已送至黄浦区疾控中心。", "转至渝北区中医院", "在江北区凤凰山小学就读"])
def test_a_district_opening_a_hospital_s_or_a_school_s_name_is_no_place_of_its_own(
    analyzer: TextAnalyzer, text: str
) -> None:
    assert [e for e in analyzer.analyze(text, ["LOCATION"])] == []


def test_an_insurance_card_s_column_in_an_export(analyzer: TextAnalyzer) -> None:
    text = (
        "导出样例\nsid\tname\tmi_card\tdate\n"
        "K-07\t某甲\t440301C00123456\t2023-01-02\nK-08\t某乙\t440301C00654321\t2023-01-05\n"
    )
    assert _found(analyzer, text, "CN_MEDICAL_INSURANCE_CARD") == ["440301C00123456", "440301C00654321"]


def test_no_insurance_card_under_another_column(analyzer: TextAnalyzer) -> None:
    text = "sid\tmi_card\tlot\nK-07\t不详\tC00123456\n"
    assert _found(analyzer, text, "CN_MEDICAL_INSURANCE_CARD") == []


@pytest.mark.parametrize(
    "text",
    [
        "Cataract list 2023-09-12\n08:15 Pan Wei, left eye\n09:40 Rosa Diaz, right eye",
        "骨科门诊手术排班（2023-10-09）\n| 时间 | 患者 |\n| 09:20 | 某某 |",
    ],
)
def test_no_clock_time_in_a_list_s_or_a_timetable_s_slots(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "DATE_TIME") == [text[text.index("20") : text.index("20") + 10]]


def test_a_clock_time_in_a_note_stays_a_date(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "护理记录\n09:20 患者诉头晕，测血压。", "DATE_TIME") == ["09:20"]


def test_a_day_first_date_with_its_clock_time(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "Ward chat\n23/10 21:47 Son asks about discharge.", "DATE_TIME") == [
        "23/10 21:47"
    ]


def test_no_place_in_a_message_s_bracketed_sender(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "【健康杭州】您的预约已成功。", "LOCATION") == []
    # a place after the sender's brackets stays one
    assert _found(analyzer, "【通知】请回杭州 复诊", "LOCATION") == ["杭州"]
