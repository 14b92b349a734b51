"""Places and insurers' numbers the session-14 third round of the rules finds (issue #17), each class
first seen missed on several hand-written sets (v24-v28, tuning material): claim, case and authorization
numbers with no colon-style label; villages, estates and communities with no district before them,
landmarks, bridges, tunnels and highways named bare, English addresses in Chongqing with no street number.
Phrases are invented for these tests."""

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


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("我是桂花街道银杏社区的老王，想问复查时间。", ["桂花街道银杏社区"]),
        ("能不能送一盒到柳树坝绿城花园5栋？", ["柳树坝绿城花园5栋"]),
        ("｜男｜62｜望江新村2栋｜高血压", ["望江新村2栋"]),
        ("本周下乡5月2日白岩村，5月9日清泉村；随访糖尿病12人。", ["白岩村", "清泉村"]),
        ("我下午四点到黄泥沟那边。", ["黄泥沟"]),
        ("[群聊] 健康管理-桃花村\n村医：药到了。", ["桃花村"]),
        ("儿子在永川打工，由侄子代签。", ["永川"]),
        ("流动采血车周六停在观音桥。", ["观音桥"]),
        ("患者诉想吃磁器口的陈麻花。", ["磁器口"]),
        ("家属称其欲从菜园坝长江大桥跳下。", ["菜园坝长江大桥"]),
        ("骑电瓶车在黄桷湾隧道口摔倒。", ["黄桷湾隧道口"]),
        ("经G75兰海高速转运至我院。", ["G75兰海高速"]),
        ("途经G85银昆高速荣昌收费站时血压下降。", ["G85银昆高速荣昌收费站"]),
        (
            "Address: Room 1808, Tower C, Jinhui Plaza, Jiefangbei, Yuzhong District, Chongqing\nTel",
            ["Room 1808, Tower C, Jinhui Plaza, Jiefangbei, Yuzhong District, Chongqing"],
        ),
        ("Injured in a fall near Lijiatuo, Jiulongpo District).", ["Lijiatuo, Jiulongpo District"]),
        ("our address is Sunac One, Block 2, Yubei", ["Sunac One, Block 2, Yubei"]),
        (
            "Knocked down on Binjiang Road, Jiangbei District; the driver left.",
            ["Binjiang Road, Jiangbei District"],
        ),
        (
            "cc: Mrs Adeyemi, Apt 903, Xiexin Garden, Liangjiang New Area",
            ["Apt 903, Xiexin Garden, Liangjiang New Area"],
        ),
        ("He slipped at Ciqikou, Shapingba. Seen at triage.", ["Ciqikou, Shapingba"]),
    ],
)
def test_a_place_with_no_district_or_street_number_before_it(
    analyzer: TextAnalyzer, text: str, places: list[str]
) -> None:
    assert _found(analyzer, text, "LOCATION") == places


@pytest.mark.parametrize(
    "text",
    [
        "给予云南白药胶囊 0.5g tid。",  # a drug's brand
        "参加重庆市职工医保满15年。",  # a scheme's city
        "转观音桥店购药，大坪医院呼吸科会诊。",  # a shop's and a hospital's name
        "中国人民解放军陆军军医大学教学楼。",  # 解放 as a word
        "建立皮下隧道后置入导管。",  # a catheter's tunnel
        "在农村生活多年，务农。",  # a village as a word
        "请拨打心理援助热线 023-66699199。",  # a hotline
        "白细胞 8.2×10^9/L，批号 G20230817。",  # a lab value and a drug lot
        "Referred by Dr Wang, Cardiology, Yubei",  # a doctor's department
        "Seen at Chongqing Emergency Medical Center, Yuzhong District.",  # an institution
    ],
)
def test_no_place_in_drugs_schemes_shops_words_or_departments(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "LOCATION") == []
