"""The shapes real systems send, for the synthetic samples: FHIR transaction bundles whose entries refer to
each other by ``urn:uuid`` (as Synthea writes them) with a Claim per encounter, and a LIS/HIS feed in
GB 18030 declared in MSH-18 with mixed OBX value types, censored results and DFT^P03 charges."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from connectors.samples import Patient, _hl7_time, _ts

# fee codes of the tests and visits (national medical service price items), in yuan
LAB_FEES = {
    "2345-7": ("250302001", "葡萄糖测定", 6.0),
    "4548-4": ("250302008", "糖化血红蛋白测定", 50.0),
    "2093-3": ("250303001", "血清总胆固醇测定", 6.0),
    "2160-0": ("250304002", "肌酐测定", 6.0),
    "718-7": ("250101015", "血细胞分析", 25.0),
}
VISIT_FEES = {"AMB": ("110200001", "普通门诊诊查费", 12.0), "IMP": ("110900001", "住院诊查费", 18.0)}


def _urn(value: Any) -> Any:
    """References rewritten as a transaction bundle writes them: ``Patient/x`` -> ``urn:uuid:x``."""
    if isinstance(value, dict):
        out = {k: _urn(v) for k, v in value.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref.startswith(("Patient/", "Encounter/")):
            out["reference"] = "urn:uuid:" + ref.split("/", 1)[1]
        return out
    if isinstance(value, list):
        return [_urn(v) for v in value]
    return value


def transaction_entry(resource: dict[str, object]) -> dict[str, object]:
    res = _urn(copy.deepcopy(resource))
    return {
        "fullUrl": f"urn:uuid:{res['id']}",
        "resource": res,
        "request": {"method": "POST", "url": res["resourceType"]},
    }


def claims(p: Patient) -> Iterator[dict[str, object]]:
    """One Claim per encounter: the visit fee and the fee of each charged test."""
    for e in p.encounters:
        visit = VISIT_FEES[str(e["class"])]
        lines = [visit] + [
            LAB_FEES[str(x["loinc"])] for x in p.labs if x["encounter"] == e["id"] and x["loinc"] in LAB_FEES
        ]
        yield {
            "resourceType": "Claim",
            "id": f"{e['id']}-claim",
            "status": "active",
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional"}
                ]
            },
            "use": "claim",
            "patient": {"reference": f"urn:uuid:{p.id}"},
            "created": _ts(e["end"]),
            "provider": {"display": "示例医院"},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "城镇职工基本医疗保险"}}],
            "item": [
                {
                    "sequence": n,
                    "productOrService": {
                        "coding": [{"system": "urn:oid:2.16.156.10011.2.3.5", "code": code, "display": name}]
                    },
                    "encounter": [{"reference": f"urn:uuid:{e['id']}"}],
                    "net": {"value": fee, "currency": "CNY"},
                }
                for n, (code, name, fee) in enumerate(lines, 1)
            ],
            "total": {"value": round(sum(fee for _, _, fee in lines), 2), "currency": "CNY"},
        }


def lis_messages(p: Patient, hospital: str) -> Iterator[str]:
    """ORU results with NM, censored NM (``<``), ST and CWE values, and DFT^P03 charges, per encounter.
    Each message declares GB 18030 in MSH-18: the file is written in that character set."""
    sex = "M" if p.sex == "male" else "F"
    pid = f"PID|1||{p.mrn}^^^{hospital.upper()}^MR||{p.name[0]}^{p.name[1:]}||{_hl7_time(p.birth_date)}|{sex}"
    for k, e in enumerate(p.encounters):
        ctrl = f"{p.id}-{k}"
        head = f"MSH|^~\\&|LIS|{hospital.upper()}|HNODE|{hospital.upper()}|{_hl7_time(e['start'])}||"
        tail = "|P|2.5||||||GB 18030-2000"
        pv1 = f"PV1|1|{'I' if e['class'] == 'IMP' else 'O'}|{e['department']}||||||||||||||||{e['id']}"
        labs = [x for x in p.labs if x["encounter"] == e["id"]]
        obx = [
            f"OBX|{j}|NM|{x['loinc']}^{x['display']}^LN||{x['value']}|{x['unit']}|||||F|||{_hl7_time(x['time'])}"
            for j, x in enumerate(labs, 1)
        ]
        n = len(obx)
        crp = (
            "<5" if (sum(map(ord, str(e["id"]))) % 3) else "12.4"
        )  # most C-reactive proteins are below range
        obx += [
            f"OBX|{n + 1}|NM|1988-5^C反应蛋白^LN||{crp}|mg/L|0-10||||F",
            f"OBX|{n + 2}|ST|5778-6^尿液颜色^LN||淡黄色||||||F",
            f"OBX|{n + 3}|CWE|5802-4^尿亚硝酸盐^LN||260385009^阴性^SCT||||||F",
        ]
        obr = f"OBR|1|{e['id']}|LAB{ctrl}|LAB^常规检验^L|||{_hl7_time(e['start'])}"
        yield "\r".join([f"{head}ORU^R01^ORU_R01|LIS{ctrl}{tail}", pid, pv1, obr, *obx])
        fees = [VISIT_FEES[str(e["class"])]] + [
            LAB_FEES[str(x["loinc"])] for x in labs if x["loinc"] in LAB_FEES
        ]
        day = _hl7_time(e["start"])[:8]
        ft1 = [
            f"FT1|{j}|{ctrl}-{j}||{day}|{day}|CG|{code}^{name}^CN-FEE|||1|{fee:.2f}&CNY|{fee:.2f}&CNY|{e['department']}"
            for j, (code, name, fee) in enumerate(fees, 1)
        ]
        yield "\r".join([f"{head}DFT^P03^DFT_P03|FEE{ctrl}{tail}", f"EVN|P03|{day}", pid, pv1, *ft1])
