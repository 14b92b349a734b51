"""Structured identifiers: resident ID, phone, bank card, e-mail, IP, passport, licence plate, MRN."""

from __future__ import annotations

import ipaddress
import re

from presidio_analyzer import EntityRecognizer

from node.anonymization.checksums import luhn_ok, valid_id_card
from node.anonymization.recognizers.base import (
    RegexRecognizer,
    SpanRecognizer,
    lines_with_offsets,
    near,
    prefiltered,
)
from node.anonymization.recognizers.record_lists import subject_codes

_ID_CONTEXT = re.compile(r"身份证|证件|公民身份|ID", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(r"电话|手机|联系|致电|tel|phone|座机", re.IGNORECASE)
_CARD_CONTEXT = re.compile(r"卡号|银行|账号|帐号|储蓄卡|信用卡|借记卡|开户", re.IGNORECASE)
_PASSPORT_CONTEXT = re.compile(r"护照|passport|通行证", re.IGNORECASE)

# written whole, or in groups of 6-8-4 (or 6-4-4-4) separated by spaces or hyphens, or in groups of four
# (4601 0619 7911 0226 40, the way a card's number is read out)
ID18 = re.compile(
    r"(?<![0-9A-Za-z-])\d{4}(?:\d{2}[ -]?(?:18|19|20)\d{2}[ -]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}[\dXx]"
    r"|([ -])\d{4}\1\d{4}\1\d{4}\1\d[\dXx])(?![0-9A-Za-z])"
)
ID15 = re.compile(r"(?<![0-9A-Za-z])\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])")
# (or masked in its middle four, the way delivery slips print it: 139****2208)
# (or in groups of four, four and three: 1592 3184 706)
MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:(?:[ -]?\d{4}|\*{4}){2}|\d[ -]\d{4}[ -]\d{3}(?![ -]\d))(?!\d)"
)
# (the local number whole or in two groups: 0731 8442 6710, a seven-digit one 0931 8462 017)
LANDLINE = re.compile(
    r"(?<![\d-])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?(?:[2-9]\d{6,7}|[2-9]\d{3}[ -]\d{3,4})(?:-\d{1,4})?(?!\d)"
)
# (an 18- or 19-digit card read out in groups: 6228 4803 2809 4471 179, 6228 4803 2809 4471 17)
BANK = re.compile(r"(?<![\d-])(?:\d{4}[ -]?){3}\d{4}(?:[ -]\d{2,3}|\d{0,3})(?!\d)")
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z])"
)
# (a sentence's full stop may follow: from 203.0.113.9.)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![0-9A-Fa-f:])")
PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:[EGDSP][A-Z]?\d{7,8}|[EG]\d{8})(?![A-Za-z0-9])")
# any country's number right after a passport label (护照号：PAB482715, 护照：M48271935, 75 3318420,
# 19AV42871): one to three letters and digits, or digit and letter groups, 7 to 10 characters in all
LABELLED_PASSPORT = re.compile(
    r"(?:护照(?:号码|号|编号)?|[Pp]assport(?: [Nn]o\.?| [Nn]umber| #)?)[ \t]*[:：]?[ \t]*"
    r"(?:护照(?:号码|号)?[ \t]*[:：]?[ \t]*)?"
    r"((?:[A-Z]{1,3}\d{6,9}|\d{2} ?\d{7}|\d{2}[A-Z]{2}\d{5}|\d{9}"
    # letters and digits mixed (a German passport: C01X00T47), at least four digits
    r"|(?=(?:[A-Z]*\d){4})[A-Z][A-Z0-9]{7,9}))(?![A-Za-z0-9])"
)
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·• ]?"
    r"(?:[A-HJ-NP-Z0-9]{6}|[A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{4}[挂学警港澳])(?![A-Za-z0-9])"
)
# a foreign plate after an English plate label (Plate: KFT-4821, licence plate 7ABC123)
LATIN_PLATE = re.compile(
    r"[Pp]late(?: [Nn]o\.?| [Nn]umber| #)?[ \t]*[:#]?[ \t]*"
    r"((?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5})(?![A-Za-z0-9])"
)
_PLATE_CONTEXT = re.compile(r"车牌|号牌|车号|车辆|牌照|plate", re.IGNORECASE)
# (letter groups may lead, each closed by a hyphen: US-OB-2404-017, BJU-INV-00412)
_RECORD_NUMBER = (
    # (after letter groups, three digits are enough: SA-CQ-004)
    # (a form laid out with ideographic spaces parts its label from the number: 住院号　Z2401…)
    r"[ \t\u3000]*[:：=为是]?[ \t\u3000]*((?:[A-Za-z]{1,6}-){1,2}[A-Za-z]{0,4}\d[A-Za-z0-9-]{2,19}"
    r"|(?:[A-Za-z]{1,6}-){0,2}[A-Za-z]{0,4}-?\d[A-Za-z0-9-]{3,19})(?![A-Za-z0-9])"
)
MRN = re.compile(
    # (letter case spelled out in the labels: a case-insensitive pattern scans every character slower)
    r"(?:病案号|住院号|门诊号|病历号|就诊卡号|诊疗卡号|就诊号|登记号|住院编号|档案号|档案编号|[Ii][Dd]号|[Mm][Rr][Nn]"
    # a form's label spelled out with spaces (住 院 号 ：)
    r"|(?:住 院|门 诊|病 案|病 历|病 理) 号"
    # the accession numbers of examinations and reports: each names one patient's record (an assay's
    # number, 检验编号, stays: the corpus holds those as lab numbers, no PHI)
    r"|(?:检查|病理|影像|放射|超声|内镜|心电图|心电|体检|条码|条形码|申请单|报告单?"
    r"|CBCT|CT|MRI?|DR|PET|DSA|X线|胃镜|肠镜)(?:号|编号|单号)"
    # visits and report cards, each one patient's (急诊号, 透析号, 卡片编号; most sets leave a prescription's,
    # an order's and a receipt's numbers unlabelled: 处方号, 订单号, 收据号)
    r"|(?:急诊|留观|透析|卡片|报卡)(?:号|编号)|受检者(?:编码|编号)"
    # a specimen's number (标本号, 样品编号): but not digits glued to the label, the older sets' lab numbers
    r"|(?:标本|样本|样品)(?:号|编号)"
    # a patient's settlement, online consultation, benefit ruling, application or frozen section
    # (结算流水号, 问诊单号, 认定编号, 申请编号, 冰冻号) and an acceptance number outside a claim (受理号)
    r"|结算(?:流水号|单号|编号)|问诊(?:单号|号)|认定编号|申请编号|冰冻(?:号|编号)|受理(?:号|编号)"
    # a trial subject's or a screening's number (受试者编号, 筛选号, 受试者：…, 受试者 02-0097; a
    # randomization number names a kit)
    r"|受试者(?:编码|编号|代码|号|ID|(?=[ \t]*[:：]?[ \t]*(?:[A-Z]{1,4}-){0,2}[A-Z]{0,4}-?\d))|筛选(?:编号|号)"
    # a registry's, a biobank's, a marrow, a consultation's or a radiotherapy's number (登记编号, 样本编码,
    # 骨髓号, 会诊号, 放疗号)
    r"|登记编号|(?:标本|样本)编码|(?:骨髓|会诊|放疗|透析|麻醉|手术)(?:号|编号)"
    # a specimen's barcode without its colon (标本条码 2404…)
    r"|(?:标本|样本)条码"
    # a blood unit's number (血袋号: it traces the recipient's transfusion and its donor), an adverse
    # event report's and a sealed record's number (事件编号, 封存编号: one patient's incident or chart)
    r"|血袋(?:号|编号|条码)|(?:事件|封存)(?:号|编号)"
    # a case's, a referral's, a follow-up's, a crossmatch's or a maternal handbook's number, one patient's
    # (病例编号, 转诊单号, 随访编号, 配血号, 建卡号, 保健手册编号) and a complaint's (投诉编号, 信访编号)
    r"|病例(?:号|编号)|转诊(?:单号|编号|号)|随访(?:编号|号)|配血(?:号|编号)|建(?:卡|档)(?:号|编号)"
    r"|手册(?:号|编号)|(?:投诉|信访)(?:单号|编号|件号)"
    # a barcode's number as a field (条码：), not an assay's (检验条码：, 检测条码：; the lookbehind after the
    # label reads the same characters, and every alternative then opens on a character the engine skips by)
    r"|条码(?<!检验条码|检测条码)(?=[ \t]*[:：])"
    # a patient's ID (患者ID：, ID：) and a bare 编号 heading a form (not 设备编号: see _mrn)
    r"|ID(?=[:：])|编号(?=[:：])"
    # a list's entry headed by its number and a colon (编号 GXHT-0311：某某，男，74岁)
    r"|编号(?=[ \t]+[A-Z]{1,6}-?\d[A-Za-z0-9-]{2,19}[:：])"
    r"|[Aa]ccession(?: [Nn]o\.?| #| [Nn]umber)?)" + _RECORD_NUMBER
)
# English labels of a record's number (Specimen ID:, Account #:, Case No.:, numéro de dossier): their own
# pattern, whose prefilter passes over the Chinese notes that hold none of these words (in the one above
# their first letters made the engine stop at every such letter of every note)
LATIN_MRN = re.compile(
    # (each case spelled out: the prefilter then looks for whole words, not for 'ase' of every disease)
    r"(?:(?:Specimen|specimen|Patient|patient|Case|case|Account|account|Chart|chart|Encounter|encounter|Visit"
    r"|visit|Exam|exam|Study|study|Admission|admission|Registration|registration|Referral|referral|Episode"
    r"|episode"
    # a trial's subject (Subject ID, Screening No., Randomization #, Participant ID)
    r"|Subject|subject|Screening|screening|Participant|participant|Hospital|hospital|Registry|registry"
    r"|Clinic|clinic|Record|record"
    r") (?:ID|[Nn]o\.?|#|[Nn]umber)(?: (?:is|was)(?= [A-Za-z]{0,4}-?\d))?|[Nn]uméro de dossier"
    # a blood unit's number (Unit No. 5001240312345: ten digits or more, not a ward's unit)
    r"|(?:Blood |blood )?Unit (?:[Nn]o\.?|#|[Nn]umber)(?= ?[:：]? ?\d{10})"
    # a chart opened by its number in an audit trail (open chart 0031948820)
    r"|(?<=open )chart(?= \d{6,}(?![\d-]))"
    # a trial's subject named by the word alone (Subject SG-201-0019, 70 M)
    r"|Subject(?=:? [A-Z]{0,4}-?\d)"
    # (an order's, a prescription's, a receipt's and an invoice's numbers stay: the sets leave them unlabelled)
    r")" + _RECORD_NUMBER
)
# a stay's or a visit's number written bare, its letters the label's initials (ZY for 住院, MZ for 门诊,
# ZYH, MZH): in a list of patients, a table's cell
# a pathology or cytology accession after the procedure that took the tissue, in brackets or after a
# space: 活检（P2311-0456）, 冰冻（F23-0091）, 细胞学送检（C23-01187）, biopsy P2311-0456, Bx B23-00871
PATHOLOGY_MRN = re.compile(
    r"(?:活检|冰冻|穿刺病理|细胞学送检|[Bb]iopsy|[Pp]athology|Bx)[ \t]*[（(]?[ \t]*"
    r"([A-Z]{1,3}\d{2,4}-\d{3,5})(?![A-Za-z0-9-])"
)
PINYIN_MRN = re.compile(r"(?<![A-Za-z0-9-])(?:ZYH?|MZH?)-?\d{6,12}(?![A-Za-z0-9])")
_GLUED_SPECIMEN = re.compile(r"(?:标本|样本|样品)(?:号|编号)$")
_CJK_BEFORE = re.compile(r"[\u4e00-\u9fff]$")
_WORD_BEFORE = re.compile(r"[\u4e00-\u9fffA-Za-z]$")


