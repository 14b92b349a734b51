"""Record numbers and organizations the session-15 round of the rules finds or leaves (issue #17), each
class first seen on the hand-written sets v16-v29 (tuning material): a record's column in exports whose
header is a check-up's number, a short key (pid) or quoted, a study's roster without a header, a
subject's code of two letter groups, numbers read out with spaces by an OCR, English and keyed forms of a
hospital number, a clinic card's number, numbers listed after a labelled one; a prescription's, an
order's, a receipt's, a drug safety report's and a data request's numbers are not a patient's record
(most sets leave them unlabelled). Phrases are invented for these tests."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer


def _found(analyzer: TextAnalyzer, text: str, entity_type: str) -> list[str]:
    return [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == entity_type]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # a table's record column under a check-up's number, a short key, a quoted CSV header
        (
            "入职体检名单\n体检号\t姓名\t性别\nK0812-004\t祁东\t男\nK0812-005\t班玉\t女\n",
            ["K0812-004", "K0812-005"],
        ),
        ("导出样例\npid\tname\tsex\nHT-0217\t鲁平\tM\nHT-0218\t戈兰\tF\n", ["HT-0217", "HT-0218"]),
        ('export\n"subject","full_name","phone"\n"BRX-0071","Tan Wei","13752208896"\n', ["BRX-0071"]),
        # a study's roster without a header row
        (
            "随访研究　受试者通讯录\nKNE-OA-031　米兰　13368015524\nKNE-OA-032　商羽　17823900146\n",
            ["KNE-OA-031", "KNE-OA-032"],
        ),
        # a subject's code of two letter groups after 受试者：
        ("数据核查\n受试者：XN-HF-0417　请核实出生日期。", ["XN-HF-0417"]),
        # read out with spaces by an OCR of a printed form
        ("入 院 记 录\n住 院 号 ：3 1 0 5 7 2 9\n", ["3 1 0 5 7 2 9"]),
        ("病 理 号 ： 2 5 - 1 1 2 0 4\n", ["2 5 - 1 1 2 0 4"]),
        ("体检号：QJ 2503 1107 08　单位：某某公司", ["QJ 2503 1107 08"]),
        # English: a hospital number stated, a chart opened in an audit trail
        ("Her hospital number is 0703381624, thank you.", ["0703381624"]),
        ("09:12:40 open chart 0052297731 (patient Z.)", ["0052297731"]),
        # a record's key in an exported row
        ('{"name":"某某","adm_no":"Z000044871"}', ["Z000044871"]),
        # a clinic card's number under the card's heading
        ("诊疗卡补办申请\n卡号：7300184456　持卡人：某某\n", ["7300184456"]),
        # numbers listed after a labelled one, each of its shape
        ("样本交接\n样本编号：GX-0311-V2-01、GX-0311-V2-02\n", ["GX-0311-V2-01", "GX-0311-V2-02"]),
        ("门诊号 M20251103 和 M20251117 两位患者均已通知。", ["M20251103", "M20251117"]),
        # a list's entry headed by its number and a colon
        ("随访记录\n编号 QXHT-0311：某某，男，74岁", ["QXHT-0311"]),
    ],
)
def test_record_numbers_found(analyzer: TextAnalyzer, text: str, numbers: list[str]) -> None:
    assert _found(analyzer, text, "MEDICAL_RECORD_NUMBER") == numbers


@pytest.mark.parametrize(
    "text",
    [
        # a prescription's, an order's and a receipt's numbers: most sets leave them unlabelled
        "处方号 RX251102-0977，开具头孢呋辛。",
        "订单号：WD2511020066134\n",
        "押金收据\n收据号：KJ-20251002-0773\n",
        # a drug safety report's number: the report's, not a patient's record
        "SUSAR快速报告\n报告编号：SUSAR-2025-0117\n",
        "某某药业　药物警戒部　个例报告\n报告编号：KPV-2025-0712\n",
        "Marketing authorization holder notified. Local case ID KX-PV-25-0033.",
        # a data request's number
        "区域数据使用申请\n申请编号：RDX-2025-0091\n",
        # a roster's code only once, or no study: no roster
        "设备清单\nPMP-A-031　输液泵　3台\nPMP-A-032　注射泵　2台\n",
        # a device's number before a colon
        "设备编号 ABC-1234：正常",
    ],
)
def test_no_record_number(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "MEDICAL_RECORD_NUMBER") == []


def test_a_patients_adverse_reaction_report_keeps_its_number(analyzer: TextAnalyzer) -> None:
    text = "药物不良反应报告\n报告编号：ADR-2025-00417\n患者姓名：某某"
    assert _found(analyzer, text, "MEDICAL_RECORD_NUMBER") == ["ADR-2025-00417"]


def test_a_listed_number_of_another_shape_is_no_record(analyzer: TextAnalyzer) -> None:
    assert _found(analyzer, "门诊号 12345678、5片", "MEDICAL_RECORD_NUMBER") == ["12345678"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # new kinds: an agency's affairs centre, an association, a funeral home, a regulator's centre
        ("经办：江北区医疗保障事务中心　2025年3月受理", ["江北区医疗保障事务中心"]),
        ("地点：成都市医师协会会议室", ["成都市医师协会"]),
        ("遗体运送交接单\n武汉市青山殡仪馆接运车", ["武汉市青山殡仪馆"]),
        ("国家药品监督管理局药品审评中心发来补正通知。", ["国家药品监督管理局药品审评中心"]),
        # a bare 公司 after a name of four characters or more
        ("矽肺叁期，原松藻煤电公司井下工人。", ["松藻煤电公司"]),
        # a pharmacy chain's store right after it
        ("药房：鹭燕大药房思明店\n", ["鹭燕大药房思明店"]),
        # a letter's 致 and a chat's 去 or time word end no name
        ("江津区中心医院致重庆市第五人民医院：患者某某", ["江津区中心医院", "重庆市第五人民医院"]),
        ("下周一起去新桥医院看？", ["新桥医院"]),
        # drug makers and research organizations known by their brand
        ("监查员（CRA）：某某（药明康德）", ["药明康德"]),
        # English kinds: Limited after a bracketed hyphened region, a plant, a German health fund, a consulate
        (
            "Approved — Mei Lau, Harbour Shield (Asia-Pacific) Insurance Limited\n",
            ["Harbour Shield (Asia-Pacific) Insurance Limited"],
        ),
        ("Tom Reed, US citizen, Wuhan Dongfeng Axle Plant, seen today.", ["Wuhan Dongfeng Axle Plant"]),
        ("She asks whether her Barmer Krankenkasse plan would pay.", ["Barmer Krankenkasse"]),
        (
            "For use by: Canadian Consulate-General in Chongqing\n",
            ["Canadian Consulate-General in Chongqing"],
        ),
        # a hospital after 补充 or 提供 (a lead word, not the name's)
        ("因健康告知不符，需补充华山医院近1年门诊病历。", ["华山医院"]),
        # an English form's company field: the rest of its line
        (
            "Sex: F\nCompany: Acme Motor Research & Design (Wuxi) Co., Chengdu Branch\nExam date: 1 May",
            ["Acme Motor Research & Design (Wuxi) Co., Chengdu Branch"],
        ),
    ],
)
def test_organizations_found(analyzer: TextAnalyzer, text: str, names: list[str]) -> None:
    assert _found(analyzer, text, "ORGANIZATION") == names


@pytest.mark.parametrize(
    "text",
    [
        # a field's or a role's word before the kind: no name
        "| 被保险人 | 员工号 | 就诊医院 | 金额 |\n",
        "受试者编号,姓名,入组医院\n",
        "3.收款银行卡复印件",
        "告知需向参保地保险公司申请。",
        "申请已转数据治理委员会审议。",
        "生殖医学中心　夫妇档案首页",
        "您于2024年3月在我院体检中心检查。",
        "如需解读请致电体检中心。",
        "小伍：今天体检中心来了个团检。",
        "蒋医生：明天上午乡卫生院有免费测血糖。",
        "原路退回至尾号3391银行卡。",
        # two kinds joined, a pronoun's company
        "医院与保险公司数据接口变更通知",
        "被保险人某某及其配偶均在本公司投保。",
        # a university's dormitory is an address's part; a kind before 镇 is a town's
        "北碚区天生路2号西南大学橘园15舍",
        "碘缺乏病监测：巫溪县宁厂镇抽检",
        "Insurer FAQ for international members",
    ],
)
def test_no_organization(analyzer: TextAnalyzer, text: str) -> None:
    assert _found(analyzer, text, "ORGANIZATION") == []
