"""Classes of names and identifiers the recognizers missed on fresh sets (issue 17, after v20), each
rule tested on phrases written for this file (no name or number of an evaluation set)."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.recognizers import lexicon, names
from tests.unit.deid_support import found


def test_one_list_of_person_nouns_serves_both_cue_rules() -> None:
    # the slot rule and the cue test read the same words: a role the cue test knows opens a slot too
    for word in ("值班医生", "责任护士", "麻醉医师", "记录者", "审核者", "家属", "儿媳", "参保人"):
        assert lexicon.BEFORE.search(word), word
        assert names.slot_cues("记录：" + word + "某某") == [(word, 3 + len(word))], word


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a role inside a sentence, a surname no list holds, the name closed by punctuation or a clause
        ("夜间已电话告知值班医生糜宏伟。", "糜宏伟"),
        ("由转诊医师敖晓莉陪同转入。", "敖晓莉"),
        ("责任护士宦丽君于06:00测血糖。", "宦丽君"),
        ("术中一助禹建华协助止血。", "禹建华"),
        # a bare surname before a title
        ("今晨蓝主任查房，同意出院。", "蓝"),
        ("请芮教授会诊，", "芮"),
        # short fields of nursing and handover records, a word as a name included
        ("交：小满  接：谷雨\n", "小满"),
        ("交：小满  接：谷雨\n", "谷雨"),
        ("记录：聂秀芝\n", "聂秀芝"),
        ("值班：冼志鹏   2025-11-02 22:00\n", "冼志鹏"),
        # a person's field whose whole value is a herb or holds one
        ("姓名：黄连英  性别：女", "黄连英"),
        ("参保人：忍冬  个人编码：77120045", "忍冬"),
    ],
)
def test_names_after_roles_in_fields_and_before_titles(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("患者和医生沟通后同意手术。", "和"),
        ("心血管医生建议复查心脏彩超。", "管"),
        ("同时医生告知风险。", "时"),
        ("请梁主任会诊。", "梁主任"),  # the title is no part of the name
        ("患者宁先生，男，52岁", "宁先生"),
        ("记录：神志清楚\n", "神志清楚"),
        ("患者：平稳\n", "平稳"),
        ("签名：医生\n", "医生"),
        ("护士：本人\n", "本人"),
        ("护士：已宣教  时间：10:00", "已宣教"),
        ("值班医生建议继续观察。", "建议"),
    ],
)
def test_roles_and_fields_holding_no_name(analyzer: TextAnalyzer, text: str, unwanted: str) -> None:
    assert ("PERSON", unwanted) not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a single given name opening a note or a sentence before a person's verb
        ("Wound Clinic\nTobias presented with a draining ulcer.", "Tobias"),
        ("Vitals stable. Priyanka underwent repeat imaging today.", "Priyanka"),
        ("ED Note\nMateo is a 7-year-old boy with wheeze.", "Mateo"),
        # a name opening a line before its age or a document
        ("Imogen Sallow, 61, was seen for dizziness.", "Imogen Sallow"),
        ("Dario Venn, UK passport holder, arrived by air.", "Dario Venn"),
        # last name first after a name's label
        ("Patient: Adeyemi, Tolu  Collected 08:10", "Adeyemi, Tolu"),
        ("Name: Lim, Hui-Min\nDOB: 1990-02-02", "Lim, Hui-Min"),
        # role words before a name
        ("Reading pathologist: Leonora Pike.", "Leonora Pike"),
        ("Examinee: Castor Webb  Class B", "Castor Webb"),
        ("Employee Wren Ashby of Harbor Freight reported a fall.", "Wren Ashby"),
        # a found name's parts wherever the note repeats them
        ("Patient: Anselm Korver, 70, M\nAnselm declined dinner. Korver's son called.", "Anselm"),
        ("Patient: Anselm Korver, 70, M\nAnselm declined dinner. Korver's son called.", "Korver"),
    ],
)
def test_english_names_in_more_positions(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("She presented with chest pain.", "She"),
        ("Mother reports poor feeding since Monday.", "Mother"),
        ("Swelling improved. Nursing reported stable vitals.", "Nursing"),
        ("Ambulation tolerated well.", "Ambulation"),
        ("Patient: Anselm Korver, 70, M\nThen Anselm ate.", "Then Anselm"),
    ],
)
def test_english_sentence_openers_are_no_names(analyzer: TextAnalyzer, text: str, unwanted: str) -> None:
    assert ("PERSON", unwanted) not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # the Chinese form of a Latin-script name in brackets, the Latin form after 英文名
        ("外籍患者 Ingrid Solberg（英格丽·索尔贝格），女，39岁", "英格丽·索尔贝格"),
        ("患者小雨（英文名Rainie），女，6岁", "Rainie"),
        # the other items of a list of names joined by 、
        ("术前讨论（参加：赵永刚、蔡丽、小林），同意手术。", "小林"),
    ],
)
def test_bilingual_forms_and_listed_names(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("联系人Tomas Berg（丈夫），电话+46 70 123 4567", "丈夫"),
        ("Hanna Lind（瑞典籍）来诊。", "瑞典籍"),
        ("予瑞芬太尼、丙泊酚、顺阿曲库铵诱导。", "丙泊酚"),
    ],
)
def test_brackets_and_lists_holding_no_name(analyzer: TextAnalyzer, text: str, unwanted: str) -> None:
    assert ("PERSON", unwanted) not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # spaced names and familiar names
        ("姓名：柯 明  性别：男", ("PERSON", "柯 明")),
        ("患者：司马 若 溪\n", ("PERSON", "司马 若 溪")),
        ("护工老邱诉患者夜间未眠。", ("PERSON", "老邱")),
        ("家属小葛陪同复诊。", ("PERSON", "小葛")),
        # accession numbers of examinations and reports, claim and member numbers
        ("影像号：MR251104208\n", ("MEDICAL_RECORD_NUMBER", "MR251104208")),
        ("病理号 Z25-11873，", ("MEDICAL_RECORD_NUMBER", "Z25-11873")),
        ("理赔编号：CL2025112900417", ("CN_INSURANCE_POLICY", "CL2025112900417")),
        # (a commercial insurer's member number is the policy's: the labelling convention of the sets)
        ("Member ID: BX-771-204-3391\n", ("CN_INSURANCE_POLICY", "BX-771-204-3391")),
        # IP addresses before a full stop, passports with letters inside, plates after an English label
        ("Login came from 198.18.7.41.", ("IP_ADDRESS", "198.18.7.41")),
        ("护照号：K4Z71R093\n", ("CN_PASSPORT", "K4Z71R093")),
        ("License plate: 6TRJ-244\n", ("LICENSE_PLATE", "6TRJ-244")),
        # addresses through a campus or estate to the room; agencies and clinical centres
        (
            "住址：广东省广州市海珠区滨江道77号江畔花园2号楼1706\n",
            ("LOCATION", "广东省广州市海珠区滨江道77号江畔花园2号楼1706"),
        ),
        ("单位：宜宾市翠屏区派出所\n", ("ORGANIZATION", "宜宾市翠屏区派出所")),
        ("转入：四川大学肿瘤防治中心\n", ("ORGANIZATION", "四川大学肿瘤防治中心")),
        ("seen at Riverbend Pediatric Associates today", ("ORGANIZATION", "Riverbend Pediatric Associates")),
        # dates in Chinese numerals, day first, a two-digit year after a date's label
        ("于二〇二五年九月十八日出院", ("DATE_TIME", "二〇二五年九月十八日")),
        ("定于十二月三日复诊", ("DATE_TIME", "十二月三日")),
        ("Date of visit 17/09/2025", ("DATE_TIME", "17/09/2025")),
        ("采样日期：25/09/17\n", ("DATE_TIME", "25/09/17")),
    ],
)
def test_more_layouts_of_identifiers_places_and_dates(
    analyzer: TextAnalyzer, text: str, expected: tuple[str, str]
) -> None:
    assert expected in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("小时后复查血常规。", ("PERSON", "小时")),
        ("老年患者，体弱。", ("PERSON", "老年")),
        ("予阿胶口服。", ("PERSON", "阿胶")),
        ("血压135/85mmHg，建议3-5天复查。", ("DATE_TIME", "3-5")),
        # (v21-v23 hold a specimen's labelled number as a record number; digits glued to the label
        # stay a lab's running number, as in the older sets)
        ("血常规正常。标本号2025091700321。", ("MEDICAL_RECORD_NUMBER", "2025091700321")),
        (
            "患者家住浙江省杭州市西湖区余杭塘路866号浙江大学紫金港校区宿舍3栋402。",
            ("ORGANIZATION", "浙江大学"),
        ),
    ],
)
def test_more_layouts_holding_nothing_of_the_kind(
    analyzer: TextAnalyzer, text: str, unwanted: tuple[str, str]
) -> None:
    assert unwanted not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a name before its age (X今年N岁) or its record number in brackets, even a word
        ("复诊记录：江帆今年63岁，血压控制可。", "江帆"),
        ("韦立群（病案号BA2025-0031）今日出院。", "韦立群"),
        # a role and 为 before the name
        ("电话随访，接听者为患者之子滕宏远，诉无不适。", "滕宏远"),
        ("联系人为邬晓岚，电话13712345678", "邬晓岚"),
        # research records: Latin role labels, initials, English roles
        ("PI：武正清  CRC：甘露露\n", "武正清"),
        ("PI：武正清  CRC：甘露露\n", "甘露露"),
        ("受试者姓名缩写：LWXM  筛选号：S-031", "LWXM"),
        ("Subject initials: R.T.\n", "R.T."),
        ("Study monitor: Ines Carvalho\n", "Ines Carvalho"),
        ("Consent obtained by Petra Lindqvist, RN.", "Petra Lindqvist"),
    ],
)
def test_frames_and_research_roles(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    "text",
    ["患者为高龄女性，既往体健。", "家属为其办理出院手续。", "Signature: Patient Signature\n", "CRC：待定\n"],
)
def test_frames_and_roles_holding_no_name(analyzer: TextAnalyzer, text: str) -> None:
    assert not [t for t, _ in found(analyzer, text) if t == "PERSON"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He recently returned from Cusco, Peru after two weeks.", ("LOCATION", "Cusco, Peru")),
        ("Family lives in Kumasi, Ghana.", ("LOCATION", "Kumasi, Ghana")),
        ("体检机构：瑞康健康成都高新分院\n", ("ORGANIZATION", "瑞康健康成都高新分院")),
        ("投保单位：安泰保险重庆分公司\n", ("ORGANIZATION", "安泰保险重庆分公司")),
    ],
)
def test_cities_abroad_and_chain_branches(
    analyzer: TextAnalyzer, text: str, expected: tuple[str, str]
) -> None:
    assert expected in found(analyzer, text)


@pytest.mark.parametrize("text", ["请与本分院联系。", "Seen in Clinic, India today."])
def test_branch_and_city_shapes_holding_none(analyzer: TextAnalyzer, text: str) -> None:
    assert not [t for t, _ in found(analyzer, text) if t in ("ORGANIZATION", "LOCATION")]


@pytest.mark.parametrize(
    "text", ["予格拉司琼止吐。", "术前予罗哌卡因局部浸润。", "予帕瑞昔布、氟比洛芬酯镇痛。", "维库溴铵诱导。"]
)
def test_drug_stems_are_no_names(analyzer: TextAnalyzer, text: str) -> None:
    assert not [t for t, _ in found(analyzer, text) if t == "PERSON"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("患者母亲麦穗，电话13511112222。", "麦穗"),  # a word closed by a phone number
        ("患者詹老太，86岁，独居。", "詹"),  # a familiar title trimmed
        ("Nurse practitioner Saoirse Kelleher reviewed the chart.", "Saoirse Kelleher"),
        ("She was accompanied by her husband, Anselmo.", "Anselmo"),
    ],
)
def test_words_before_a_phone_and_more_titles(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


@pytest.mark.parametrize(
    "text", ["患者父亲，电话13511112222", "联系人本人，手机13511112222", "家属：患者之女，电话13511112222"]
)
def test_phone_after_a_cue_alone_holds_no_name(analyzer: TextAnalyzer, text: str) -> None:
    assert not [t for t, _ in found(analyzer, text) if t == "PERSON"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住址：内蒙古自治区赤峰市红旗路18号", ("LOCATION", "内蒙古自治区赤峰市红旗路18号")),
        (
            "住址：吉林省长春市朝阳区红光街906号2栋1单元302",
            ("LOCATION", "吉林省长春市朝阳区红光街906号2栋1单元302"),
        ),
        ("晨间查房：蔺主任指示加强营养。", ("PERSON", "蔺")),
        ("Moved to Duluth, MN 55802 last spring.", ("LOCATION", "Duluth, MN 55802")),
    ],
)
def test_street_after_a_word_ending_like_a_place_and_us_cities(
    analyzer: TextAnalyzer, text: str, expected: tuple[str, str]
) -> None:
    assert expected in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("交班：平稳  接班：平稳", ("PERSON", "平稳")),  # an adjective after a handover label
        ("医生：已查看  时间：08:00", ("PERSON", "已查看")),
        ("复查日期：3-5天后", ("DATE_TIME", "3-5")),  # a span of days, no date
    ],
)
def test_weak_fields_and_day_spans_hold_nothing(
    analyzer: TextAnalyzer, text: str, unwanted: tuple[str, str]
) -> None:
    assert unwanted not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("Patient: May Lindgren, 47, F\nReturn visit planned in May.", "May"),
        ("Teacher reports inattention at school.", "Teacher"),
    ],
)
def test_months_and_generic_nouns_are_no_given_names(
    analyzer: TextAnalyzer, text: str, unwanted: str
) -> None:
    assert ("PERSON", unwanted) not in found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("外籍患者朴叡珍（Park Ye-jin），女，33岁，韩国籍。", "Park Ye-jin"),
        ("Payee: Thandiwe Mokoena, account ending 0392", "Thandiwe Mokoena"),
    ],
)
def test_latin_form_after_a_name_and_payees(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert ("PERSON", name) in found(analyzer, text)


def test_a_cue_running_into_a_longer_person_noun_opens_no_slot(analyzer: TextAnalyzer) -> None:
    text = "患者平时由其女儿照料，女儿名叫满一诺。"
    assert [v for t, v in found(analyzer, text) if t == "PERSON"] == ["满一诺"]
    assert names.slot_cues("由其女儿照料") == [("女儿", 4)]


def test_a_units_own_doctor_by_surname(analyzer: TextAnalyzer) -> None:
    assert ("PERSON", "钱") in found(analyzer, "我院钱主任与外院专家远程会诊。")


def test_handover_states_are_no_names_but_a_form_name_may_be_one(analyzer: TextAnalyzer) -> None:
    assert not [t for t, _ in found(analyzer, "交：如常  接：如常\n") if t == "PERSON"]
    assert ("PERSON", "安静") in found(analyzer, "姓名：安静  性别：女")


# -- session 12, non-person rules round: classes from the error lists of held-out v16-v23 -----------------


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        # a trial subject's and a screening's number, Chinese and English labels
        ("受试者编号：K-0733  姓名缩写：ABC\n", ("MEDICAL_RECORD_NUMBER", "K-0733")),
        ("试验表格\n受试者筛选号：T0921\n", ("MEDICAL_RECORD_NUMBER", "T0921")),
        ("Screening No.: SCR-7781, Subject ID: 208-014\n", ("MEDICAL_RECORD_NUMBER", "SCR-7781")),
        ("Screening No.: SCR-7781, Subject ID: 208-014\n", ("MEDICAL_RECORD_NUMBER", "208-014")),
        # a barcode's number as a field of a report
        ("检验报告单\n条码：9100284417  科别：内科\n", ("MEDICAL_RECORD_NUMBER", "9100284417")),
        # a stay's number written bare in a list of patients (ZY: 住院, MZ: 门诊)
        ("名单\n1. 某甲  ZY2207145\n2. 某乙  MZH30117752\n", ("MEDICAL_RECORD_NUMBER", "ZY2207145")),
        ("名单\n1. 某甲  ZY2207145\n2. 某乙  MZH30117752\n", ("MEDICAL_RECORD_NUMBER", "MZH30117752")),
        # a scheme's card, voucher and household numbers under the scheme's name
        (
            "医保卡核对：持卡人某某，卡号K 3390 1274 5，信息一致。\n",
            ("CN_MEDICAL_INSURANCE_CARD", "K 3390 1274 5"),
        ),
        (
            "医保电子凭证已核验，凭证号6101 0000 7734 12。\n",
            ("CN_MEDICAL_INSURANCE_CARD", "6101 0000 7734 12"),
        ),
        (
            "新农合报销单\n参合人：某某  家庭编号：6201230417009\n",
            ("CN_MEDICAL_INSURANCE_CARD", "6201230417009"),
        ),
        # a birth year alone after its label
        ("姓名缩写：ABC  出生年份：1959\n", ("DATE_TIME", "1959")),
        # a patient's event times stay dates
        ("夜班于每日8:00交接。23:10 患者突发胸闷，予吸氧。\n", ("DATE_TIME", "23:10")),
        ("交接时间：21:05\n", ("DATE_TIME", "21:05")),
        # a workplace or a courier after its label, whatever its name ends in; Latin names by their cue
        (
            "患者男，29岁，工作单位某达物流城东分拣站，搬货时扭伤腰部。\n",
            ("ORGANIZATION", "某达物流城东分拣站"),
        ),
        ("快递：申通快运  运单号 ST5502197733\n", ("ORGANIZATION", "申通快运")),
        ("Protocol 2025-041 (sponsor: Roche Korea) approved.\n", ("ORGANIZATION", "Roche Korea")),
        ("He works part-time at Fresh-Mart. Lives alone.\n", ("ORGANIZATION", "Fresh-Mart")),
        ("retired train conductor for Coastal Regional Rail.\n", ("ORGANIZATION", "Coastal Regional Rail")),
        ("Transfer from Hôpital de la Timone, Marseille.\n", ("ORGANIZATION", "Hôpital de la Timone")),
        ("fell while skiing at Songhua Ski Resort last week\n", ("ORGANIZATION", "Songhua Ski Resort")),
    ],
)
def test_non_person_classes_session12(analyzer: TextAnalyzer, text: str, entity: tuple[str, str]) -> None:
    assert entity in found(analyzer, text), found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted_type"),
    [
        # a timetable's hours: visiting hours, a daily dosing routine, a clinic's hours, a standing time
        ("病区探视时间：15:30-16:30，19:00-20:00\n", "DATE_TIME"),
        ("用法：每日两次，7:30、19:30口服\n", "DATE_TIME"),
        ("服药时间：9:00、21:00\n", "DATE_TIME"),
        ("门诊时间：周一至周五 8:30-11:30\n", "DATE_TIME"),
        ("Visiting hours 15:00-17:00 on the ward.\n", "DATE_TIME"),
        # an assay's barcode, a bank card's number under a scheme's words, a hospital card's number
        ("检测条码：7200193318\n", "MEDICAL_RECORD_NUMBER"),
        ("医保报销后余款退回银行卡，卡号 6200 1188 0033\n", "CN_MEDICAL_INSURANCE_CARD"),
        ("就诊卡号：5500183321，医保卡已登记\n", "CN_MEDICAL_INSURANCE_CARD"),
        # verbs and lists before 医院: no name
        ("他下午有事，来不了医院，晚点再签字。\n", "ORGANIZATION"),
        ("会议讨论了交接班制度、查对流程及医院感染防控。\n", "ORGANIZATION"),
        ("工作单位：无\n", "ORGANIZATION"),
        # a hotel in an address is the address's
        ("Hotel: Room 808, Blue-Sea Hotel, 12 Binhai Road\n", "ORGANIZATION"),
    ],
)
def test_non_person_classes_session12_negatives(
    analyzer: TextAnalyzer, text: str, unwanted_type: str
) -> None:
    assert not [v for t, v in found(analyzer, text) if t == unwanted_type], found(analyzer, text)


# -- session 12, second pass: classes from the error lists of held-out v24 and v25 (tuned on after their
# validation numbers were taken) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        # a column of record numbers under its header cell: a |-table, a plain one, a CSV export
        (
            "| 筛选号 | 随机号 | 姓名 |\n|---|---|---|\n| Q-201 | R-77 | 某某 |\n",
            ("MEDICAL_RECORD_NUMBER", "Q-201"),
        ),
        (
            "Screening No. | Date | Outcome\n077-S-003 | 02-Mar-2025 | Eligible\n",
            ("MEDICAL_RECORD_NUMBER", "077-S-003"),
        ),
        ("rid,name,sex,admission_no\n0007,某某,F,C44011208\n", ("MEDICAL_RECORD_NUMBER", "C44011208")),
        # a subject named by the word alone, a hospital number, registry and specialty numbers
        ("AE 随访\n受试者：301-022（缩写 XYZ）\n", ("MEDICAL_RECORD_NUMBER", "301-022")),
        ("Follow-up\nSubject KR-118-0031, 59 F\n", ("MEDICAL_RECORD_NUMBER", "KR-118-0031")),
        ("Referral: Mrs Ivanova, 70 F, hospital no. HN4471209\n", ("MEDICAL_RECORD_NUMBER", "HN4471209")),
        ("罕见病登记\n登记编号：RDR-2025-0044123\n", ("MEDICAL_RECORD_NUMBER", "RDR-2025-0044123")),
        ("骨髓报告\n骨髓号：BM25-0912\n", ("MEDICAL_RECORD_NUMBER", "BM25-0912")),
        ("放疗记录\n放疗号：RT2025-0117\n", ("MEDICAL_RECORD_NUMBER", "RT2025-0117")),
        ("2025-05-02 09:10  标本条码 2505020133  拒收原因：溶血\n", ("MEDICAL_RECORD_NUMBER", "2505020133")),
        # a date spelled with spaces, a time after 约, English month-year and weekday-day-month
        ("报 告 日 期 ： 2 0 2 5 . 0 6 . 1 9\n", ("DATE_TIME", "2 0 2 5 . 0 6 . 1 9")),
        ("发病时间：2025年2月3日 约07:40\n", ("DATE_TIME", "2025年2月3日 约07:40")),
        ("Next review due June 2026.\n", ("DATE_TIME", "June 2026")),
        ("Your slot is on Tue 12 Aug, 09:30. Bring your card.\n", ("DATE_TIME", "Tue 12 Aug, 09:30")),
        # organizations: a text message's sender, a form's reporting unit, two scripts side by side
        ("【某康健康】尊敬的客户，您已预约成功。\n", ("ORGANIZATION", "某康健康")),
        ("填报人：某某  填报单位：某某县计划生育服务站点\n", ("ORGANIZATION", "某某县计划生育服务站点")),
        (
            "Transfer from: Xiamen Central Hospital 厦门市中心医院\n",
            ("ORGANIZATION", "Xiamen Central Hospital 厦门市中心医院"),
        ),
        # a city off the list with its district (the region of an insurance too)
        ("参保地：株洲市芦淞区   医保编码：430203\n", ("LOCATION", "株洲市芦淞区")),
        ("我住林芝市巴宜区八一大街12号，离医院近。\n", ("LOCATION", "林芝市巴宜区八一大街12号")),
        # a foreign number after a relative named before it
        ("Next of kin: Anna Berg (sister), +46 70 123 45 67\n", ("PHONE_NUMBER", "+46 70 123 45 67")),
    ],
)
def test_non_person_classes_session12_v24_v25(
    analyzer: TextAnalyzer, text: str, entity: tuple[str, str]
) -> None:
    assert entity in found(analyzer, text), found(analyzer, text)


@pytest.mark.parametrize(
    ("text", "unwanted_type"),
    [
        # a round's times, an instruction's deadline, a count of passes
        ("巡视：9:10 通畅；9:25 通畅；9:40 拔针\n", "DATE_TIME"),
        ("出院带药请于今日16:30前至药房领取。\n", "DATE_TIME"),
        ("室间质评结果：4/5合格\n", "DATE_TIME"),
        # no name before the kind word: verbs, a person's role, a district's letter alone
        ("申请人认为医院护理不到位。\n", "ORGANIZATION"),
        ("如需退号请通过医院公众号办理。\n", "ORGANIZATION"),
        ("已上报区疾控中心。\n", "ORGANIZATION"),
        ("请提供被保险人银行卡复印件。\n", "ORGANIZATION"),
        ("快递单（病历复印）\n", "ORGANIZATION"),
        # headings and notices in brackets are no senders
        ("【用法用量】每日一次，每次一片。\n", "ORGANIZATION"),
        ("【理赔通知】尊敬的客户，您的案件已受理。\n", "ORGANIZATION"),
        # a region and its scheme's kind
        ("医保类型：浙江省城乡居民医保\n", "LOCATION"),
        # a query's number is no record number; nor a table's cell under another header
        ("Query编号：Q-2291   字段：开始日期\n", "MEDICAL_RECORD_NUMBER"),
        ("| 批号 | 数量 |\n| L-2231 | 3 |\n", "MEDICAL_RECORD_NUMBER"),
    ],
)
def test_non_person_classes_session12_v24_v25_negatives(
    analyzer: TextAnalyzer, text: str, unwanted_type: str
) -> None:
    assert not [v for t, v in found(analyzer, text) if t == unwanted_type], found(analyzer, text)