# the number after its label: 保单号 PA2023CQ000187654, 医保卡号：CQ5001120001234, 参保号1234567890
# (letters, an optional hyphen, then digits: HX-22817390; a slash or hyphen may join digit groups)
# (letter groups may come first, each closed by a hyphen: AIA-IN-2024..., CIG-INTL-2025...)
# (or digit groups of four read out with spaces: 8811 2026 0335 7721; the first group may hold a region's
# six digits, 330106 2231 8804, or a letter prefix lead them, ZH 2231 8804 1127, BUPA 7703 1844 26)
# (the number may open a bracket after its label, 赔案（YKB2024-0193382）, or follow 分别 when two are
# listed; an insurer's prefix runs to six letters: YKBLP24080211457)
_NUMBER = (
    r"[ \t]*(?:分别)?(?:[:：]|为|是|[（(])?[ \t]*((?:[A-Z]{1,4} ?)?\d{4}(?:\d\d)?(?: \d{4}){1,4}(?: \d{1,3})?(?![\dA-Za-z年月日])|(?:[A-Za-z]{1,6}-){0,3}[A-Za-z]{0,6}-?\d[A-Za-z0-9-]{2,24}"
    r"(?:/[A-Za-z0-9-]{2,12})?)(?![A-Za-z0-9])"
)
_POLICY_LABEL = (
    r"(?:(?:保险单|投保单|保单|团单|团体保单|保险合同)(?:号码|号|编号)?|理赔(?:号|编号|案号)|赔案(?:号码|号|编号)?"
    # a form's label spelled out with spaces (保 单 号 ：)
    r"|保 单 (?:号 码|号|编 号)"
    # a claim's case number (案件号, 报案号, 理赔案件 CL...): the insurer's file on the insured
    r"|(?:理赔|赔付)?案件(?:号码|号|编号)?|报案(?:号码|号|编号)|立案号|受理(?:号|编号)"
    # (a claim's number by 案号 alone, 理赔申请（案号XYZ…）; not a record's 病案号 or 档案号, a plan's 方案号)
    r"|(?<![病档方备提])案号"
    # a commercial insurer's member or card number, a tax-favoured health policy's code (not a public
    # scheme's card: INSURANCE_CARD's; its lookbehind after the label, as the barcode's in MRN)
    r"|会员(?:卡号|号|编号)|保险卡(?<!医疗保险卡|工伤保险卡|生育保险卡|养老保险卡)(?:卡号|号)|税优识别码"
    # a claim named by the word alone (Claim AB-2024-0001, your claim XY-1234-55) and an insurer's
    # authorization or case reference (Authorization no.:, Case reference:)
    r"|[Cc]laim(?: [Nn]o\.?| [Nn]umber| #| ID| [Rr]ef\.?| [Rr]eference)?|[Ii]nsurance (?:file|ref\.?|reference)"
    r"|(?:[Pp]re-?)?[Aa]uthori[sz]ation (?:[Nn]o\.?|[Nn]umber|#|[Cc]ode|ID)|[Cc]ase (?:[Rr]ef\.?|[Rr]eference)"
    r"|[Mm]embership (?:[Nn]o\.?|[Nn]umber|#|ID)|[Mm]ember(?: ID| [Nn]o\.?| [Nn]umber| #)?"
    r"|[Pp]olicy(?: [Nn]o\.?| [Nn]umber| #)?|[Gg]roup (?:[Nn]o\.?|[Nn]umber|#))"
)
POLICY = re.compile(_POLICY_LABEL + _NUMBER)
# the second of two numbers after one label (保单号分别为P2024…和P2024…, 赔案号分别是…和XY-LP-2024…)
POLICY_LISTED = re.compile(
    _POLICY_LABEL
    + _NUMBER
    + r"[ \t]*(?:和|及|与|、|,|，)[ \t]*((?:[A-Za-z]{1,6}-){0,3}[A-Za-z]{0,6}\d[A-Za-z0-9-]{5,24})(?![A-Za-z0-9])"
)
# a contract's number or a letter's reference heading a line: an insurer's only in an insurer's text (合同号
# after 保险合同, Ref: in an insurer's query letter; not a bank's reference in a sentence), see _insurer_context
POLICY_IN_CONTEXT = re.compile(
    r"(?:合同(?:号码|号|编号)|(?m:^)(?:(?:Our|Your) )?[Rr]ef(?:erence)?\.?(?=[ \t]*[:：#]))" + _NUMBER
)
_INSURER_CONTEXT = re.compile(r"理赔|保险|保单|赔付|出险|[Ii]nsur|[Cc]laim|[Pp]olicy")


