"""Organizations: hospitals, clinics, insurers and other companies, universities.

A name ends in a kind word (医院, 卫生院, 保健院, 有限公司, 大学 ...), optionally followed by its branch
(分公司, 分院, 院区); it starts after the nearest delimiter, a place name where one leads it, or after a
word that introduces it (于, 在, 自, 转入 ...). Found whole, an organization outranks the place names
inside it, so 重庆市江北区人民医院 is never cut to 重庆市 + 人民医院 (another real hospital). Whether an
organization is kept or tagged is the anonymizer's policy."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from node.anonymization.recognizers.base import prefiltered
from node.anonymization.recognizers.places import ADDRESS, CITIES, PROVINCES

KINDS = (
    "医院 卫生院 保健院 卫生服务中心 卫生服务站 医疗中心 诊所 门诊部 疾病预防控制中心 疾控中心 急救中心 血液中心 "
    "体检中心 康复中心 医学中心 精神卫生中心 血站 大药房 有限责任公司 股份有限公司 有限公司 集团 保险公司 银行 大学 学院 "
    "研究所 研究院 中学校 学校 中学 小学 幼儿园 机械厂 制药厂 工厂 厂 事务所 救治中心 "
    # clinical centres named after what they do (…肿瘤防治中心, …透析中心)
    "防治中心 诊疗中心 治疗中心 检测中心 检验中心 透析中心 影像中心 病理中心 研究中心 "
    # public agencies (…公安局交通管理局, …派出所, …环卫所, …卫生健康委员会)
    "公安局 公安分局 交通管理局 管理局 派出所 环卫所 卫生所 卫生室 司法所 税务局 民政局 教育局 医疗保障局 "
    "医保局 卫生健康委员会 卫健委 人民法院 法院 检察院 街道办事处 办事处 居委会 村委会 委员会 交警大队 交警支队 支队 "
    # a chain's branch named without its kind (…健康北京西直门分院, …保险重庆分公司)
    "分院 分公司 分行 支行 "
    # stations, notaries and rural credit cooperatives (…救助管理站, …区公证处, …农村信用合作联社)
    "管理站 救助站 公证处 信用合作联社 信用合作社 信用社 "
    # insurance agencies' service centres, forensic appraisal centres, a government and its office, a
    # union (…区医疗保障服务中心, …司法鉴定中心, …县人民政府办公室, …车务段工会)
    "保障服务中心 保险服务中心 政务服务中心 鉴定中心 司法鉴定所 人民政府办公室 人民政府 工会 "
    # an agency's affairs centre, an association, a funeral home (…医疗保障事务中心, …行业协会, …殡仪馆)
    "保障事务中心 协会 殡仪馆 "
    # a regulator's inspection or review centre (…食品药品审核查验中心, …药品审评中心)
    "查验中心 审评中心 公司 "
    # an independent laboratory (…医学检验所) and a medical dispute mediation committee's short name (…区医调委)
    "检验所 医调委 "
    # a mass organization by its short name (…区妇联, …县残联, …市侨联)
    "妇联 残联 侨联"
).split()
# a bare 厂 (…机械制造厂, …陶瓷厂) needs a name of four characters or more before it: 化工厂, 药厂 are kinds
# (and a bare 公司: 南桐矿业公司, not 快递公司)
SHORT_NAME_KINDS = {"厂": 4, "公司": 4}
# (or a chain's store in brackets: …大药房（某某旗舰店）)
BRANCH = (
    r"(?:[\u4e00-\u9fff]{0,8}?(?:分公司|分院|院区|分行|支行|中心支公司|营业部)"
    r"|[（(][\u4e00-\u9fff]{2,10}?店[）)]"
    # (or a pharmacy chain's store right after it: …大药房渝中店)
    r"|(?<=药房)[\u4e00-\u9fff]{2,4}?店)?"
)
# a kind word that goes on into a place word names a place (大学城, 医院路, 学院街, 大学东街), not an
# organization
_KIND = re.compile(
    "(?:"
    + "|".join(sorted(KINDS, key=len, reverse=True))
    # a hospital by its number after its city or prefecture (某某州一院, 某市三院), a professional society
    # (某市护理学会, 某省医学会: not 医学会诊), a charity (某市红十字会, 某某基金会)
    # (each alternative opens on its literal: a character class or a group there makes the engine try every
    # position, ten times slower)
    + "".join(f"|{n}院(?<=[州市县]{n}院)(?![长办部区内外])" for n in "一二三四五六七八九")
    + "|护理学会(?!诊)|药学会(?!诊)|医学会(?!诊)|红十字会|慈善总会|基金会"
    + ")(?![东西南北中]?[城路街巷道镇])"
    + BRANCH
)
# characters a name is read back over from its kind word: not an opening bracket (账户…（中国建设银行)
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9）)]")
# an opening bracket around a group's, a country's or a city's word inside a company's name (…（集团）有限公司,
# …医药研发（北京）有限公司)
_GROUP_WORD = re.compile(
    "[（(](?:集团|中国|控股|" + "|".join(sorted(PROVINCES + CITIES, key=len, reverse=True)) + ")[）)]"
)
# a place that leads a name (请被保险人补充提供重庆市黔江中心医院: the name starts at 重庆市)
_PLACE_LEAD = re.compile("(?:" + "|".join(sorted(PROVINCES + CITIES, key=len, reverse=True)) + ")")
# an organization followed by its residential quarter is part of an address (西南大学家属区12栋)
# (or by a village and a house number: …村委会某某村38号)
_ADDRESS_AFTER = re.compile(
    r"(?:[\u4e00-\u9fff]{0,6}?(?:家属区|家属院|宿舍|生活区|小区|校区)|[\u4e00-\u9fff]{0,4}?\d+(?:栋|幢|号楼|单元|舍)"
    r"|[\u4e00-\u9fff]{1,6}?[村组]\d+号)"
)
# a field label, not a name (送检医院：, 就诊医院:), unless a place leads it: a letter's addressee
# (四川省某某市人民医院：)
# (a bilingual label too: 就诊医院 Hospital：)
_LABEL_AFTER = re.compile(r"[ \t]*(?:[A-Z][a-z]+[ \t]*)?[:：]")
# a date read back over ends there (于2026年3月20日走访某某医院: the name starts after 日)
_DATE_END = re.compile(r".*\d[日号]", re.S)
# a digit group and a space before a name's digits: they end a number read out in groups
_SPACED_DIGITS_BEFORE = re.compile(r"\d[ \t]$")
# words that open a department's name, not an organization's (Medical Records Office, Patient Relations Office)
_DEPARTMENT_WORDS = frozenset(
    (
        "Medical Patient Billing Settlement Reproductive International Records Nursing Customer Admissions Finance "
        "Registration Pharmacy Research Training Quality Information Security Central Main Head Front Service "
        "Services Health Control Operations Command Call Data Dispatch Emergency Outpatient Inpatient Business "
        "Clinical Trial Trials Ethics Post Press Visitor Visitors Student Students Staff Admission Claims Claim"
    ).split()
)
# Latin-script organizations in Chinese or English text (Chongqing University, Mercy General Hospital)
LATIN_ORG = re.compile(
    # (a capitalized word or a chain's letters, CVS; up to six words: …University Second Affiliated Hospital;
    # a pharmacy's store number; a possessive: People's Hospital)
    # (and joining two words inside: …Maternal and Child Health Hospital; British spelling: …Centre)
    # (an ampersand joins two names: Aston & Reed Consulting)
    r"\b(?:[A-Z][a-z]+(?:'s)?|[A-Z]{2,5}) (?:(?:[A-Z][a-z]+(?:'s)?|[A-Z]{2,5}|and|&) ){0,6}"
    r"(?:University|Hospital|Medical Cent(?:er|re)|Clinic|Health System|"
    r"Insurance Company|Associates|Partners|Laboratories|Labs|Pharmacy(?: #\d+)?|Medical Group|Health Cent(?:er|re)|"
    r"Healthcare|Health Care|Hospice House|Hospice|Health Service Cent(?:er|re)|Practice|School|Memorial Centre"
    # a blood service, a police unit, a firm named by its trade (… Blood Center, … Traffic Police Brigade,
    # … Consulting, … Technologies, … Auto Parts, … Fire & Marine, … Insurance)
    r"|Blood Cent(?:er|re)|Blood Bank|Police (?:Brigade|Station|Bureau|Department)|Consulting|Consultancy"
    r"|(?:Technologies|Auto Parts|Electronics|Logistics|Pharmaceuticals?|Fire & Marine|Insurance)"
    # (not a trade word that goes on into a longer name: … Technologies Co., Ltd., … Pharmaceutical Industries)
    r"(?![ ](?:[A-Z&]|Co\.)))\b"
    # (the region of a company's branch in brackets after its name: … Insurance (China))
    r"(?: \([A-Z][a-z]+\))?"
    # (a hospital of its university or of its discipline: …Hospital of Sichuan University, …Hospital of
    # Traditional Chinese Medicine, …Hospital, Capital Medical University)
    r"(?: of (?:[A-Z][a-z]+ ){0,3}(?:University|Medicine|Stomatology|Oncology)\b|, (?:[A-Z][a-z]+ ){1,3}University\b"
    # (a university named after two fields: … University of Posts and Telecommunications)
    r"|(?<=University) of [A-Z][a-z]+ (?:and|&) [A-Z][a-z]+\b)?"
    # (a company with its city in brackets before its kind: … Technologies (Chongqing) Co., Ltd.)
    # (a region in brackets, hyphened: … (Asia-Pacific) Insurance Limited; a plant or a factory, a German
    # health fund: … Engine Plant, Techniker Krankenkasse)
    r"|\b(?:(?:[A-Z][a-z]+|[A-Z]{2,5}) ){1,4}(?:\([A-Z][a-z]+(?:-[A-Z][a-z]+)?\) (?:[A-Z][a-z]+ ){0,3})?"
    r"(?:Co\.,? Ltd\.?|Company|Corporation|Corp\.|Inc\.|Group|LLC|LLP|Ltd\.?|Limited|GmbH|AG|Pvt\.? Ltd\.?"
    r"|Plant|Factory|Krankenkasse)(?![\w])"
    # a country's consulate or embassy (Australian Consulate-General in Chengdu)
    r"|\b[A-Z][a-z]+ (?:Consulate(?:-General)?|Embassy)(?: (?:in|of) [A-Z][a-z]+)?\b"
    r"|\bUniversity of (?:[A-Z][a-z]+ ?){1,3}\b"
)
# a named centre, office or bureau (… Sports Medicine Center, … Foreign Affairs Office, … Public Security
# Sub-bureau, a numbered school: … No. 1 International School); not a department named by what it does
# (Medical Records Office, Billing Office, Settlement Center): its first word is a name's (see _named_centres)
NAMED_CENTRE = re.compile(
    r"\b([A-Z][a-z]+) (?:(?:[A-Z][a-z]+|No\. \d+|and) ){0,4}(?:Cent(?:er|re)|Office|Sub-bureau|Bureau|International School)\b"
)
_named_centre_candidates = prefiltered(NAMED_CENTRE)
# (nor a building in an address: Room 3, Tower A, Some Centre, 8 Some Street)
_CAPITALIZED_BEFORE = re.compile(
    r"[A-Z][a-z]+ $|\b(?:Tower|Building|Bldg|Block|Floor|Room|Unit|Flat) [\w-]+, $"
)


def _named_centres(text: str) -> list[tuple[int, int]]:
    return [
        m.span()
        for m in _named_centre_candidates(text)
        if m.group(1) not in _DEPARTMENT_WORDS
        and not _CAPITALIZED_BEFORE.search(text, max(0, m.start() - 20), m.start())
    ]


_latin_orgs = prefiltered(LATIN_ORG)
# an insurer named after its label (Insurer: Harbour Mutual, travel insurer Kestrel Assist, Insurance: …)
LATIN_INSURER = re.compile(
    r"(?:\b[Ii]nsurer|\bInsurance:)[ \t]*:?[ \t]*"
    r"(?!(?:None|Self|Pending|Unknown|Medicare|Medicaid|FAQ)\b)([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+){0,3})\b"
)
_latin_insurers = prefiltered(LATIN_INSURER)
# a European hospital or clinic named kind first (Hôpital de la Croix-Rousse, Clinique Saint-Jean,
# Ospedale San Raffaele, Klinikum Großhadern), a resort or an institute named kind last (… Ski Resort;
# not a hotel: an address's)
KIND_FIRST_ORG = re.compile(
    r"\b(?:Hôpital|Hôpitaux|Clinique|Centre Hospitalier|Klinikum|Krankenhaus|Ospedale|Policlinico|Hospital de"
    r"|Hospital del|Hospital Universitario)"
    r"(?: (?:de la|de l'|du|des|de|der|di|del|dei|San|Santa|Saint|Sainte|St\.?|Universitaire|Universitario))*"
    r" ?[A-Z][\w'-]+(?:[ -](?:de |la |du )?[A-Z][\w'-]+){0,3}"
    r"|(?<![\w-])(?:[A-Z][a-z]+ ){1,4}(?:Ski Resort|Resort|Airport|Institute|Foundation)\b"
)
_kind_first_orgs = prefiltered(KIND_FIRST_ORG)
# a workplace, an employer, a trial's sponsor or a courier after its label, whatever its name ends in
# (工作单位：某某配送某站, 快递：某某速运, sponsor: Acme China, works part-time at Acme-Mart)
LABELLED_ORG = re.compile(
    r"(?:(?:工作单位|就职单位|所在单位|用人单位|单位名称|投保单位|就职于|任职于|供职于)"
    r"(?:[（(][\u4e00-\u9fff]{1,6}[）)])?[ \t]*[:：]?"
    # a form's reporting, sending or receiving unit and a courier: with their colon
    r"|(?:填报|报告|送检|申请|接收|转入|转出|采血|采样|检测|出具)单位[ \t]*[:：]|(?:快递公司|快递|承运商)[ \t]*[:：]"
    # a trial's sponsor and its contract research or site organization, a policy's insurer (申办方：某某医药)
    r"|(?:申办方|申办者|申办单位|CRO|SMO|承保公司|承保机构|保险公司)[ \t]*[:：])[ \t]*"
    r"(?!无|不详|退休|个体|自由职业|务农|待业|学生|在读)([\u4e00-\u9fff][\u4e00-\u9fffA-Za-z0-9（）()·]{1,29})"
    r"(?=[，,。；;、\n\u3000]|[ \t]{2}|[ \t]*$|[ \t]+[\u4e00-\u9fff]{2,6}[:：])"
    r"|(?:\b[Ss]ponsor|\b[Ee]mployer|\b[Cc]ourier|\bFacility)[ \t]*:[ \t]*([A-Z][\w&'-]*(?: [A-Z][\w&'-]*){0,4})"
    # (an employer set off by commas: his employer, Acme Widgets, has …)
    r"|\b[Ee]mployer, ((?:the )?[A-Z][\w&'-]*(?: (?:of |&)?[A-Z][\w&'-]*){0,5})(?=,)"
    # a form's company field: the rest of its line (Company: Acme Motor (Wuxi) Co., Chengdu Branch)
    r"|^[ \t]*Company[ \t]*:[ \t]*([A-Z][^\n]{1,79}?)[ \t]*$"
    r"|\b(?:(?:works|worked|working|employed|retired)(?: [a-z-]+){0,3} (?:at|for|by)|employees? of|staff of) "
    r"((?:the )?[A-Z][\w&'-]*(?: (?:of )?[A-Z][\w&'-]*){0,5})",
    re.MULTILINE,
)
_labelled_orgs = prefiltered(LABELLED_ORG)
# a text message's sender in its brackets at the start of a line (【某某体检】尊敬的…): an organization
# (before its greeting: not a heading in brackets, 【用法用量】, nor a notice's kind, 【理赔通知】尊敬的…)
SMS_SENDER = re.compile(
    r"^【([^】\n]{2,20}?)(?<!通知|提醒|消息|短信|公告|服务|进度|随访)(?<!验证码)】"
    r"(?=尊敬的|您好|亲爱的|[\u4e00-\u9fff]{1,4}(?:先生|女士)?[，,]?您好)",
    re.MULTILINE,
)
_sms_senders = prefiltered(SMS_SENDER)
# a name given in two scripts side by side (Hainan General Hospital 海南省人民医院): one name
_SCRIPTS_GAP = re.compile(r"[ \t]{1,2}")
# words that make a kind of clinic, not the name of one (International Clinic, Respiratory Clinic)
_GENERIC_LATIN = frozenset(
    "The A An Our Your This That International Respiratory Outpatient Family General Internal Primary Urgent "
    "Emergency Medical Dental Travel Specialty Pediatric Cardiology Diabetes Sleep Pain Eye Skin Women Community "
    "Walk Student Employee Occupational ENT Health Travel Private".split()
)
# words that introduce an organization and so are not part of it
_LEAD = re.compile(
    r".*(?:就诊于|住院于|收治于|转入|转至|转诊至|来自|前往|通过|单位|医院|机构|名称|患者|病人|"
    r"自(?!治)|转(?![化运])|因|需要|名下|退回|供(?![电应销水热气])|认为|希望|上报|报告|联系|凭|请|补充|提供"
    r"|今天|明天|昨天|上午|下午|晚上|下周|本周|上周"
    # a patient carrying a hospital's papers (患者X携带某医院的片子, X持某医院处方): the name is the hospital's
    r"|携带|持(?=[\u4e00-\u9fff]{1,3}[省市县区])"
    # a party suing or complaining about an organization (某某家属诉某医院, 投诉某公司; not 诉讼服务中心)
    r"|诉(?!讼)"
    r"|[于在至到从往赴经由及和与向是嘱对被的了致去])",
    re.S,
)
# a lead of two characters or more ends no name (上报区疾控中心: what follows it is all there is)
_WORD_LEAD = re.compile(
    r"(?:认为|希望|上报|报告|联系|需要|名下|退回|通过|前往|来自|转诊至|转至|转入|补充|提供"
    r"|今天|明天|昨天|上午|下午|晚上|下周|本周|上周)$"
)
# two kinds joined (医院与保险公司, 医院和药店): no name between them
_KIND_AND = re.compile(r"(?:医院|公司|机构|药店|银行)[和与]$")
# modifiers that make a kind of organization, not the name of one (社区卫生服务中心, 上级医院, 外院)
GENERIC = re.compile(
    r"(?:社区|上级|下级|基层|当地|附近|外|本|该|我|他|综合|专科|定点|私立|公立|民营|三甲|二甲|三级|二级|乡镇|村|"
    r"街道|市级|县级|区级|省级|大型|其他|其它|各级|相关|指定|合作|就近|原|同一|某|一家|多家|各|"
    # whose hospital (你们医院), a kind of hospital (互联网医院), a hospital's own committee or unit
    # (伦理委员会, 血液透析中心)
    r"你们|我们|咱们|贵|互联网|医学|伦理|血液|"
    # a person's role before a kind (被保险人银行卡, 申请人医院): no name
    r"保险人|投保人|申请人|持卡人|收款人|领款人|本人|家属|区|市|县|"
    # a field's or a role's word (就诊医院, 入组医院, 收款银行, 参保地保险公司), a department (生殖医学中心),
    # a card's tail (尾号6612银行), whose unit (我院体检中心), a township's (乡卫生院)
    r"就诊|入组|收款|参保地|数据治理|生殖|尾号\d+|院|乡|"
    # a grade or a negation of a kind (一级医院, 非指定医院, 如私立医院)
    r"一级|非|如|"
    # a verb or a header before a kind (回当地医院, 要求医院, 来源医院) and a township's colloquial 镇上
    r"回|要求|来源|镇上)+"
)
_PRONOUN = frozenset("本该我贵此其你他各")
# "former" opening a read-back name (原…公司), not a place's 原 (原平市)
_FORMER = re.compile(r"原(?!平)(?=[\u4e00-\u9fff]{4})")
_BRANCH_KIND = re.compile(r"(?:分院|分公司|分行|支行)$")
# a hospital's stamp (加盖医院收费章): the kind, not a name
_STAMP_AFTER = re.compile(r"(?:收费|财务|公)?章")
# a letter's addressee on a line of its own (某某保险股份有限公司某市分公司：): a name, no field label
_ADDRESSEE = 5
MAX_LENGTH = 30
SCORE = 0.97  # above every place (0.9) and person (0.85) rule


def organization_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _KIND.finditer(text):
        start = m.start()
        while start > max(0, m.start() - MAX_LENGTH) and (
            _NAME_CHAR.match(text, start - 1) or _GROUP_WORD.match(text, start - 1)
        ):
            start -= 1
        if date := _DATE_END.match(text, start, m.start()):
            start = date.end()
        if _SPACED_DIGITS_BEFORE.search(text, max(0, start - 6), start) and text[start : m.start()].isdigit():
            continue  # 6217 0037 … 582银行账户: the last group of a card's number, no name (unlike 301医院)
        joined = bool(spans) and start <= spans[-1][1]
        if joined:
            start = spans[-1][1]
        labelled = (
            _LABEL_AFTER.match(text, m.end())
            and not _PLACE_LEAD.match(text, start)
            and not (m.start() - start >= _ADDRESSEE and text[start - 1 : start] in ("", "\n"))
        )
        if (
            (labelled and not joined)
            or _ADDRESS_AFTER.match(text, m.end())
            or _STAMP_AFTER.match(text, m.end())
        ):
            continue
        lead = _LEAD.match(text, start, m.start())
        if (
            lead
            and lead.end() == m.start()
            and (lead.group()[-1] not in "和与" or _KIND_AND.search(lead.group()))
        ):
            continue  # a lead word right before the kind word leaves no name (通过医院, 希望医院)
        if lead and GENERIC.fullmatch(text, lead.end(), m.start()):
            continue  # a lead word then a kind's modifier (在县医院, 去市医院): no name
        if lead and lead.group()[-1] in "和与及" and _PLACE_LEAD.match(text, start):
            lead = None  # a conjunction inside a place-led name (某市和某医院) is the name's
        if lead and (
            m.start() - lead.end() >= 2 or _WORD_LEAD.search(lead.group())
        ):  # not 协和 of 北京协和医院
            start = lead.end()
        elif (
            not joined
            and not _BRANCH_KIND.match(m.group())  # a chain names its branch by a place: 某某北京西直门分院
            and (place := _PLACE_LEAD.search(text, start, m.start()))
            and place.start() > start
            and text[place.start() - 1]
            not in "（("  # a city in brackets inside the name: …研发（北京）有限公司
        ):
            # (a national company's name leads with 中国: 中国某某某市分公司 stays whole)
            if not _PLACE_LEAD.match(text, start) and not text.startswith("中国", start):
                start = place.start()
        elif joined:  # 重庆医科大学 + 附属第一医院: one name
            spans[-1] = (spans[-1][0], m.end())
            continue
        if _FORMER.match(text, start, m.start()):
            start += 1  # 原某某矿业公司井下工人: a former workplace, 原 no part of its name
        shortest = next((n for k, n in SHORT_NAME_KINDS.items() if m.group().startswith(k)), 2)
        if m.group().startswith("公司") and text[m.start() - 1 : m.start()] in _PRONOUN:
            continue  # 均在本公司, 该公司: a pronoun's company, no name
        if _BRANCH_KIND.match(m.group()):  # a branch alone: a name of four characters or more, no lead word
            if lead:
                start = max(start, lead.end())
            shortest = 4
        if m.start() - start < shortest or GENERIC.fullmatch(text, start, m.start()):
            continue  # 本院, 该医院, 上级医院, 社区卫生服务中心: no name
        if (region := ADDRESS.match(text, start, m.start())) and GENERIC.fullmatch(
            text, region.end(), m.start()
        ):
            continue  # 某县当地卫生院, 某镇某村村卫生室: a place and a kind of organization, no name
        spans.append((start, m.end()))
    return spans


def _generic_latin(name: str) -> bool:
    """Every word before the kind word makes a kind of place (Respiratory Clinic): no name."""
    words = name.split()
    return len(words) <= 3 and all(w in _GENERIC_LATIN for w in words[:-1])


def _join_scripts(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Two names side by side, one in Latin letters and one in Chinese, joined into one."""
    joined: list[tuple[int, int]] = []
    for s, e in spans:
        if joined:
            ps, pe = joined[-1]
            if (
                pe <= s
                and _SCRIPTS_GAP.fullmatch(text, pe, s)
                and text[pe - 1].isascii() != text[s].isascii()
            ):
                joined[-1] = (ps, e)
                continue
        joined.append((s, e))
    return joined


