"""Places and insurers' numbers the session-14 third round of the rules finds (issue #17), each class
first seen missed on several hand-written sets (v24-v28, tuning material): claim, case and authorization
numbers with no colon-style label. Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _found(analyzer: TextAnalyzer, text: str, entity_type: str) -> list[str]:
    return [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == entity_type]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("转账用途：理赔款 赔案QX610023071100482", ["QX610023071100482"]),
        ("您的赔案T2023081100917尚缺发票原件。", ["T2023081100917"]),
        ("您的赔案（MHB2023-0448120）已结案。", ["MHB2023-0448120"]),
        ("赔案号分别是AB2023SC7712034和QH-LP-20230915-0017。", ["AB2023SC7712034", "QH-LP-20230915-0017"]),
        ("您申请的理赔（案件号KDBLP23091104412）已受理。", ["KDBLP23091104412"]),
        ("患者持国际医疗保险卡，会员号AXAG 5521 0934 17。", ["AXAG 5521 0934 17"]),
        ("Remittance advice — Claim HLX-2023-0441027", ["HLX-2023-0441027"]),
        ("We have received your outpatient claim WPA-SG-2023-7781 in full.", ["WPA-SG-2023-7781"]),
        ("Authorization no.: QRM-PA-2310-40917", ["QRM-PA-2310-40917"]),
        ("Case reference: ASST-SH-23-771045", ["ASST-SH-23-771045"]),
        ("Insurer's records request\nRef: CX-2023-CN-007731\nAttn: Records Office", ["CX-2023-CN-007731"]),
        ("依据保险合同条款，本公司解除合同（合同号 2021430077105521）。", ["2021430077105521"]),
    ],
)
def test_a_claim_case_or_authorization_number_without_a_colon_label(
    analyzer: TextAnalyzer, text: str, numbers: list[str]
) -> None:
    assert _found(analyzer, text, "CN_INSURANCE_POLICY") == numbers


@pytest.mark.parametrize(
    "text",
    [
        "Claim Form — Part C (to be completed by the physician)",  # a form's title
        "The claim of 12830 yuan was paid in full.",  # an amount
        "Payment sent. Bank reference: FT23311K90127. Thank you.",  # a bank's reference
        "Ref: 2023/CARD/114\nDear colleague, thank you for seeing this patient.",  # no insurer's text
        "签订劳动合同（合同号 HT2023-0091774）后入职。",  # an employment contract
        "赔案审核表\n审核意见：同意赔付。",  # a form's title
        "理赔热线 95511-3，赔案进度可查询。",  # a hotline
        "血红蛋白 102 g/L，赔案材料已齐。",  # a lab value
    ],
)
def test_no_claim_number_in_titles_amounts_bank_references_or_other_contracts(
    analyzer: TextAnalyzer, text: str
) -> None:
    assert _found(analyzer, text, "CN_INSURANCE_POLICY") == []