def _insurer_context(m: re.Match[str], text: str) -> float | None:
    if not near(text, m.start(), m.end(), _INSURER_CONTEXT, before=120, after=120):
        return None
    return _labelled(m, text)


INSURANCE_CARD = re.compile(
    # the card number itself (社保卡卡号) and a scheme's personal code (医保个人编码, 个人编码)
    r"(?:(?:医保|社保|社会保障|医疗保险|参保|新农合|工伤保险|生育保险|养老保险)(?:卡卡号|卡号|卡|号码|号|编号|编码|个人编号|个人编码|电子凭证号|电子凭证码|电子凭证)"
    # (the old rural scheme's certificate: 合作医疗证号)
    r"|个人编码|个人编号|合作医疗证号|[Ss]ubscriber (?:ID|No\.?|[Nn]umber|#)"
    # (an export's key: "mi_no":"…", mi_card=…)
    r"|\bmi_(?:no|card(?:_no)?)[\"']?[ \t]*[:=][ \t]*[\"']?"
    # a card's, a voucher's or a household's number under a scheme named shortly before it (医保卡信息：…
    # 卡号…, 医保电子凭证…凭证号…, 新农合…家庭编号…): the scheme's card (see _insurance_card)
    r"|卡号|凭证号|凭证码|家庭编号|家庭档案号|参合证号|医疗证号)(?:码)?" + _NUMBER
)
_GENERIC_CARD_LABEL = re.compile(r"卡号|凭证|家庭|参合证|医疗证")
# (a resident's electronic health card, 电子健康卡, is the scheme's card too)
_SCHEME_CONTEXT = re.compile(r"医保|社保|社会保障|新农合|参合|参保|合作医疗|健康卡")
_BANK_CONTEXT = re.compile(r"银行|储蓄|借记|信用卡|开户|账户|帐户|就诊卡|诊疗卡|会员")


