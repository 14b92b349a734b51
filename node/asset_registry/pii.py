"""Column-level PII detection: column-name hints plus the anonymization module's recognizers on a
sample of values (their checksums, GB 11643 for resident IDs and Luhn for bank cards, keep numbers that
merely look like identifiers from being reported). Implements the registry's ``PiiDetector`` port.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Presidio takes over a second to import: loaded on the first column to check
    from node.anonymization.analyzer import TextAnalyzer

_DATE = re.compile(r"^(19|20)\d{2}[-/年](0?[1-9]|1[0-2])[-/月](0?[1-9]|[12]\d|3[01])日?$")
_CN_NAME = re.compile(
    r"^([\u4e00-\u9fff]{2,3}|(欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐)[\u4e00-\u9fff]{1,2})$"
)

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
# the column that names the individual a row is about
PERSON_KEY = re.compile(r"^(patient_?id|person_?id|subject_?id|患者编号)$", re.IGNORECASE)
# record keys that link rows to a person across tables and releases
LINK_KEY = re.compile(r"patient_?id|person_?id|subject_?id|encounter_?id|visit_?(number|id)|患者编号|就诊号")
QUASI_IDENTIFIERS = frozenset({"DATE_OF_BIRTH", "DATE_TIME", "POSTAL_AREA", "SEX"})


# entity types whose recognizers are reliable on a bare value (names and dates need context or a column name)
VALUE_TYPES = frozenset(
    {
        "CN_ID_CARD",
        "CN_PHONE",
        "EMAIL_ADDRESS",
        "BANK_CARD",
        "LOCATION",
        "IP_ADDRESS",
        "LICENSE_PLATE",
        "CN_PASSPORT",
    }
)
SAMPLE_VALUES = 60


class PatternPiiDetector:
    """Implements ``PiiDetector``: a column-name hint, or the anonymization module's recognizers finding the
    same entity type covering most of a majority of the sampled values."""

    def __init__(self, threshold: float = 0.6, analyzer: TextAnalyzer | None = None) -> None:
        self._threshold = threshold
        self._analyzer = analyzer

    def _types(self, value: str) -> set[str]:
        if self._analyzer is None:
            from node.anonymization.analyzer import TextAnalyzer

            self._analyzer = TextAnalyzer()
        return {  # only the value types' recognizers run (names and dates need context: see above)
            e.type
            for e in self._analyzer.analyze(value, VALUE_TYPES)
            if (e.end - e.start) >= 0.8 * len(value)
        }

    def detect_column(self, name: str, sample: list[str]) -> list[str]:
        found: set[str] = set()
        lname = name.lower()
        for pattern, entity in NAME_HINTS:
            if pattern.search(lname):
                found.add(entity)
        values = [s.strip() for s in sample if s and s.strip()][:SAMPLE_VALUES]
        if values:
            counts: dict[str, int] = {}
            for v, times in Counter(values).items():  # codes, units and statuses repeat: each analyzed once
                for t in self._types(v):
                    counts[t] = counts.get(t, 0) + times
            found |= {t for t, n in counts.items() if n / len(values) >= self._threshold}
            if "PERSON" not in found and sum(1 for v in values if _CN_NAME.match(v)) / len(values) >= 0.9:
                # short all-Chinese values are names only if the column name does not say otherwise
                if not re.search(
                    r"display|desc|diagnos|condition|名称|科室|dept|department|drug|药|诊断|项目", lname
                ):
                    found.add("PERSON")
            if sum(1 for v in values if _DATE.match(v)) / len(values) >= self._threshold and "birth" in lname:
                found.add("DATE_OF_BIRTH")
        return sorted(found)
