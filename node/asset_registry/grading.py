"""Suggest a GB/T 39725-2020 category and level and a Data Security Law class, with reasons.

The rules are deliberately simple and explainable; the data officer confirms or overrides them.
- Level 5: direct identifiers together with sensitive conditions (HIV/AIDS, STDs and other notifiable
  infectious diseases, mental disorders, reproductive health, genetic testing), recognized from ICD-10,
  SNOMED CT, LOINC, ATC and RxNorm codes – usable only in a very small scope under strict conditions.
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

from node.asset_registry import codes
from node.asset_registry.model import Category, DslClass, Grade, Level
from node.asset_registry.pii import DIRECT_IDENTIFIERS, QUASI_IDENTIFIERS

HIV = "HIV infection (艾滋病)"
STD = "sexually transmitted disease (性传播疾病)"
NOTIFIABLE = "notifiable infectious disease (法定传染病)"
MENTAL = "mental and behavioural disorder (精神障碍)"
REPRODUCTIVE = "reproductive condition (生殖健康)"
GENETIC = "genetic testing (基因检测)"

# Sensitive conditions by code system. A pattern matches the start of a code (ICD-10, ATC); a set holds
# whole codes (SNOMED CT concepts, LOINC tests, RxNorm ingredients). The reason names what was found.
SENSITIVE: dict[str, dict[str, re.Pattern[str] | frozenset[str]]] = {
    HIV: {
        codes.ICD10: re.compile(r"^(B2[0-4]|Z21|R75|O98\.7)"),
        codes.SNOMED_CT: frozenset(
            {"86406008", "62479008", "165816005", "91947003", "79019005", "111880001"}
        ),
        # HIV viral load, antibodies, antigen/antibody combination tests
        codes.LOINC: frozenset(
            {"20447-9", "25836-8", "10351-5", "23876-2", "7918-6", "5221-7", "56888-1", "75622-1", "48345-3"}
        ),
        # antiretrovirals: protease inhibitors, NRTIs for HIV, NNRTIs, integrase inhibitors, combinations
        codes.ATC: re.compile(r"^(J05AE|J05AG|J05AJ|J05AR|J05AF0[1-79]|J05AF1[23]|J05AX0[789]|J05AX12)"),
        # RxNorm ingredient concepts of antiretrovirals
        codes.RXNORM: frozenset(
            {
                *("11413", "68244", "195085", "276237", "190521", "53654", "85762", "195088"),
                *("343047", "460132", "719872", "1433868", "322248", "1999563"),
            }
        ),
    },
    STD: {
        codes.ICD10: re.compile(r"^(A5\d|A6[0-4])"),
        codes.SNOMED_CT: frozenset({"76272004", "15628003", "240589008", "33839006"}),
    },
    NOTIFIABLE: {  # classes A and B of the Law on the Prevention and Control of Infectious Diseases
        codes.ICD10: re.compile(r"^(A0[0-3]|A1[5-9]|A20|A22|A36|A37|A82|A9[0-2]|B05|B1[5-9]|B5[0-4]|U07\.1)"),
        codes.SNOMED_CT: frozenset({"56717001", "61977001", "66071002", "840539006", "186747009"}),
    },
    MENTAL: {
        codes.ICD10: re.compile(r"^F\d"),
        codes.SNOMED_CT: frozenset(
            {"35489007", "370143000", "58214004", "13746004", "197480006", "66214007", "191736004"}
        ),
        codes.ATC: re.compile(r"^(N05A|N06A)"),  # antipsychotics, antidepressants
    },
    REPRODUCTIVE: {
        codes.ICD10: re.compile(r"^(O0[0-8]|N97|N46|Z3[0-9])"),
        codes.SNOMED_CT: frozenset({"8619003", "6738008", "57797005", "2990003"}),
    },
    GENETIC: {
        codes.LOINC: frozenset({"51969-4", "81247-9", "69548-6", "48018-6", "62374-4", "81252-9"}),
        codes.SNOMED_CT: frozenset({"405824009", "116148004"}),
    },
}


def classify(system: str, code: str) -> str | None:
    """The sensitive condition a code names (``system`` is one of ``codes``' short names), or None."""
    for label, by_system in SENSITIVE.items():
        rule = by_system.get(codes.COLUMN_OF.get(system, system))
        if rule is None:
            continue
        if (isinstance(rule, frozenset) and code in rule) or (
            isinstance(rule, re.Pattern) and rule.match(code)
        ):
            return label
    return None


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
    sensitive: dict[str, list[str]],
    raw_text: bool = False,
) -> Grade:
    """``columns`` maps each column name to the PII types found in it; ``sensitive`` each sensitive
    condition found to the codes (``system:code``) that name it; ``raw_text`` says clinical notes are kept
    as written."""
    reasons: list[str] = []
    pii = {t for types in columns.values() for t in types}
    direct = sorted(pii & DIRECT_IDENTIFIERS)
    quasi = sorted(pii & QUASI_IDENTIFIERS)
    patient_key = [c for c in columns if re.search(r"patient|person|subject|患者", c.lower())]
    found = [f"{label} [{', '.join(sensitive[label][:3])}]" for label in SENSITIVE if label in sensitive]

    if raw_text and not direct:
        direct = ["clinical free text kept as written"]
    if direct and found:
        level = Level.VERY_RESTRICTED
        reasons.append(f"direct identifiers ({', '.join(direct)}) together with {', '.join(found)}")
    elif direct:
        level = Level.SMALL_SCOPE
        reasons.append(f"direct identifiers: {', '.join(direct)}")
    elif quasi or patient_key:
        level = Level.BROAD_AFTER_DEIDENTIFICATION
        what = quasi + [f"patient key {c}" for c in patient_key]
        reasons.append(f"no direct identifiers, but re-identifiable through {', '.join(what)}")
        if found:
            level = Level.SMALL_SCOPE
            reasons.append(f"raised to level 4: {', '.join(found)} linked to a person")
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
    if GENETIC in sensitive and not genomic:
        genomic = [f"genetic test results ({', '.join(sensitive[GENETIC][:3])})"]
    if genomic:
        dsl = DslClass.IMPORTANT
        reasons.append(f"important data: genomic columns {', '.join(genomic)}")
    elif persons is not None and persons >= IMPORTANT_DATA_PERSONS:
        dsl = DslClass.IMPORTANT
        reasons.append(f"important data: health data on {persons:,} people (>= {IMPORTANT_DATA_PERSONS:,})")
    else:
        reasons.append(f"general data ({rows:,} rows); core data is designated by the officer only")
    return Grade(level=int(level), category=category, dsl_class=dsl, reasons=reasons, by="suggested")


def _category(table: str, columns: list[str], personal: bool) -> tuple[Category, str, bool]:
    """(category, why, whether a hint matched). Unrecognised content is never suggested as public."""
    for text in (table.lower(), " ".join(columns).lower()):  # the table's name speaks first
        for pattern, category, why in _CATEGORY_HINTS:
            if re.search(pattern, text):
                return category, why, True
    if personal:
        return Category.PERSONAL_ATTRIBUTES, "demographic and identifying attributes", False
    return Category.PUBLIC_HEALTH, "no personal or clinical columns recognised: statistical data", False