def _insurance_card(m: re.Match[str], text: str) -> float | None:
    if not _GENERIC_CARD_LABEL.match(text, m.start()):
        return _labelled(m, text)
    # a generic label: the scheme's card only with the scheme named before it, no bank's nor hospital's
    if not near(text, m.start(), m.start(), _SCHEME_CONTEXT, before=40):
        return None
    if _BANK_CONTEXT.search(text, max(0, m.start() - 16), m.start() + 1):
        return None  # a bank's or a hospital's card named between (银行卡号, 就诊卡号)
    return _labelled(m, text)


# a scheme's card number without its label (医保：YZ…, a care-insurance list's rows): two letters and a region's
# code (GB/T 2260: province, city 01-, county 01-) opening 13-15 digits, in a text naming the scheme shortly
# before; a policy's or a claim's number opens with a year (TK2024…, LP2025…), not a region
UNLABELLED_CARD = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])(?:0[1-9]|[1-9]\d)(?:0[1-9]|[1-9]\d)"
    r"\d{7,9}(?![A-Za-z0-9])"
)
_CARE_SCHEME_CONTEXT = re.compile(_SCHEME_CONTEXT.pattern + r"|长护险|长期护理保险")


def _unlabelled_card(m: re.Match[str], text: str) -> float | None:
    return 0.6 if near(text, m.start(), m.end(), _CARE_SCHEME_CONTEXT, before=300) else None