# an insurer by its brand and line of business, without a company's kind word (太平洋人寿, 人保财险)
INSURER_BRAND = re.compile(
    r"(?:(?:中国)?(?:平安|太平洋|太平|新华|泰康|人寿|人保|国寿|阳光|友邦|众安|大地|华泰|富德|中邮|工银安盛|招商信诺|中意|百年|"
    r"和谐|昆仑|复星联合|中英|信泰|安邦|大家|前海|天安|永安|英大|紫金|锦泰|利宝)"
    r"(?:人寿|财险|养老|生命|健康险|健康保险|保险)"
    # the groups' own short names, and a brand that is no word (中国人寿, 人保健康, 众安)
    r"|中国人寿|中国人保|中国平安|中国太保|中国太平|中国人民健康保险|人保健康|众安"
    # drug makers, contract research and site organizations, laboratories known by their brand alone
    # (泰格医药的CRA, 药明康德, 金域医学)
    r"|泰格医药|联斯达医药|联斯达|药明康德|康龙化成|方达医药|昆翎医药|精鼎医药|恒瑞医药|百济神州|复星医药|信达生物|"
    r"君实生物|科伦药业|齐鲁制药|正大天晴|豪森药业|翰森制药|石药集团|华大基因|金域医学|迪安诊断|艾迪康)"
    r"(?!公司|股份|集团|有限|在线)"
)
_insurer_brands = prefiltered(INSURER_BRAND)
# an international insurer, drug maker or research organization by its brand, with the words of its unit
# after it (Cigna Global Health, Allianz Care, Aetna International, Blue Cross Blue Shield of Michigan)
LATIN_BRAND = re.compile(
    # (a brand may stand right after a Chinese character: 持Bupa全球医疗保险卡)
    r"(?<![A-Za-z0-9])(?:Cigna|Bupa|Allianz|AXA|Aetna|MetLife|AIA|Prudential|Manulife|Generali|Zurich|GeoBlue|MSH|"
    r"Ping An|ICICI Lombard|Blue Cross Blue Shield|BCBS|AstraZeneca|Pfizer|Novartis|Roche|Merck|MSD|Sanofi|"
    r"GSK|GlaxoSmithKline|Bayer|Eli Lilly|Lilly|Johnson & Johnson|Janssen|BeiGene|Hengrui|IQVIA|Parexel|"
    r"Syneos|Medpace|Covance|Labcorp|WuXi AppTec|Tigermed|Novo Nordisk|Boehringer Ingelheim|Takeda|Amgen"
    # international clinics and assistance companies in China, with the city of their branch after them
    # (Raffles Medical Chongqing, ParkwayHealth Shanghai, United Family Beijing, International SOS Assistance)
    r"|Raffles Medical|Parkway ?Health|United Family|International SOS|SOS International)"
    r"(?: (?:Sharp & Dohme|Global Health|Global|International|Care|Travel|Health|Life|China|Insurance|Asia|"
    r"Pharmaceuticals?|Oncology|Healthcare|Assistance|Hospital|Clinic|Beijing|Shanghai|Chongqing|Chengdu|"
    r"Guangzhou|Shenzhen|Tianjin|Wuhan|Hangzhou|Nanjing|Suzhou|Xiamen|Qingdao|Dalian|Shenyang)){0,2}+"
    # (not a brand opening a longer name with its city or its Chinese name in brackets: International SOS
    # (Beijing) Medical Assistance Co., Ltd., MSH China（…有限公司）)
    r"(?: (?:LLC|Inc\.|Ltd\.|Co\., Ltd\.|of [A-Z][a-z]+))?(?![A-Za-z0-9-]|[ ]?[(（])"
)
_latin_brands = prefiltered(LATIN_BRAND)
# a given name right before a brand's word (not a capitalized word that opens a line or a letter's
# addressee: To International SOS …)
_NAME_BEFORE = re.compile(r"\b(?!(?:To|From|Dear|Attn|Re|Via|With|For|By|At|Our|Your|The|Cc)\b)[A-Z][a-z]+ $")
# what opens a clause, not a name, before a kind word (上述保险公司, 请各医院, 7家医院, 建议客户就门诊部)
_CLAUSE_IN_NAME = re.compile(r"各|上述|请|需|同意|发现|建议|暂停|或|\d+家")


class OrganizationRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entities=["ORGANIZATION"], supported_language="zh", name="ORG_zh_recognizer"
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans = (
            organization_spans(text)
            + [m.span() for m in _latin_orgs(text) if not _generic_latin(m.group())]
            + [m.span(1) for m in _latin_insurers(text)]
            + [m.span() for m in _kind_first_orgs(text)]
            + _named_centres(text)
        )
        spans = [
            (a, b)
            for a, b in spans
            if not _CLAUSE_IN_NAME.search(text, a, b) or (text[a].isalpha() and text[a].isascii())
        ]
        for m in [*_labelled_orgs(text), *_sms_senders(text)]:
            # only a name the other rules did not find (their span is the better one)
            s, e = m.span(m.lastindex or 0)
            if not any(a < e and s < b for a, b in spans):
                spans.append((s, e))
        for m in [*_insurer_brands(text), *_latin_brands(text)]:
            if _NAME_BEFORE.search(text, max(0, m.start() - 20), m.start()):
                continue  # a person's family name (Pieter Janssen), not the company
            # a brand's whole name replaces a rule's part of it (Merck Sharp & Dohme LLC, not Dohme LLC)
            inside = [(a, b) for a, b in spans if m.start() <= a and b <= m.end()]
            if not any(a < m.end() and m.start() < b for a, b in spans if (a, b) not in inside):
                spans = [sp for sp in spans if sp not in inside] + [m.span()]
        spans = _join_scripts(text, sorted(set(spans)))
        return [RecognizerResult("ORGANIZATION", s, e, SCORE) for s, e in spans]
