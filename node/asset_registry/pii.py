"""Column-level PII detection by column name and value patterns.

This is the registry's detector until the anonymization module's Presidio recognizers exist; both
implement the ``PiiDetector`` port. Checksums (GB 11643 for resident IDs, Luhn for bank cards) keep
numbers that merely look like identifiers from being reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from node.anonymization.checksums import luhn_ok, valid_id_card

_MOBILE = re.compile(r"^(\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_DATE = re.compile(r"^(19|20)\d{2}[-/年](0?[1-9]|1[0-2])[-/月](0?[1-9]|[12]\d|3[01])日?$")
_CN_NAME = re.compile(
    r"^([\u4e00-\u9fff]{2,3}|(欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐)[\u4e00-\u9fff]{1,2})$"
)
_ADDRESS = re.compile(r"[\u4e00-\u9fff]+?(省|市|区|县|镇|乡|街道|路|街|号|栋|村)")

# column-name hints (lower-cased, Chinese and English) -> entity type
NAME_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"id_?card|identity|身份证|证件号|sfzh"), "CN_ID_CARD"),
    (re.compile(r"phone|mobile|tel|手机|电话|联系方式"), "CN_PHONE"),
    (re.compile(r"^(patient_?)?name$|姓名|患者名|full_?name"), "PERSON"),
    (re.compile(r"address|addr|住址|地址"), "LOCATION"),
    (re.compile(r"\bmrn\b|^mrn$|病案号|住院号|门诊号|medical_?record"), "MEDICAL_RECORD_NUMBER"),
    (re.compile(r"birth|出生|dob"), "DATE_OF_BIRTH"),
    (re.compile(r"e-?mail|邮箱"), "EMAIL_ADDRESS"),
    (re.compile(r"bank|card_?no|银行卡"), "BANK_CARD"),
]

# entity types that identify a person directly; quasi-identifiers only narrow them down
DIRECT_IDENTIFIERS = frozenset(
    {"CN_ID_CARD", "CN_PHONE", "PERSON", "MEDICAL_RECORD_NUMBER", "EMAIL_ADDRESS", "BANK_CARD", "LOCATION"}
)
# record keys that link rows to a person across tables and releases
LINK_KEY = re.compile(r"patient_?id|person_?id|subject_?id|encounter_?id|visit_?(number|id)|患者编号|就诊号")
QUASI_IDENTIFIERS = frozenset({"DATE_OF_BIRTH", "DATE_TIME", "POSTAL_AREA", "SEX"})


VALUE_CHECKS: list[tuple[str, Callable[[str], bool]]] = [
    ("CN_ID_CARD", valid_id_card),
    ("CN_PHONE", lambda v: bool(_MOBILE.match(v) or _LANDLINE.match(v))),
    ("EMAIL_ADDRESS", lambda v: bool(_EMAIL.match(v))),
    ("BANK_CARD", lambda v: v.replace(" ", "").isdigit() and luhn_ok(v) and not valid_id_card(v)),
    ("LOCATION", lambda v: len(v) >= 6 and len(_ADDRESS.findall(v)) >= 2),
]


class PatternPiiDetector:
    """Implements ``PiiDetector``: a name hint or a majority of matching sample values."""

    def __init__(self, threshold: float = 0.6) -> None:
        self._threshold = threshold

    def detect_column(self, name: str, sample: list[str]) -> list[str]:
        found: set[str] = set()
        lname = name.lower()
        for pattern, entity in NAME_HINTS:
            if pattern.search(lname):
                found.add(entity)
        values = [s.strip() for s in sample if s and s.strip()]
        if values:
            for entity, check in VALUE_CHECKS:
                hits = sum(1 for v in values if check(v))
                if hits / len(values) >= self._threshold:
                    found.add(entity)
            if "PERSON" not in found and sum(1 for v in values if _CN_NAME.match(v)) / len(values) >= 0.9:
                # short all-Chinese values are names only if the column name does not say otherwise
                if not re.search(
                    r"display|desc|diagnos|condition|名称|科室|dept|department|drug|药|诊断|项目", lname
                ):
                    found.add("PERSON")
            if sum(1 for v in values if _DATE.match(v)) / len(values) >= self._threshold and "birth" in lname:
                found.add("DATE_OF_BIRTH")
        return sorted(found)
