"""FHIR de-identification keeps resources valid and linked, and removes what identifies the patient."""

from __future__ import annotations

import json

from connectors.fhir import MODELS
from connectors.fhir_map import References, rows
from connectors.samples import fhir_resources, generate
from node.anonymization.fhir import FhirDeidentifier
from node.anonymization.operators import Pseudonymizer


def test_resources_stay_valid_linked_and_anonymous() -> None:
    deid = FhirDeidentifier(Pseudonymizer(b"f" * 16))
    patient = next(generate(10, seed=8))
    resources = list(fhir_resources(patient))
    out = [deid.deidentify(r) for r in resources]
    text = json.dumps(out, ensure_ascii=False)
    for secret in (patient.name, patient.id_card, patient.phone, patient.mrn, patient.address, patient.id):
        assert secret not in text
    pid = out[0]["id"]
    assert out[0]["birthDate"] == str(patient.birth_date.year)
    for res in out[1:]:
        assert res["subject"]["reference"] == f"Patient/{pid}"
    refs = References()
    for res in out:
        refs.add(None, res)
    for res in out:
        MODELS[res["resourceType"]].model_validate(res)  # still valid R4B
        assert list(rows(res, refs))  # and still imports into a table
    again = FhirDeidentifier(Pseudonymizer(b"f" * 16)).deidentify(resources[0])
    assert again["id"] == pid  # consistent with the same key


def test_free_text_goes_through_the_recognizers() -> None:
    deid = FhirDeidentifier(Pseudonymizer(b"f" * 16))
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": {"text": "胸部CT"},
        "subject": {"reference": "Patient/p1", "display": "张三"},
        "conclusion": "患者张三，电话13812345678，未见异常。",
        "issued": "2025-05-01T10:00:00+08:00",
    }
    out = deid.deidentify(report)
    assert "张三" not in json.dumps(out, ensure_ascii=False) and "13812345678" not in out["conclusion"]
    assert out["issued"] != report["issued"] and out["issued"].endswith("T10:00:00+08:00")