# a foreign number after a phone cue in a Chinese note (电话+34 612 345 678); +86 numbers are CN_PHONE's
FOREIGN_PHONE = re.compile(r"(?<![0-9A-Za-z+])\+(?!86)[1-9]\d{0,2}(?:[ -]?\d{1,4}){2,5}(?![\w-])")


_KIN_CONTEXT = re.compile(
    r"\b(?:[Kk]in|[Cc]ontact|[Hh]usband|[Ww]ife|[Ss]on|[Dd]aughter|[Mm]other|[Ff]ather|[Bb]rother|[Ss]ister"
    r"|[Pp]artner|[Gg]uardian|[Ss]pouse|reached)\b|家属|联系人|配偶|丈夫|妻子"
)


def _foreign_phone(m: re.Match[str], text: str) -> float | None:
    digits = sum(ch.isdigit() for ch in m.group())
    if not 8 <= digits <= 15:
        return None
    # (the cue may stand before another number it gives first: 电话：13816624590 / +48 601 552 318)
    if near(text, m.start(), m.end(), _PHONE_CONTEXT, before=24):
        return 0.85
    # or a relative or a contact named before it (Next of kin: Name, +49 …; husband Name, +48 …)
    if near(text, m.start(), m.end(), _KIN_CONTEXT, before=40):
        return 0.85
    # or none: a plus, a country's code and eight to fifteen digits in groups is a phone number wherever it
    # stands (UK mobile: +44 …, a sponsor's line after its e-mail, WhatsApp +852 …); the sets hold no other
    return 0.8


_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_CLAIM_CONTEXT = re.compile(r"理赔|保险|保单|赔付|出险")


def _labelled(m: re.Match[str], text: str) -> float | None:
    number = m.group(m.lastindex or 0)
    if sum(ch.isalnum() for ch in number) < 7 or _SSN_SHAPE.fullmatch(number):
        return None  # (an SSN on an insurance file is the SSN)
    if text.startswith("受理", m.start()) and not near(text, m.start(), m.start(), _CLAIM_CONTEXT, before=40):
        return None  # an acceptance number is a claim's only in an insurer's claim form
    return 0.96  # above a bank card's 0.95: a policy number can pass Luhn by chance


def _id18(m: re.Match[str], text: str) -> float | None:
    return 0.95 if valid_id_card(re.sub(r"[ -]", "", m.group())) else None


def _id15(m: re.Match[str], text: str) -> float | None:
    return 0.85 if near(text, m.start(), m.end(), _ID_CONTEXT, before=15) else None


_COUNTRY_CODE_BEFORE = re.compile(r"\+(?!86)\d{1,3}[ -]?$")


def _mobile(m: re.Match[str], text: str) -> float | None:
    # a number after another country's code is that country's (+49 151 2387 6610), not a Chinese mobile
    return None if _COUNTRY_CODE_BEFORE.search(text, max(0, m.start() - 5), m.start()) else 0.9


_SHORT_GROUPED = re.compile(r"[ -]\d{4}[ -]\d{3}$")
_GROUPED_LOCAL = re.compile(r"[2-9]\d{3}[ -]\d{3,4}(?:-\d{1,4})?$")


def _landline(m: re.Match[str], text: str) -> float | None:
    # groups of four inside a longer run of groups are another number's (1101 0519 4910 0100 15)
    if _GROUPED_LOCAL.search(m.group()) and (
        re.search(r"\d[ -]$", text[max(0, m.start() - 2) : m.start()]) or re.match(r"[ -]\d", text[m.end() :])
    ):
        return None
    has_separator = bool(re.search(r"[ ()-]", m.group()))
    if _SHORT_GROUPED.search(m.group()):
        has_separator = False  # 0931 8462 017 is a phone's only after a phone's cue (not 批号 0731 2024 118)
    return 0.85 if has_separator or near(text, m.start(), m.end(), _PHONE_CONTEXT, before=10) else None


def _bank(m: re.Match[str], text: str) -> float | None:
    digits = re.sub(r"\D", "", m.group())
    if not 16 <= len(digits) <= 19 or not luhn_ok(digits) or valid_id_card(digits):
        return None
    return 0.95 if near(text, m.start(), m.end(), _CARD_CONTEXT, before=12) else 0.8


def _email(m: re.Match[str], text: str) -> float | None:
    return 0.95


def _ip(m: re.Match[str], text: str) -> float | None:
    try:
        ipaddress.ip_address(m.group())
    except ValueError:
        return None
    return 0.85


def _passport(m: re.Match[str], text: str) -> float | None:
    return 0.85 if near(text, m.start(), m.end(), _PASSPORT_CONTEXT, before=12) else None


def _plate(m: re.Match[str], text: str) -> float | None:
    # seven characters, or eight of a new-energy vehicle: one with six after the city's letter and no
    # D/F where a new-energy plate has it wants a plate's label shortly before
    tail = re.sub(r"[·• ]", "", m.group())[2:]
    if len(tail) == 6 and tail[0] not in "DF" and tail[-1] not in "DF":
        return 0.85 if near(text, m.start(), m.end(), _PLATE_CONTEXT, before=12) else None
    return 0.85


