"""Identifiers of Chinese insurance and hospital text (issue 17): policy and insurance-card numbers, ID
numbers with separators, minority and transliterated names, address tails, organizations, drugs."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.operators import Pseudonymizer, TextAnonymizer
from tests.unit.deid_support import found


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("保单号 PA2023CQ000187654，已核保。", "CN_INSURANCE_POLICY", "PA2023CQ000187654"),
        ("保单号P2024000123456。", "CN_INSURANCE_POLICY", "P2024000123456"),
        ("保险单号：80754933934940883，", "CN_INSURANCE_POLICY", "80754933934940883"),
        ("医保卡号 CQ5001120001234", "CN_MEDICAL_INSURANCE_CARD", "CQ5001120001234"),
        ("社保卡号：A12345678，", "CN_MEDICAL_INSURANCE_CARD", "A12345678"),
        ("参保号1234567890，", "CN_MEDICAL_INSURANCE_CARD", "1234567890"),
        ("身份证号 500103 19850712 482X", "CN_ID_CARD", "500103 19850712 482X"),
        ("身份证号：500103-19850712-482X。", "CN_ID_CARD", "500103-19850712-482X"),
        ("被保险人：阿依古丽·买买提 身份证", "PERSON", "阿依古丽·买买提"),
        ("家属买买提·吐尔逊签字。", "PERSON", "买买提·吐尔逊"),
        ("患者约翰·史密斯，男，45岁。", "PERSON", "约翰·史密斯"),
        ("住址重庆市渝中区解放碑街道18号5-2。", "LOCATION", "重庆市渝中区解放碑街道18号5-2"),
        ("家住渝北区金龙路88号附7号，", "LOCATION", "渝北区金龙路88号附7号"),
        ("现住沙坪坝区小龙坎正街1号3栋2单元5-1。", "LOCATION", "沙坪坝区小龙坎正街1号3栋2单元5-1"),
        ("就诊医院：重庆市江北区人民医院", "ORGANIZATION", "重庆市江北区人民医院"),
        (
            "投保单位：中国人寿保险股份有限公司重庆市分公司，",
            "ORGANIZATION",
            "中国人寿保险股份有限公司重庆市分公司",
        ),
    ],
)
def test_found_whole(analyzer: TextAnalyzer, text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(analyzer, text)


@pytest.mark.parametrize(
    "text",
    [
        "出院带药依非韦伦片、拉米夫定片。",
        "抗病毒方案：替诺福韦+依非韦伦。",
        "影像：左侧髂骨见斑片状高密度影，胫骨平台未见异常。",
        "既往服用恩替卡韦，无过敏。",
    ],
)
def test_drugs_and_anatomy_are_no_names(analyzer: TextAnalyzer, text: str) -> None:
    assert [v for t, v in found(analyzer, text) if t == "PERSON"] == []


def test_a_hospital_is_never_cut_into_another_hospital(analyzer: TextAnalyzer) -> None:
    text = "患者于重庆市江北区人民医院行手术。"
    assert [t for t, _ in found(analyzer, text)] == ["ORGANIZATION"]  # no LOCATION inside it
    keep = TextAnonymizer(Pseudonymizer(b"k" * 16))
    assert "重庆市江北区人民医院" in keep.anonymize(text, TextAnalyzer().analyze(text))
    tagged = TextAnonymizer(Pseudonymizer(b"k" * 16), organizations="tag")
    out = tagged.anonymize(text, TextAnalyzer().analyze(text))
    assert out == "患者于<ORGANIZATION>行手术。"


def test_the_new_types_keep_the_json_shape(analyzer: TextAnalyzer) -> None:
    text = "保单号P2024000123456 医保卡号：CQ5001120001234"
    rows = [e.as_dict() for e in analyzer.analyze(text)]
    assert [r["type"] for r in rows] == ["CN_INSURANCE_POLICY", "CN_MEDICAL_INSURANCE_CARD"]
    assert all(set(r) == {"type", "start", "end", "score"} for r in rows)
    out = TextAnonymizer(Pseudonymizer(b"k" * 16)).anonymize(text, analyzer.analyze(text))
    assert "P2024000123456" not in out and "CQ5001120001234" not in out
