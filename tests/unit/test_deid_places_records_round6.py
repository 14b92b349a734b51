"""Round 6 of the places' and records' rules (issue #17): invented phrases, failing on the old code."""

from __future__ import annotations

from node.anonymization.analyzer import TextAnalyzer

_ANALYZER = TextAnalyzer()


def _spans(text: str, entity_type: str) -> list[str]:
    return [text[r.start : r.end] for r in _ANALYZER.analyze(text) if r.type == entity_type]


def test_record_number_after_ideographic_space() -> None:
    text = "入院登记\n姓名\u3000某某\u3000\u3000住院号\u3000K23110457\n"
    assert "K23110457" in _spans(text, "MEDICAL_RECORD_NUMBER")


def test_specimen_number_after_ideographic_space() -> None:
    text = "配血单\n标本号\u3000PX231104-09\n"
    assert "PX231104-09" in _spans(text, "MEDICAL_RECORD_NUMBER")


def test_pathology_accession_in_brackets_after_biopsy() -> None:
    text = "左乳肿物空芯针活检（H2311-0457）：浸润性导管癌。"
    assert "H2311-0457" in _spans(text, "MEDICAL_RECORD_NUMBER")


def test_frozen_section_accession_in_brackets() -> None:
    text = "术中冰冻（D23-0912）示良性。"
    assert "D23-0912" in _spans(text, "MEDICAL_RECORD_NUMBER")


def test_pathology_accession_in_english() -> None:
    text = "Core biopsy K2310-1188 confirmed adenocarcinoma; pathology Q2311-0042 pending."
    found = _spans(text, "MEDICAL_RECORD_NUMBER")
    assert "K2310-1188" in found and "Q2311-0042" in found


def test_no_accession_for_a_drug_batch_or_a_plain_range() -> None:
    assert not _spans("活检钳型号 FB-231K，批号 2311-0457。", "MEDICAL_RECORD_NUMBER")
    assert not _spans("Biopsy needle 18G, lot 2023-0457.", "MEDICAL_RECORD_NUMBER")


def test_origin_place_before_lai_de() -> None:
    text = "5床 某某，阿坝来的牧民，高原反应。"
    assert "阿坝" in _spans(text, "LOCATION")


def test_origin_place_driving_over() -> None:
    text = "家属：我后天从印江开车过来。"
    assert "印江" in _spans(text, "LOCATION")


def test_no_origin_place_for_words() -> None:
    assert not _spans("他是转过来的病人，切下来的组织送检。", "LOCATION")


def test_card_number_in_groups_before_bank_account() -> None:
    text = "赔款已转入您名下6217 0099 1234 5678 016银行账户。"
    assert "6217 0099 1234 5678 016" in _spans(text, "BANK_CARD")
    assert not _spans(text, "ORGANIZATION")


def test_numbered_hospital_stays_an_organization() -> None:
    assert "301医院" in _spans("患者曾在301医院住院。", "ORGANIZATION")


def test_county_of_origin_between_commas() -> None:
    text = "患者某某，女，41岁，木里县人，因咯血入院。"
    assert "木里县" in _spans(text, "LOCATION")


def test_no_county_for_a_province_of_origin() -> None:
    assert not _spans("他是广东人，说话带口音。", "LOCATION")


def test_english_district_alone_after_in() -> None:
    text = "She lives in Fuling District, Chongqing with her son; fell while hiking in Wansheng District."
    found = _spans(text, "LOCATION")
    assert "Fuling District, Chongqing" in found and "Wansheng District" in found


def test_no_english_district_for_a_hospital_name() -> None:
    text = "Transferred from Fuling District People's Hospital yesterday."
    assert "Fuling District" not in _spans(text, "LOCATION")


def test_laboratory_and_mediation_committee_kinds() -> None:
    text = "外送杭州某新医学检验所检测；纠纷经北碚区医调委调解。"
    found = _spans(text, "ORGANIZATION")
    assert "杭州某新医学检验所" in found and "北碚区医调委" in found


def test_no_organization_for_a_verb_or_header_before_a_kind() -> None:
    for text in (
        "出院后转回当地医院复查。",
        "家属要求医院道歉。",
        "登记表：来源医院　诊断",
        "他去年在镇上卫生院拿药。",
    ):
        assert not _spans(text, "ORGANIZATION"), text


def test_relative_month_keeps_its_day() -> None:
    text = "我父亲今年9月17日在骨科住院。"
    assert any("9月17日" in s for s in _spans(text, "DATE_TIME"))
