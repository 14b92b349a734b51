"""Names the session-13 round of the rules finds (issue #17), each first seen missed on the hand-written
sets v25/v26 (tuning material): a surname before a form of address, southwestern surnames after a cue,
compound surnames without a cue, a surname signing alone, report header frames with spaces, names the
note explains in brackets, and English names after more roles; and the places, organizations and numbers
of fields the sets label (参保地, 申办方, insurer brands, Member ID as a policy, spaced record labels,
cities in English). Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _persons(analyzer: TextAnalyzer, text: str) -> list[str]:
    return sorted(text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("家属想找胡医生谈病情。", ["胡"]),  # a verb asking for a person
        ("已反馈后勤部邹科长。", ["邹"]),  # an office title: the surname alone
        ("交：陶护士　接：许护士", ["许", "陶"]),
        ("21床 冉婆婆 83岁 跌倒高风险", ["冉"]),  # a kinship form of address stays outside the name
        ("明天瞿叔叔的儿子从外地回来", ["瞿"]),
        ("上官医生，我妈今天好些了", ["上官"]),
    ],
)
def test_a_surname_before_a_form_of_address_is_the_name(
    analyzer: TextAnalyzer, text: str, names: list[str]
) -> None:
    assert _persons(analyzer, text) == names


@pytest.mark.parametrize("text", ["处方医师：钮丽", "夜班护士交班", "主管护士评估", "班主任付老师协助沟通"])
def test_a_title_inside_a_word_is_no_surname(analyzer: TextAnalyzer, text: str) -> None:
    assert "方" not in _persons(analyzer, text) and "班" not in _persons(analyzer, text)


def test_pet_names_and_chat_speakers(analyzer: TextAnalyzer) -> None:
    # a child's doubled pet name before a parent's word or its full name; a familiar name speaking
    assert _persons(analyzer, "糖糖妈：医生，宝宝今天拉了三次稀的") == ["糖糖"]
    assert "豆豆" in _persons(analyzer, "宝宝豆豆（牟思远）会扶站")
    assert _persons(analyzer, "老曾：医生我这个血压药吃了咳嗽") == ["老曾"]
    assert "阿媛" in _persons(analyzer, "阿媛：医生，安眠药吃完了能不能开")
    # kinship words and words said twice are no pet names
    assert _persons(analyzer, "宝宝妈：你好") == []
    assert _persons(analyzer, "常常（每天）头痛") == []


def test_a_settlement_desk_s_words_are_no_names(analyzer: TextAnalyzer) -> None:
    for text in ("外籍患者商保结算登记", "理赔员查勘记录", "患者应缴：0.00元"):
        assert _persons(analyzer, text) == [], text
    assert _persons(analyzer, "患者商建国，男，45岁") == ["商建国"]


def test_southwestern_surnames_after_a_cue(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "患者税白云，术后第30天电话随访") == ["税白云"]
    assert _persons(analyzer, "由代医生评估") == ["代"]
    # the same characters as everyday words after a cue are no names
    assert _persons(analyzer, "患者代诉腹痛3天") == []
    assert _persons(analyzer, "患者补液后好转") == []


def test_compound_surnames_lead_a_name_without_a_cue(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "意见：皇甫俊认为暂不具备手术条件") == ["皇甫俊"]
    assert _persons(analyzer, "讨论：东方明认为需排除布鲁氏菌病") == ["东方明"]
    assert _persons(analyzer, "东方女士，62岁，反复口干") == ["东方"]
    assert _persons(analyzer, "太阳从东方升起") == []  # 东方 as east


def test_a_surname_signing_alone_after_a_role(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "处理：充填。\n医师：程\n") == ["程"]
    assert _persons(analyzer, "医师：幺   2024.4.8") == ["幺"]
    assert _persons(analyzer, "签名：无\n") == []
    # a name written with a space inside is whole, not a lone surname (first seen on v28)
    assert _persons(analyzer, "医师：伍 洋　审核：梁晓红") == ["伍 洋", "梁晓红"]


def test_a_report_header_with_spaces_frames_a_name(analyzer: TextAnalyzer) -> None:
    assert _persons(analyzer, "心电图报告\n练新民　男　74岁　呼吸科23床") == ["练新民"]


def test_a_name_the_note_explains_in_brackets(analyzer: TextAnalyzer) -> None:
    assert "建国" in _persons(analyzer, "2024-11-14　建国（患者自报名，全名范建国），男")
    assert "小葡萄" in _persons(analyzer, "14床 小葡萄（刘语桐，家长要求称小名），手术顺利")
    assert "老张" in _persons(analyzer, "陪检员老张（张德明）推送患者至影像科")
    assert "老师" not in _persons(analyzer, "老伴唐老师（唐国华）让我跟您说")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The patient was seen today.\nNurse: Chen Xi", "Chen Xi"),
        ("Bed 6 – Mr. Gómez\nAdmitted this morning.", "Gómez"),
        ("Consent was explained through interpreter Alejandro Ruiz, on 2024-05-14.", "Alejandro Ruiz"),
        ("Reporter: Tan Wei Ling, Study Nurse", "Tan Wei Ling"),
        ("Please confirm coverage.\nRegards, Rohan Singh", "Rohan Singh"),
        ("研究团队：Helen Zhao（CRA）", "Helen Zhao"),
        # family name first, the label's colon left out, an apostrophe, capitals and an initial
        ("Patient Oyelaran, Folasade was admitted on 3/1.", "Oyelaran, Folasade"),
        ("02:15 - Pt O'Brien, Siobhan c/o SOB", "O'Brien, Siobhan"),
        ("Passport copy: WILLIAMS, JOANNE ELIZABETH, passport no. 5", "WILLIAMS, JOANNE ELIZABETH"),
        ("Wristband: GARCIA, LUIS A  MRN 7734108", "GARCIA, LUIS A"),
        ("Mother: Bennett, Sophie  UK passport", "Bennett, Sophie"),
        ("Infant: Olivia Grace Bennett   Sex: F", "Olivia Grace Bennett"),
        ("Patient portal message from Arturo Vega: Hi, I still have pain.", "Arturo Vega"),
        # pinyin names: on a mixed line with one English word, after PT, the family name in capitals
        ("Contact +20 100 572 3391.\nRN Xu Jing 徐静\n", "Xu Jing"),
        ("Seen on 2024-04-26 15:00. PT: Luo Jie\n", "Luo Jie"),
        ("Patient Name: LIU Jianguo  刘建国\n", "LIU Jianguo"),
        # sign-offs with a full name, greetings, a middle initial, a bed's occupant, a team table's row
        ("Thanks.\nYours sincerely,\nChen Rong\nConsultant", "Chen Rong"),
        ("I understood all sections.\n— He Lin, 2024-08-19", "He Lin"),
        ("Dear Naveen,\nOur site agrees.", "Naveen"),
        ("Name: Michael J. Thompson\nDate of birth: 1970", "Michael J. Thompson"),
        ("Bed 5　Lee Soo-hyun — post-op day 2", "Lee Soo-hyun"),
        ("Name　　Role\nChu Weidong　PI　　(signed)", "Chu Weidong"),
        ("From: a@b.com\nTo: Qu Xiaobing\n", "Qu Xiaobing"),
    ],
)
def test_english_names_after_more_roles(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert name in _persons(analyzer, text)


def _found(analyzer: TextAnalyzer, text: str) -> list[tuple[str, str]]:
    return sorted((e.type, text[e.start : e.end]) for e in analyzer.analyze(text) if e.type != "DATE_TIME")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the region one is insured in is the person's place, whatever its last word
        ("参保地：阿克苏地区   人员类别：城乡居民", [("LOCATION", "阿克苏地区")]),
        # a city naming a scheme is no place of the person's
        ("医保类别：重庆市职工基本医疗保险", []),
        # a commercial insurer's member number is the policy's (the labelling convention)
        ("Member ID: XKU884201577", [("CN_INSURANCE_POLICY", "XKU884201577")]),
        (
            "Insurer GeoBlue, member GBX 8821 4730.",
            [("CN_INSURANCE_POLICY", "GBX 8821 4730"), ("ORGANIZATION", "GeoBlue")],
        ),
        ("申办方：恒瑞医药　　CRO：泰格医药", [("ORGANIZATION", "恒瑞医药"), ("ORGANIZATION", "泰格医药")]),
        ("用途：商业保险理赔（太平洋人寿）", [("ORGANIZATION", "太平洋人寿")]),
        ("祝您平安健康", []),
        ("Clinic No.: IMC-2411-0067", [("MEDICAL_RECORD_NUMBER", "IMC-2411-0067")]),
        ("住 院 号：0925480", [("MEDICAL_RECORD_NUMBER", "0925480")]),
        ("Visit: 2\nSubject No.: SA-CQ-004\n", [("MEDICAL_RECORD_NUMBER", "SA-CQ-004")]),
        ("Subject: CN03-1008\n", [("MEDICAL_RECORD_NUMBER", "CN03-1008")]),
        # a table laid out with ideographic spaces, its record-number column by its header
        (
            "受试者编号　　　　交通补助　营养补助\nS-1021　　300　　　200\nS-1024　　300　　　200",
            [("MEDICAL_RECORD_NUMBER", "S-1021"), ("MEDICAL_RECORD_NUMBER", "S-1024")],
        ),
        ("He returned to Portland last week.", [("LOCATION", "Portland")]),
        ("Patient back in Seoul, Gangnam-gu, wound healing.", [("LOCATION", "Seoul, Gangnam-gu")]),
        ("Address in Shanghai: see the form.", []),  # a label's words
        # a Chinese address written in English
        (
            "Lives alone at Building 3, Lane 600, Hongqiao Road, Shanghai.",
            [("LOCATION", "Building 3, Lane 600, Hongqiao Road, Shanghai")],
        ),
        ("Injured at a dam site, Ningnan County, Liangshan", [("LOCATION", "Ningnan County, Liangshan")]),
        ("The District, Health Office replied.", []),
        # Chongqing's districts and counties off the old list, a prefecture's short name before its county
        ("你好，我是开州区汉丰街道的居民", [("LOCATION", "开州区汉丰街道")]),
        ("其本人在凉山州昭觉县老家", [("LOCATION", "凉山州昭觉县")]),
        # insurers and drug makers by brand; a clause before a kind word is no name
        ("二次报销（商保）：中国人寿团体补充医疗", [("ORGANIZATION", "中国人寿")]),
        ("Clinical Operations, Merck Sharp & Dohme LLC", [("ORGANIZATION", "Merck Sharp & Dohme LLC")]),
        ("To: Claims Department, Cigna Global Health", [("ORGANIZATION", "Cigna Global Health")]),
        ("本人同意医院将诊疗信息传输至上述保险公司。", []),
        ("参与节点：7家医院", []),
        ("Patient Education, Discharge instructions attached.", []),
        # a day and a month without the year after a word of time (the found dates are listed apart)
        ("Back on 3 units of insulin.", []),
    ],
)
def test_places_organizations_and_numbers_by_their_fields(
    analyzer: TextAnalyzer, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(analyzer, text) == expected


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Splinted; planned ORIF on 16 Nov. His daughter called.", "16 Nov"),
        ("Suture removal around 30 November.", "30 November"),
        ("Plan discharge Nov 5. Follow-up at clinic.", "Nov 5"),
    ],
)
def test_a_day_and_month_after_a_word_of_time(analyzer: TextAnalyzer, text: str, date: str) -> None:
    assert [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "DATE_TIME"] == [date]
