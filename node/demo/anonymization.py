"""Demo steps of anonymization: clinical notes, a k-anonymous extract, a DICOM header."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import pandas as pd
import pydicom

from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.dicom import DicomDeidentifier
from node.anonymization.dicom_files import deidentify_folder
from node.anonymization.operators import Pseudonymizer, TextAnonymizer
from node.anonymization.tabular import KAnonymizer, verify
from node.demo.common import step

# written by hand for the demo (invented people): a discharge note and an insurance claim form with a
# policy number, a medical-insurance card number and the name of a member of an ethnic minority
DEMO_NOTES = (
    "出院小结 患者刘桂珍，女，67岁，因“2型糖尿病”于2026年3月2日入院，于2026年3月12日出院。"
    "住院期间予胰岛素降糖治疗。主治医师：陈建华 联系电话：13912345678",
    "理赔申请书 被保险人：阿依古丽·买买提 身份证号：50010319850712482X 保单号P2024000123456 "
    "医保卡号：CQ5001120001234 就诊医院：重庆市江北区人民医院 联系地址：重庆市渝中区解放碑街道18号5-2",
)


def anonymization_steps(samples: Path, first_step: int) -> None:
    key = secrets.token_bytes(32)  # demo only; a node uses NODE_ANONYMIZATION_KEY
    analyzer, anonymizer = TextAnalyzer(), TextAnonymizer(Pseudonymizer(key))

    step(
        first_step, "De-identify discharge notes (Presidio with Chinese recognizers; pseudonyms are HMAC-SM3)"
    )
    for note in DEMO_NOTES:
        after = anonymizer.anonymize(note, analyzer.analyze(note), date_shift_days=-23)
        print(f"   before: {note}")
        print(f"   after:  {after}")

    step(first_step + 1, "A k-anonymous extract (k=5 persons, l=2 diagnoses) with its re-identification risk")
    patients = pd.read_csv(samples / "h1" / "csv" / "patients.csv", dtype=str)
    conditions = pd.read_csv(samples / "h1" / "csv" / "conditions.csv", dtype=str)
    extract = conditions.merge(patients, on="patient_id")[
        ["patient_id", "name", "sex", "birth_date", "district_code", "icd10"]
    ]
    quasi = ["sex", "birth_date", "district_code"]
    out, report = KAnonymizer(quasi, 5, "icd10", 2, person="patient_id").anonymize(
        extract, ["patient_id", "name"]
    )
    print("   before:", extract.drop(columns=["patient_id"]).head(2).to_dict("records"))
    print("   after: ", out.head(2).to_dict("records"))
    r = report.as_dict()
    print(
        f"   {r['rows_in']} rows -> {r['rows_out']} ({r['suppressed_rows']} suppressed);"
        f" achieved k={r['achieved_k']},"
        f" l={r['achieved_l']}; highest prosecutor risk {r['prosecutor_risk_highest']},"
        f" average {r['prosecutor_risk_average']}; information loss {r['information_loss']}"
    )
    print(
        f"   method {r['method']} (information loss of each: {r['candidates']}); loss per column"
        f" {r['loss_by_column']}"
    )
    print(
        f"   independent verification (rows): {'passed' if verify(out, quasi, 5, 'icd10', 2) else 'FAILED'}"
    )

    step(
        first_step + 2,
        "De-identify DICOM (PS3.15 basic profile, shifted dates, remapped UIDs; an SR's text; a stray file)",
    )
    ds = pydicom.dcmread(samples / "h1" / "dicom" / "CT_small.dcm")
    header = (str(ds.PatientName), ds.PatientID, ds.StudyDate, ds.StudyInstanceUID[:28])
    result = DicomDeidentifier(key, dates="shifted").deidentify(ds)
    d = result.dataset
    print(f"   before: name={header[0]} id={header[1]} study date={header[2]} study uid={header[3]}...")
    print(
        f"   after:  name={d.PatientName} id={d.PatientID} study date={d.StudyDate}"
        f" study uid={d.StudyInstanceUID[:28]}..."
    )
    _structured_report_folder(key, analyzer, anonymizer)


def _structured_report_folder(key: bytes, analyzer: TextAnalyzer, anonymizer: TextAnonymizer) -> None:
    """A folder with a Structured Report whose content holds a name, a phone and an address, and a file
    that is no DICOM: the report's text is cleaned, the stray file skipped and reported."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        sr = pydicom.dcmread(Path(pydicom.__file__).parent / "data" / "test_files" / "test-SR.dcm")
        sr.SpecificCharacterSet = "ISO_IR 192"
        item = pydicom.Dataset()
        item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
        item.TextValue = "患者王秀英，电话13912345678，住址重庆市渝中区解放碑街道18号5-2。"
        sr.ContentSequence.append(item)
        sr.save_as(folder / "report.dcm")
        (folder / "readme.txt").write_text("not an image", encoding="utf-8")
        cleaner = lambda t: anonymizer.anonymize(t, analyzer.analyze(t))  # noqa: E731
        deid = DicomDeidentifier(key, clean_text=cleaner, sr="clean")
        report = deidentify_folder(folder, Path(tmp) / "out", deid)
        out = pydicom.dcmread(Path(tmp) / "out" / "report.dcm")
        print(f"   SR text before: {item.TextValue}")
        print(f"   SR text after:  {out.ContentSequence[-1].TextValue}")
        print(f"   files written: {report.files}; skipped: {report.skipped}")