_NATIONALITY = re.compile(r"国籍[:：]?[ \t]*(\S{1,8})|([\u4e00-\u9fff]{2,4})籍")
_US = re.compile(r"美国|美籍|\bUSA?\b|U\.S\.|United States|American")


# another country named right after the number (M12345678 (Republic of Korea)) or an adjective or a
# country's letters right before the label (Iranian passport, UK passport)
_COUNTRY_AFTER = re.compile(r"[ \t]*[(（][ ]?([A-Z][A-Za-z .'-]{1,40})[)）]")
_NATIONAL_BEFORE = re.compile(r"\b([A-Z][a-z]+(?:an|ese|ish|ch|i)|[A-Z]{2,3})[ ]$")


def _foreign_stated(m: re.Match[str], text: str) -> bool:
    after = _COUNTRY_AFTER.match(text, m.end())
    before = _NATIONAL_BEFORE.search(text, max(0, m.start() - 16), m.start())
    stated = [g.group(1) for g in (after, before) if g is not None]
    return any(not _US.search(n) and n != "US" for n in stated)


def _us_passport(m: re.Match[str], text: str) -> bool:
    """A nine-digit passport number is a US one unless the note gives another nationality; a letter and
    eight digits is one after an English label only (a Chinese passport has that shape: 护照号：E12345678).
    Another country named at the number or its label makes it no US one."""
    number = m.group(1)
    if _foreign_stated(m, text):
        return False
    if re.fullmatch(r"[A-Z]\d{8}", number):
        return "护照" not in m.group()
    if not re.fullmatch(r"\d{9}", number):
        return False
    stated = [a or b for a, b in _NATIONALITY.findall(text)]
    return not stated or any(_US.search(n) for n in stated) or bool(_US.search(text))


def _labelled_passport(m: re.Match[str], text: str) -> float | None:
    return None if _us_passport(m, text) else 0.86


def _labelled_us_passport(m: re.Match[str], text: str) -> float | None:
    return 0.86 if _us_passport(m, text) else None


# a hospital's own card read by its card number (就诊卡挂失…卡号：…, 补办新卡…, a screening card's 卡号):
# 卡号 or a new card's number within a few lines after the card's kind, no scheme's or bank's word between
CLINIC_CARD = re.compile(
    r"(?:就诊卡|诊疗卡|就医卡|采血卡|筛查卡)(?:(?!医保|社保|银行|储蓄|信用|借记|保险)[\s\S]){0,120}?"
    r"(?<![\u4e00-\u9fff])(?:卡号|新卡)"
    r"[ \t]*[:：]?[ \t]*([A-Za-z]{0,4}\d{8,16})(?![A-Za-z0-9])"
)
# a record's number in a data row's key (JSON or key=value exports: "adm_no":"T000000123", mrn=…)
KEYED_MRN = re.compile(
    r"[\"']?(?:adm|admission|inpatient|outpatient|hosp|hospital|mrn|chart|case|visit|patient|subject|pid)"
    r"(?:_?(?:no|num|number|id))?[\"']?[ \t]*[:=][ \t]*[\"']"
    r"((?:[A-Za-z]{1,6}-){0,2}[A-Za-z]{0,4}-?\d[A-Za-z0-9-]{3,19})[\"']"
)
# a record's label then its number read out with spaces, as an OCR of a printed form gives it (住 院 号 ：
# 2 4 0 3 8 8 1, 体检号：TJ 2404 0903 12, 病 理 号 ： 2 4 - 0 9 1 8 3)
SPACED_MRN = re.compile(
    r"(?:住 ?院|门 ?诊|病 ?案|病 ?历|病 ?理|体 ?检|检 ?查|影 ?像|标 ?本) ?(?:号|编 ?号)[ \t]*[:：][ \t]*"
    r"((?:[A-Z]{1,4} )?\d{4} \d{4}(?: \d{1,4})?|[A-Z0-9](?: [A-Z0-9-]){5,24})(?![ ]?[A-Za-z0-9])"
)
_MASKED_TAIL = re.compile(r"[Xx*]{3,}$")
# a drug safety report's own number (SUSAR, a marketing authorization holder's case): no patient's record
_PV_CONTEXT = re.compile(r"SUSAR|ICSR|药物警戒|申办方|非患者|[Pp]harmacovigilance|[Aa]uthori[sz]ation holder")
_DATA_REQUEST = re.compile(r"数据[\u4e00-\u9fff]{0,4}申请")
_COUNT_AFTER = re.compile(r"[ \t]*(?:例|人|名)")


