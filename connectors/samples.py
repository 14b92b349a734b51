"""Synthetic Chinese hospital data for demos, tests and benchmarks.

Deterministic by seed, sized by the number of patients (10 to 100,000). Everything is invented:
names, resident ID numbers (valid format and GB 11643 check digit, random digits), phones, addresses.
Emitted as FHIR R4 collection bundles, HL7 v2.5 messages (ADT^A04/A08, ORU^R01) and CSV files.
Clinical values are correlated with diagnoses so that later risk models have signal to learn.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from node.anonymization.checksums import id_check_digit

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉玉兰凤鹏飞雪梅晨浩宇欣怡子涵"
# GB/T 2260 district codes (Chongqing, Chengdu) with their names
DISTRICTS = [
    ("500103", "重庆市", "渝中区"),
    ("500105", "重庆市", "江北区"),
    ("500106", "重庆市", "沙坪坝区"),
    ("500107", "重庆市", "九龙坡区"),
    ("500108", "重庆市", "南岸区"),
    ("500112", "重庆市", "渝北区"),
    ("500101", "重庆市", "万州区"),
    ("510104", "成都市", "锦江区"),
    ("510107", "成都市", "武侯区"),
]
STREETS = [
    "解放碑街道",
    "观音桥街道",
    "沙坪坝正街",
    "杨家坪步行街",
    "南坪西路",
    "龙溪街道",
    "人民路",
    "天府大道",
]
DEPARTMENTS = [
    "心内科",
    "内分泌科",
    "呼吸内科",
    "消化内科",
    "肾内科",
    "全科医学科",
    "妇产科",
    "精神科",
    "感染科",
]
# (ICD-10, display, prevalence, department)
CONDITIONS = [
    ("I10", "原发性高血压", 0.30, "心内科"),
    ("E11.9", "2型糖尿病", 0.15, "内分泌科"),
    ("E78.5", "高脂血症", 0.20, "心内科"),
    ("I25.1", "动脉粥样硬化性心脏病", 0.08, "心内科"),
    ("J44.9", "慢性阻塞性肺病", 0.06, "呼吸内科"),
    ("N18.3", "慢性肾脏病3期", 0.04, "肾内科"),
    ("K29.7", "胃炎", 0.12, "消化内科"),
    ("J18.9", "肺炎", 0.05, "呼吸内科"),
    ("F32.9", "抑郁发作", 0.03, "精神科"),
    ("F20.9", "精神分裂症", 0.005, "精神科"),
    ("B20", "人类免疫缺陷病毒病", 0.003, "感染科"),
    ("O03.9", "自然流产", 0.01, "妇产科"),
]
# (LOINC, display, unit, normal mean, sd)
LABS = [
    ("2345-7", "葡萄糖", "mmol/L", 5.2, 0.6),
    ("4548-4", "糖化血红蛋白", "%", 5.4, 0.4),
    ("2093-3", "总胆固醇", "mmol/L", 4.6, 0.7),
    ("2160-0", "肌酐", "umol/L", 75.0, 15.0),
    ("8480-6", "收缩压", "mm[Hg]", 122.0, 12.0),
    ("8462-4", "舒张压", "mm[Hg]", 78.0, 8.0),
    ("39156-5", "体重指数", "kg/m2", 23.0, 3.0),
    ("718-7", "血红蛋白", "g/L", 138.0, 14.0),
]
# condition -> shift of lab means, in standard deviations
EFFECTS = {
    "E11.9": {"2345-7": 3.0, "4548-4": 4.0, "39156-5": 1.0},
    "I10": {"8480-6": 2.0, "8462-4": 1.5},
    "E78.5": {"2093-3": 2.0},
    "N18.3": {"2160-0": 4.0, "718-7": -1.0},
    "I25.1": {"2093-3": 1.0},
}
MEDICATIONS = {
    "E11.9": ("A10BA02", "二甲双胍片"),
    "I10": ("C08CA01", "氨氯地平片"),
    "E78.5": ("C10AA05", "阿托伐他汀钙片"),
    "I25.1": ("B01AC06", "阿司匹林肠溶片"),
    "J44.9": ("R03AK06", "沙美特罗替卡松吸入剂"),
    "F32.9": ("N06AB06", "舍曲林片"),
    "B20": ("J05AR", "抗逆转录病毒联合制剂"),
}


@dataclass
class Patient:
    id: str
    mrn: str
    name: str
    sex: str  # "male" / "female"
    birth_date: date
    id_card: str
    phone: str
    province_city: str
    district: str
    district_code: str
    address: str
    conditions: list[tuple[str, str, date]] = field(default_factory=list)
    encounters: list[dict[str, object]] = field(default_factory=list)
    labs: list[dict[str, object]] = field(default_factory=list)
    medications: list[dict[str, object]] = field(default_factory=list)


def generate(n_patients: int, seed: int = 7, hospital: str = "h1") -> Iterator[Patient]:
    if not 10 <= n_patients <= 100_000:
        raise ValueError("patients must be between 10 and 100,000")
    rng = random.Random(f"{hospital}:{seed}")  # noqa: S311 - synthetic test data, not security
    today = date(2026, 6, 30)
    for i in range(n_patients):
        yield _patient(rng, hospital, i, today)


def _patient(rng: random.Random, hospital: str, i: int, today: date) -> Patient:
    sex = rng.choice(["male", "female"])
    birth = today - timedelta(days=rng.randint(18 * 365, 90 * 365))
    code, city, district = rng.choice(DISTRICTS)
    seq = rng.randint(0, 99) * 10 + (
        rng.choice([1, 3, 5, 7, 9]) if sex == "male" else rng.choice([0, 2, 4, 6, 8])
    )
    first17 = f"{code}{birth:%Y%m%d}{seq:03d}"
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    p = Patient(
        id=f"{hospital}-p{i:06d}",
        mrn=f"{hospital.upper()}{i + 100000:08d}",
        name=name,
        sex=sex,
        birth_date=birth,
        id_card=first17 + id_check_digit(first17),
        phone=f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}",
        province_city=city,
        district=district,
        district_code=code,
        address=f"{city}{district}{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋",
    )
    age = (today - birth).days / 365.25
    for icd, display, prevalence, _dept in CONDITIONS:
        risk = prevalence * (1.8 if age > 60 and icd in EFFECTS else 1.0)
        if icd == "O03.9" and sex == "male":
            continue
        if rng.random() < risk:
            p.conditions.append((icd, display, today - timedelta(days=rng.randint(30, 3000))))
    codes = {c[0] for c in p.conditions}
    for k in range(rng.randint(1, 4)):
        start = datetime(2025, 1, 1, 8) + timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 600))
        inpatient = rng.random() < 0.2
        dept = next((d for icd, _, _, d in CONDITIONS if icd in codes), rng.choice(DEPARTMENTS))
        enc: dict[str, object] = {
            "id": f"{p.id}-e{k}",
            "class": "IMP" if inpatient else "AMB",
            "department": dept,
            "start": start,
            "end": start + (timedelta(days=rng.randint(2, 12)) if inpatient else timedelta(minutes=30)),
        }
        p.encounters.append(enc)
        for loinc, display, unit, mean, sd in LABS:
            shift = sum(EFFECTS.get(c, {}).get(loinc, 0.0) for c in codes)
            value = round(rng.gauss(mean + shift * sd, sd), 1)
            p.labs.append(
                {
                    "id": f"{enc['id']}-{loinc}",
                    "encounter": enc["id"],
                    "loinc": loinc,
                    "display": display,
                    "value": value,
                    "unit": unit,
                    "time": start + timedelta(minutes=20),
                }
            )
    for icd in sorted(codes & MEDICATIONS.keys()):
        atc, drug = MEDICATIONS[icd]
        p.medications.append(
            {
                "id": f"{p.id}-m-{atc}",
                "atc": atc,
                "drug": drug,
                "reason": icd,
                "authored": p.encounters[0]["start"],
            }
        )
    return p


# ------------------------------------------------------------------ FHIR


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def fhir_resources(p: Patient) -> Iterator[dict[str, object]]:
    yield {
        "resourceType": "Patient",
        "id": p.id,
        "identifier": [
            {"system": "urn:oid:2.16.156.10011.1.1", "value": p.id_card},
            {"type": {"text": "病案号"}, "value": p.mrn},
        ],
        "name": [{"text": p.name, "family": p.name[0], "given": [p.name[1:]]}],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
        "telecom": [{"system": "phone", "value": p.phone}],
        "address": [
            {
                "text": p.address,
                "city": p.province_city,
                "district": p.district,
                "postalCode": p.district_code,
            }
        ],
    }
    for e in p.encounters:
        yield {
            "resourceType": "Encounter",
            "id": e["id"],
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": e["class"]},
            "subject": _ref("Patient", p.id),
            "serviceType": {"text": e["department"]},
            "period": {"start": _ts(e["start"]), "end": _ts(e["end"])},
        }
    for k, (icd, display, onset) in enumerate(p.conditions):
        yield {
            "resourceType": "Condition",
            "id": f"{p.id}-c{k}",
            "code": {
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": icd, "display": display}]
            },
            "subject": _ref("Patient", p.id),
            "onsetDateTime": onset.isoformat(),
        }
    for lab in p.labs:
        yield {
            "resourceType": "Observation",
            "id": lab["id"],
            "status": "final",
            "code": {
                "coding": [{"system": "http://loinc.org", "code": lab["loinc"], "display": lab["display"]}]
            },
            "subject": _ref("Patient", p.id),
            "encounter": _ref("Encounter", str(lab["encounter"])),
            "effectiveDateTime": _ts(lab["time"]),
            "valueQuantity": {"value": lab["value"], "unit": lab["unit"]},
        }
    for m in p.medications:
        yield {
            "resourceType": "MedicationRequest",
            "id": m["id"],
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": m["atc"], "display": m["drug"]}]
            },
            "subject": _ref("Patient", p.id),
            "authoredOn": _ts(m["authored"]),
            "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": m["reason"]}]}],
        }


def _ts(value: object) -> str:
    assert isinstance(value, datetime)
    return value.strftime("%Y-%m-%dT%H:%M:%S+08:00")


# ------------------------------------------------------------------ HL7 v2


def _hl7_time(value: object) -> str:
    assert isinstance(value, date)
    return value.strftime("%Y%m%d%H%M%S") if isinstance(value, datetime) else value.strftime("%Y%m%d")


def hl7_messages(p: Patient, hospital: str) -> Iterator[str]:
    sex = "M" if p.sex == "male" else "F"
    pid = (
        f"PID|1||{p.mrn}^^^{hospital.upper()}^MR~{p.id_card}^^^CHN^NNCHN||{p.name}||{_hl7_time(p.birth_date)}|{sex}"
        f"|||{p.address}^^{p.province_city}^^{p.district_code}||{p.phone}"
    )
    for k, e in enumerate(p.encounters):
        ctrl = f"{p.id}-{k}"
        msh = f"MSH|^~\\&|HIS|{hospital.upper()}|HNODE|{hospital.upper()}|{_hl7_time(e['start'])}||"
        pv1 = f"PV1|1|{'I' if e['class'] == 'IMP' else 'O'}|{e['department']}||||||||||||||||{e['id']}"
        event = "A04" if k == 0 else "A08"
        yield "\r".join(
            [f"{msh}ADT^{event}^ADT_A01|ADT{ctrl}|P|2.5", f"EVN|{event}|{_hl7_time(e['start'])}", pid, pv1]
        )
        obx = [
            f"OBX|{j + 1}|NM|{lab['loinc']}^{lab['display']}^LN||{lab['value']}|{lab['unit']}|||||F|||"
            f"{_hl7_time(lab['time'])}"
            for j, lab in enumerate(x for x in p.labs if x["encounter"] == e["id"])
        ]
        obr = f"OBR|1|{e['id']}||LAB^常规检验^L|||{_hl7_time(e['start'])}"
        yield "\r".join([f"{msh}ORU^R01^ORU_R01|ORU{ctrl}|P|2.5", pid, pv1, obr, *obx])


# ------------------------------------------------------------------ writing files

CSV_TABLES = {
    "patients": [
        "patient_id",
        "mrn",
        "name",
        "sex",
        "birth_date",
        "id_card",
        "phone",
        "district_code",
        "address",
    ],
    "encounters": ["encounter_id", "patient_id", "class", "department", "start", "end"],
    "conditions": ["patient_id", "icd10", "display", "onset"],
    "observations": ["patient_id", "encounter_id", "loinc", "display", "value", "unit", "time"],
    "medications": ["patient_id", "atc", "drug", "reason_icd10", "authored"],
}


def _csv_rows(p: Patient) -> dict[str, list[list[object]]]:
    return {
        "patients": [
            [
                p.id,
                p.mrn,
                p.name,
                p.sex,
                p.birth_date.isoformat(),
                p.id_card,
                p.phone,
                p.district_code,
                p.address,
            ]
        ],
        "encounters": [
            [e["id"], p.id, e["class"], e["department"], _ts(e["start"]), _ts(e["end"])] for e in p.encounters
        ],
        "conditions": [[p.id, icd, display, onset.isoformat()] for icd, display, onset in p.conditions],
        "observations": [
            [p.id, x["encounter"], x["loinc"], x["display"], x["value"], x["unit"], _ts(x["time"])]
            for x in p.labs
        ],
        "medications": [[p.id, m["atc"], m["drug"], m["reason"], _ts(m["authored"])] for m in p.medications],
    }


def write_sample_files(
    out: Path,
    n_patients: int,
    seed: int = 7,
    hospital: str = "h1",
    bundle_size: int = 100,
    ndjson: bool = False,
) -> dict[str, int]:
    """Write fhir/, hl7/ and csv/ under ``out``; return counts of what was written. FHIR bundles are
    transactions referring by ``urn:uuid`` (with a Claim per encounter); hl7/ holds a UTF-8 ADT/ORU feed
    and a GB 18030 LIS feed (mixed OBX types, censored values, DFT^P03 charges)."""
    from connectors.sample_shapes import claims, lis_messages, transaction_entry

    (out / "fhir").mkdir(parents=True, exist_ok=True)
    (out / "hl7").mkdir(exist_ok=True)
    (out / "csv").mkdir(exist_ok=True)
    counts = {"patients": 0, "fhir_resources": 0, "hl7_messages": 0, "csv_rows": 0, "claims": 0}
    counts["lis_messages"] = 0
    writers = {}
    files = []
    for table, header in CSV_TABLES.items():
        f = (out / "csv" / f"{table}.csv").open("w", newline="", encoding="utf-8")
        files.append(f)
        writers[table] = csv.writer(f)
        writers[table].writerow(header)
    nd = {}
    hl7_file = (out / "hl7" / "messages.hl7").open("w", encoding="utf-8", newline="")
    files.append(hl7_file)
    lis_file = (out / "hl7" / "lis-gb18030.hl7").open("wb")
    bundle: list[dict[str, object]] = []
    try:
        for p in generate(n_patients, seed, hospital):
            counts["patients"] += 1
            for claim in claims(p):
                bundle.append(transaction_entry(claim))
                counts["claims"] += 1
            for res in fhir_resources(p):
                bundle.append(transaction_entry(res))
                counts["fhir_resources"] += 1
                if ndjson:
                    kind = str(res["resourceType"])
                    if kind not in nd:
                        nd[kind] = (out / "fhir" / f"{kind}.ndjson").open("w", encoding="utf-8")
                        files.append(nd[kind])
                    nd[kind].write(json.dumps(res, ensure_ascii=False) + "\n")
            if counts["patients"] % bundle_size == 0:
                _write_bundle(out, counts["patients"] // bundle_size, bundle)
                bundle = []
            for msg in hl7_messages(p, hospital):
                hl7_file.write(msg + "\r\n")  # one message per block, separated by a blank segment line
                counts["hl7_messages"] += 1
            for msg in lis_messages(p, hospital):
                lis_file.write(msg.encode("gb18030") + b"\r\n")
                counts["lis_messages"] += 1
            for table, rows in _csv_rows(p).items():
                writers[table].writerows(rows)
                counts["csv_rows"] += len(rows)
        if bundle:
            _write_bundle(out, counts["patients"] // bundle_size + 1, bundle)
    finally:
        lis_file.close()
        for f in files:
            f.close()
    return counts


SAMPLE_DICOM = (
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_RLE.dcm",
    "JPEG-lossy.dcm",
    "SC_rgb_rle.dcm",
    "SC_rgb_jpeg_gdcm.dcm",
    "693_J2KI.dcm",
    "ExplVR_BigEnd.dcm",
)


def copy_sample_dicom(out: Path) -> int:
    """Copy DICOM files that ship inside pydicom (no download) into ``out``."""
    import pydicom

    source = Path(pydicom.__file__).parent / "data" / "test_files"
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for name in SAMPLE_DICOM:
        if (source / name).is_file():
            shutil.copyfile(source / name, out / name)
            n += 1
    return n


def _write_bundle(out: Path, n: int, entries: list[dict[str, object]]) -> None:
    doc = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    (out / "fhir" / f"bundle-{n:05d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
