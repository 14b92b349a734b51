"""Round 8 of the rules for every type but PERSON (issue #17): invented phrases, failing on the old code."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer

_ANALYZER = TextAnalyzer()


def _spans(text: str, entity_type: str) -> list[str]:
    return [text[r.start : r.end] for r in _ANALYZER.analyze(text) if r.type == entity_type]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("入院登记\n社保：ZX5101040028813  床位：12\n", "ZX5101040028813"),
        ("门诊慢病备案\n居民医保：MB41010219880312  病种：高血压\n", "MB41010219880312"),
        ("长护险 护理费 发放清单\n1 某甲 居家 28小时 KL33010600217745\n", "KL33010600217745"),
    ],
)
def test_a_scheme_card_number_without_its_label(text: str, number: str) -> None:
    assert number in _spans(text, "CN_MEDICAL_INSURANCE_CARD")


def test_a_policy_number_opening_with_a_year_is_no_scheme_card() -> None:
    text = "医保结算后转商保\n报案号：PK20240517000312\n"
    assert _spans(text, "CN_MEDICAL_INSURANCE_CARD") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("She trains at Jiulongpo Rowing Center twice a week.", "Jiulongpo Rowing Center"),
        ("Visa papers were stamped by the Nanan Exit Entry Bureau yesterday.", "Nanan Exit Entry Bureau"),
        ("Her son attends Wanzhou No. 3 International School.", "Wanzhou No. 3 International School"),
        (
            "He lectures at Sichuan University of Science and Engineering.",
            "Sichuan University of Science and Engineering",
        ),
    ],
)
def test_named_centres_bureaus_and_universities_of_two_fields(text: str, name: str) -> None:
    assert name in _spans(text, "ORGANIZATION")


@pytest.mark.parametrize(
    "text",
    [
        "Please send the invoice to the Billing Office before Friday.",
        "Forwarded to the Patient Liaison Office for reply.",
        "Address: Room 8, Tower C, Harbour Centre, 5 Lake Road",
    ],
)
def test_a_department_or_a_building_is_no_named_centre(text: str) -> None:
    spans = _spans(text, "ORGANIZATION")
    assert not any(s.endswith(("Office", "Centre")) for s in spans)


def test_a_mass_organization_by_its_short_name() -> None:
    assert "沙坪坝区残联" in _spans("已联系沙坪坝区残联协助办理轮椅补贴。", "ORGANIZATION")