def _mrn(m: re.Match[str], text: str) -> float | None:
    start = m.start(1)
    if _MASKED_TAIL.search(m.group(1)):
        return None  # a number printed masked (PAY2025xxxx) identifies no one
    if text.startswith("受理", m.start()) and (
        _CJK_BEFORE.search(text, max(0, m.start() - 1), m.start())
        or near(text, m.start(), m.start(), _CLAIM_CONTEXT, before=40)
    ):
        return None  # 伦理受理号: a committee's; in an insurer's claim form: the claim's (POLICY)
    if m.group(1).isdigit() and _GLUED_SPECIMEN.search(text, max(0, start - 4), start):
        return None  # 标本号2024...: a lab's own running number
    if text.startswith("编号", m.start()) and _WORD_BEFORE.search(text, max(0, m.start() - 1), m.start()):
        return None  # 设备编号, 批次编号, Query编号: some other thing's number
    if _COUNT_AFTER.match(text, m.end(1)):
        return None  # 纳入受试者 120-150 例: a count, no one's number
    label = text[m.start() : start]
    if ("报告" in label or "ase" in label) and near(
        text, m.start(), m.end(), _PV_CONTEXT, before=240, after=20
    ):
        return None  # a SUSAR's or a holder's case number: the report's, not a patient's record
    if label.startswith("申请") and near(text, m.start(), m.start(), _DATA_REQUEST, before=30):
        return None  # 数据申请…申请编号: a data request's
    return 0.9


def _record(m: re.Match[str], text: str) -> float | None:
    return 0.9


def _pinyin_mrn(m: re.Match[str], text: str) -> float | None:
    return 0.85  # below a labelled number's 0.9: the label's own span wins


# a table's column of record numbers, found by its header cell (| 筛选号 | 姓名 |, Screening No. | Date,
# record_id,name,admission_no): each row's cell under it, in rows split the same way
_COLUMN_HEADER = re.compile(
    r"(?:住院|门诊|病案|病历|登记|筛选|就诊|标本|样本|检查|影像|病理|体检)(?:号|编号)|受试者(?:编号|代码|编码|号|ID)?|ID号|MRN"
    r"|(?:admission|hospital|patient|subject|screening|mrn|case)(?:[ _]?(?:no\.?|number|id|#))?|pid",
    re.IGNORECASE,
)
# (a form's table laid out with ideographic spaces, runs of them parting the cells: "　")
_TABLE_SEPARATORS = ("|", "\t", ",", "\u3000")
# a cell of such a table: words joined by single ASCII spaces (\s holds the ideographic one too)
_SPACED_CELL = re.compile(r"\S+(?: \S+)*")
_CELL_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,24}")
_RULE_ROW = re.compile(r"[\s|:+-]*")


def _cells(line: str, sep: str) -> list[tuple[int, int]]:
    """The cells of a row as (start, end) inside the line, stripped; a leading and a trailing empty
    cell of a |-framed row left out."""
    if sep == "\u3000":  # cells parted by runs of ideographic or doubled spaces
        return [m.span() for m in _SPACED_CELL.finditer(line)]
    bounds, at = [], 0
    for part in line.split(sep):
        left = len(part) - len(part.lstrip())
        bounds.append((at + left, at + len(part.rstrip()) if part.strip() else at + left))
        at += len(part) + 1
    if sep == "|" and bounds and bounds[0][0] == bounds[0][1]:
        bounds = bounds[1:]
    if sep == "|" and bounds and bounds[-1][0] == bounds[-1][1]:
        bounds = bounds[:-1]
    # a CSV export's quoted cells ("subject","ATO-0044"): the text inside the quotes
    return [(a + 1, b - 1) if b - a >= 2 and line[a] == line[b - 1] == '"' else (a, b) for a, b in bounds]


def table_record_numbers(text: str) -> list[tuple[int, int]]:
    if (
        "|" not in text and "\t" not in text and "," not in text and "\u3000" not in text
    ) or not _COLUMN_HEADER.search(text):
        return []
    spans: list[tuple[int, int]] = []
    lines = lines_with_offsets(text)
    k = 0
    while k < len(lines):
        _, line = lines[k]
        k += 1
        for sep in _TABLE_SEPARATORS:
            if line.count(sep) < 1 or (sep == "," and "，" in line):
                continue
            header = _cells(line, sep)
            columns = [
                i for i, (a, b) in enumerate(header) if b - a <= 16 and _COLUMN_HEADER.fullmatch(line, a, b)
            ]
            if len(header) < 2 or not columns:
                continue
            while k < len(lines) and sep in lines[k][1]:
                row_start, row = lines[k]
                k += 1
                if _RULE_ROW.fullmatch(row):
                    continue
                cells = _cells(row, sep)
                if len(cells) != len(header):
                    continue
                for i in columns:
                    a, b = cells[i]
                    value = row[a:b]
                    if _CELL_NUMBER.fullmatch(value) and any(ch.isdigit() for ch in value):
                        spans.append((row_start + a, row_start + b))
            break
    return spans


# a labelled record number with more of its kind listed after it (样本编号：CL-01-V3-01、CL-01-V3-02,
# 住院号 Z2411003 和 Z2411017): the number after the label (MRN's group 1), then each listed one of the same
# shape (digits read as one digit: never a date's or a dose's number after a record's)
LISTED_MRN = re.compile("(?:" + MRN.pattern + r")(?=[ \t]*(?:、|，|,|和|及|与)[ \t]*[A-Za-z]{0,6}-?\d)")
_listed_mrns = prefiltered(LISTED_MRN)
_NEXT_LISTED = re.compile(
    r"[ \t]*(?:、|，|,|和|及|与)[ \t]*((?:[A-Za-z]{1,6}-){0,2}[A-Za-z]{0,4}-?\d[A-Za-z0-9-]{3,19})(?![A-Za-z0-9])"
)


