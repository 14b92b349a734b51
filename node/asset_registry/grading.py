"""Suggest a GB/T 39725-2020 category and level and a Data Security Law class, with reasons.

The rules are deliberately simple and explainable; the data officer confirms or overrides them.
- Level 5: direct identifiers together with sensitive conditions (HIV and other STDs, psychiatric
  disorders, reproductive conditions) – usable only in a very small scope under strict conditions.
- Level 4: direct identifiers (name, resident ID, phone, medical record number, address...).
- Level 3: no direct identifiers, but quasi-identifiers (birth date, dates, area codes) or a patient
  key that links rows to a person inside the hospital.
- Level 2: no identifiers at all (aggregates, de-identified tables).
- Level 1: public information about health resources (no patient data).
Data Security Law: never suggests `core` (a national designation, set only by an officer);
`important` for genomic data or data on at least 1,000,000 people; `general` otherwise.
"""

from __future__ import annotations

import re

from node.asset_registry.model import Category, DslClass, Grade, Level
from node.asset_registry.pii import DIRECT_IDENTIFIERS, QUASI_IDENTIFIERS

# ICD-10 groups that raise the level
SENSITIVE_GROUPS: list[tuple[str, str]] = [
    (r"B2[0-4]|Z21", "HIV infection (艾滋病)"),
    (r"A5\d|A6[0-4]", "sexually transmitted disease (性传播疾病)"),
    (r"F[0-9]", "mental and behavioural disorder (精神障碍)"),
    (r"O0[0-8]|N97|Z3[0-9]", "reproductive condition (生殖健康)"),
]
SENSITIVE_CODE_PATTERN = re.compile(r"^(" + "|".join(g for g, _ in SENSITIVE_GROUPS) + r")(\.\d+)?")
IMPORTANT_DATA_PERSONS = 1_000_000

_CATEGORY_HINTS: list[tuple[str, Category, str]] = [
    (
        r"claim|payment|fee|cost|charge|bill|insur|结算|费用|医保|收费",
        Category.MEDICAL_PAYMENT,
        "payment columns",
    ),
    (
        r"observation|lab|loinc|result|condition|icd|diagnos|检验|诊断|体征",
        Category.HEALTH_STATUS,
        "clinical findings",
    ),
    (
        r"encounter|visit|medication|drug|procedure|order|study|series|modality|就诊|医嘱|用药|手术|影像",
        Category.MEDICAL_APPLICATION,
        "care delivery records",
    ),
    (
        r"bed|staff|equipment|department_list|床位|设备|人员",
        Category.HEALTH_RESOURCES,
        "health resource inventory",
    ),
    (
        r"vaccin|epidem|surveillance|infectious_report|疫苗|传染病|监测",
        Category.PUBLIC_HEALTH,
        "public health data",
    ),
]


def suggest(
    table: str,
    columns: dict[str, list[str]],
    rows: int,
    persons: int | None,
    sensitive_codes: dict[str, list[str]],
) -> Grade:
    """``columns`` maps each column name to the PII types found in it."""
    reasons: list[str] = []
    pii = {t for types in columns.values() for t in types}
    direct = sorted(pii & DIRECT_IDENTIFIERS)
    quasi = sorted(pii & QUASI_IDENTIFIERS)
    patient_key = [c for c in columns if re.search(r"patient|person|subject|患者", c.lower())]
    sensitive = _sensitive_groups(sensitive_codes)

    if direct and sensitive:
        level = Level.VERY_RESTRICTED
        reasons.append(f"direct identifiers ({', '.join(direct)}) together with {', '.join(sensitive)}")
    elif direct:
        level = Level.SMALL_SCOPE
        reasons.append(f"direct identifiers: {', '.join(direct)}")
    elif quasi or patient_key:
        level = Level.BROAD_AFTER_DEIDENTIFICATION
        what = quasi + [f"patient key {c}" for c in patient_key]
        reasons.append(f"no direct identifiers, but re-identifiable through {', '.join(what)}")
        if sensitive:
            level = Level.SMALL_SCOPE
            reasons.append(f"raised to level 4: {', '.join(sensitive)} linked to a person")
    else:
        level = Level.WIDE
        reasons.append("no identifiers found")

    category, why, matched = _category(table, list(columns), bool(direct or quasi))
    reasons.append(f"category {category.value}: {why}")
    if level == Level.WIDE and matched and category == Category.HEALTH_RESOURCES:
        level = Level.PUBLIC
        reasons.append("health resource information without personal data may be public")

    dsl = DslClass.GENERAL
    genomic = [c for c in columns if re.search(r"genom|gene|sequenc|variant|基因", c.lower())]
    if genomic:
        dsl = DslClass.IMPORTANT
        reasons.append(f"important data: genomic columns {', '.join(genomic)}")
    elif persons is not None and persons >= IMPORTANT_DATA_PERSONS:
        dsl = DslClass.IMPORTANT
        reasons.append(f"important data: health data on {persons:,} people (>= {IMPORTANT_DATA_PERSONS:,})")
    else:
        reasons.append(f"general data ({rows:,} rows); core data is designated by the officer only")
    return Grade(level=int(level), category=category, dsl_class=dsl, reasons=reasons, by="suggested")


def _sensitive_groups(codes: dict[str, list[str]]) -> list[str]:
    found = []
    all_codes = [c for cs in codes.values() for c in cs]
    for pattern, label in SENSITIVE_GROUPS:
        if any(re.match(pattern, c) for c in all_codes):
            found.append(label)
    return found


def _category(table: str, columns: list[str], personal: bool) -> tuple[Category, str, bool]:
    """(category, why, whether a hint matched). Unrecognised content is never suggested as public."""
    for text in (table.lower(), " ".join(columns).lower()):  # the table's name speaks first
        for pattern, category, why in _CATEGORY_HINTS:
            if re.search(pattern, text):
                return category, why, True
    if personal:
        return Category.PERSONAL_ATTRIBUTES, "demographic and identifying attributes", False
    return Category.PUBLIC_HEALTH, "no personal or clinical columns recognised: statistical data", False
