"""Code systems by the names our tables use for them.

A code is only meaningful with its system: an ICD-10 ``F32.9`` and a SNOMED CT ``35489007`` both say
"depression", a local LIS code says nothing outside its hospital. Connectors keep every code with its
system, in columns named for what they hold (``icd10``, ``snomed_ct``, ``loinc``, ``atc``, ``rxnorm``),
and the generic ``code``/``code_system`` pair for the rest.
"""

from __future__ import annotations

import re

ICD10 = "icd10"
ICD10_CN = "icd10_cn"  # ICD-10 national clinical edition (国家临床版) and GB/T 14396
SNOMED_CT = "snomed_ct"
LOINC = "loinc"
ATC = "atc"
RXNORM = "rxnorm"
CVX = "cvx"
ICD9_CM3 = "icd9cm3"  # procedures (ICD-9-CM-3, 手术操作分类代码国家临床版)

# FHIR system URIs (and the OIDs Chinese systems use) -> our short names
FHIR_SYSTEMS: dict[str, str] = {
    "http://hl7.org/fhir/sid/icd-10": ICD10,
    "http://hl7.org/fhir/sid/icd-10-cm": ICD10,
    "http://hl7.org/fhir/sid/icd-10-cn": ICD10_CN,
    "urn:oid:2.16.156.10011.2.3.3.11": ICD10_CN,  # GB/T 14396 疾病分类与代码
    "http://snomed.info/sct": SNOMED_CT,
    "http://loinc.org": LOINC,
    "http://www.whocc.no/atc": ATC,
    "http://www.nlm.nih.gov/research/umls/rxnorm": RXNORM,
    "http://hl7.org/fhir/sid/cvx": CVX,
    "urn:oid:2.16.156.10011.2.3.4": ICD9_CM3,
}
# HL7 v2 coding system names (table 0396) -> our short names
HL7_SYSTEMS: dict[str, str] = {
    "I10": ICD10,
    "I10C": ICD10_CN,
    "SCT": SNOMED_CT,
    "SNM": SNOMED_CT,
    "LN": LOINC,
    "ATC": ATC,
    "RXNORM": RXNORM,
    "CVX": CVX,
}
# which named column holds which system (ICD-10 national clinical edition codes are ICD-10 codes)
COLUMN_OF = {ICD10: ICD10, ICD10_CN: ICD10, SNOMED_CT: SNOMED_CT, LOINC: LOINC, ATC: ATC, RXNORM: RXNORM}
CODE_COLUMNS = frozenset(COLUMN_OF.values())


def fhir_system(uri: str | None) -> str | None:
    """Our short name for a FHIR system URI; the URI itself when we do not know it ("local")."""
    if not uri:
        return None
    return FHIR_SYSTEMS.get(uri.rstrip("/"), uri)


def hl7_system(name: str | None) -> str | None:
    if not name:
        return None
    return HL7_SYSTEMS.get(name.upper(), name)


_SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,159}$")


def named_system(text: str) -> str | None:
    """The code system a cohort or a model feature names, as the tables hold it: our column name for a
    system we know by name or FHIR URI (``http://snomed.info/sct`` -> ``snomed_ct``; the ICD-10 national
    clinical edition -> ``icd10``), else a hospital's local system as its source writes it in
    ``code_system``; None when ``text`` is no system name."""
    system = fhir_system(text.strip()) or ""
    if not _SYSTEM_NAME.match(system):
        return None
    return COLUMN_OF.get(system, system)