def listed_record_numbers(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _listed_mrns(text):
        if _mrn(m, text) is None:
            continue
        shape, end = re.sub(r"\d+", "0", m.group(1)), m.end(1)
        while (n := _NEXT_LISTED.match(text, end)) and re.sub(r"\d+", "0", n.group(1)) == shape:
            spans.append(n.span(1))
            end = n.end(1)
    return spans


# a medical-insurance card's column in an export (mi_card, 医保卡号): its cells are the cards' numbers
_CARD_HEADER = re.compile(
    r"(?:医保|社保|社会保障)(?:卡号|卡|号|编号|个人编号)|参保号|mi_(?:no|card(?:_no)?)"
    r"|(?:medical_)?insurance_(?:card|card_no|no)",
    re.IGNORECASE,
)


def table_insurance_cards(text: str) -> list[tuple[int, int]]:
    """The cells under an insurance card's header cell in a table (tabs, pipes or commas), row by row until
    a row with another number of cells."""
    if not _CARD_HEADER.search(text):
        return []
    spans: list[tuple[int, int]] = []
    lines = lines_with_offsets(text)
    for k, (_, line) in enumerate(lines):
        for sep in ("\t", "|", ","):
            if sep not in line or (sep == "," and "，" in line):
                continue
            header = _cells(line, sep)
            columns = [i for i, (a, b) in enumerate(header) if _CARD_HEADER.fullmatch(line, a, b)]
            if len(header) < 2 or not columns:
                continue
            for row_start, row in lines[k + 1 :]:
                cells = _cells(row, sep)
                if _RULE_ROW.fullmatch(row):
                    continue
                if len(cells) != len(header):
                    break
                for i in columns:
                    a, b = cells[i]
                    value = row[a:b]
                    if _CELL_NUMBER.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 6:
                        spans.append((row_start + a, row_start + b))
            break
    return spans


def identifier_recognizers() -> list[EntityRecognizer]:
    return [
        RegexRecognizer("CN_ID_CARD", ID18, _id18),
        RegexRecognizer("CN_ID_CARD", ID15, _id15),
        RegexRecognizer("CN_PHONE", MOBILE, _mobile),
        RegexRecognizer("CN_PHONE", LANDLINE, _landline),
        RegexRecognizer("PHONE_NUMBER", FOREIGN_PHONE, _foreign_phone),
        RegexRecognizer("BANK_CARD", BANK, _bank),
        RegexRecognizer("EMAIL_ADDRESS", EMAIL, _email),
        RegexRecognizer("IP_ADDRESS", IPV4, _ip),
        RegexRecognizer("IP_ADDRESS", IPV6, _ip),
        RegexRecognizer("CN_PASSPORT", PASSPORT, _passport),
        RegexRecognizer("CN_PASSPORT", LABELLED_PASSPORT, _labelled_passport, group=1),
        RegexRecognizer("US_PASSPORT", LABELLED_PASSPORT, _labelled_us_passport, group=1),
        RegexRecognizer("LICENSE_PLATE", PLATE, _plate),
        RegexRecognizer("LICENSE_PLATE", LATIN_PLATE, _mrn, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", MRN, _mrn, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", LATIN_MRN, _mrn, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", PINYIN_MRN, _pinyin_mrn),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", PATHOLOGY_MRN, _record, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", CLINIC_CARD, _record, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", KEYED_MRN, _record, group=1),
        RegexRecognizer("MEDICAL_RECORD_NUMBER", SPACED_MRN, _record, group=1),
        RegexRecognizer("CN_INSURANCE_POLICY", POLICY, _labelled, group=1),
        RegexRecognizer("CN_INSURANCE_POLICY", POLICY_LISTED, _labelled, group=2),
        RegexRecognizer("CN_INSURANCE_POLICY", POLICY_IN_CONTEXT, _insurer_context, group=1),
        RegexRecognizer("CN_MEDICAL_INSURANCE_CARD", INSURANCE_CARD, _insurance_card, group=1),
        SpanRecognizer("MEDICAL_RECORD_NUMBER", "MRN_table_recognizer", table_record_numbers),
        SpanRecognizer("MEDICAL_RECORD_NUMBER", "MRN_listed_recognizer", listed_record_numbers),
        SpanRecognizer("CN_MEDICAL_INSURANCE_CARD", "MIC_table_recognizer", table_insurance_cards),
        RegexRecognizer(
            "CN_MEDICAL_INSURANCE_CARD", UNLABELLED_CARD, _unlabelled_card, name="MIC_unlabelled_recognizer"
        ),
        SpanRecognizer("MEDICAL_RECORD_NUMBER", "MRN_subject_recognizer", subject_codes, score=0.87),
    ]
