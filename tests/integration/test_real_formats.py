"""Connectors on files written by hand from the standards (tests/fixtures): a Synthea-shaped FHIR R4
transaction bundle, HL7 v2 in GB18030 with MSH-18, mixed OBX types, censored values, DFT^P03."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from connectors.fhir import FhirFileSource
from connectors.hl7v2 import Hl7FileSource
from connectors.sql import SqlTableSource
from node.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HIV_PATIENT = "5cbc121b-cd71-4428-b8b7-31e53eba8184"
OID_PATIENT = "1.2.156.112604.1.2.7001"


def tables(source) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    out: dict[str, list[pd.DataFrame]] = {}
    for name, batch in source.batches():
        out.setdefault(name, []).append(batch)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def bundle() -> tuple[FhirFileSource, dict[str, pd.DataFrame]]:
    src = FhirFileSource(FIXTURES / "fhir" / "synthea_transaction.json")
    return src, tables(src)


def test_urn_references_resolve_to_patients_and_encounters(bundle) -> None:  # type: ignore[no-untyped-def]
    _, got = bundle
    assert set(got["patients"]["patient_id"]) == {HIV_PATIENT, OID_PATIENT}
    for table in ("encounters", "conditions", "observations", "medications", "procedures", "immunizations"):
        assert got[table]["patient_id"].notna().all(), table
        assert got[table]["patient_id"].isin(got["patients"]["patient_id"]).all(), table
    obs = got["observations"]
    glucose = obs[obs["loinc"] == "2345-7"].iloc[0]
    assert glucose["encounter_id"] == "d1a2b3c4-0000-4000-8000-00000000e001"  # not the urn form
    assert set(obs["patient_id"]) == {HIV_PATIENT, OID_PATIENT}  # relative, absolute and urn:oid alike
    assert got["claims"]["patient_id"].eq(HIV_PATIENT).all()


def test_identifiers_names_and_addresses_from_their_parts(bundle) -> None:  # type: ignore[no-untyped-def]
    _, got = bundle
    p = got["patients"].set_index("patient_id")
    assert p.loc[HIV_PATIENT, "mrn"] == HIV_PATIENT and p.loc[HIV_PATIENT, "ssn"] == "999-68-6543"
    assert p.loc[OID_PATIENT, "id_card"] == "11010519491231002X" and p.loc[OID_PATIENT, "mrn"] == "BA0070012"
    assert p.loc[HIV_PATIENT, "name"] == "Mr. Bob965 Keeling57"
    assert p.loc[OID_PATIENT, "name"] == "王小明"
    assert p.loc[HIV_PATIENT, "address"] == "1026 Kuhic Route Apt 23, Boston, Massachusetts 02118, US"
    assert p.loc[OID_PATIENT, "address"] == "重庆市渝中区解放碑街道民族路1号"
    assert p.loc[OID_PATIENT, "district_code"] == "500103"


def test_every_value_type_and_components(bundle) -> None:  # type: ignore[no-untyped-def]
    _, got = bundle
    obs = got["observations"].set_index("code")
    assert obs.loc["2345-7", "value"] == 6.1 and obs.loc["2345-7", "unit"] == "mmol/L"
    assert obs.loc["8480-6", "value"] == 132.0 and obs.loc["8480-6", "panel"] == "85354-9"
    assert obs.loc["8462-4", "value"] == 84.0
    assert (
        obs.loc["72166-2", "value_code"] == "266919005" and obs.loc["72166-2", "value_system"] == "snomed_ct"
    )
    assert obs.loc["20447-9", "comparator"] == "<" and obs.loc["20447-9", "value_text"] == "<20"
    assert obs.loc["8302-2", "value"] == 176.0
    assert obs.loc["75325-1", "value"] == 1.0 and obs.loc["75325-1", "value_text"] == "true"
    text_only = got["observations"][got["observations"]["display"] == "尿液外观"].iloc[0]
    assert text_only["text"] == "淡黄色 清亮" and pd.isna(text_only["value"])  # free text: de-identified
    assert pd.isna(text_only["value_text"]) and bundle[0].free_text["observations"] == ("text",)
    assert got["observations"]["value"].dtype.kind == "f"
    kept = got["observations"]["value_text"].notna() | got["observations"]["text"].notna()
    assert kept.all()  # no observation lost its value


def test_codes_keep_their_system(bundle) -> None:  # type: ignore[no-untyped-def]
    _, got = bundle
    cond = got["conditions"].set_index("condition_id")
    hiv = cond.loc["d1a2b3c4-0000-4000-8000-00000000c001"]
    assert hiv["snomed_ct"] == "86406008" and pd.isna(hiv["icd10"]) and hiv["code_system"] == "snomed_ct"
    dep = cond.loc["d1a2b3c4-0000-4000-8000-00000000c002"]
    assert dep["icd10"] == "F32.9" and dep["snomed_ct"] == "35489007"
    meds = got["medications"].set_index("medication_id")
    assert meds.loc["d1a2b3c4-0000-4000-8000-00000000a001", "rxnorm"] == "1433868"
    assert (
        meds.loc["d1a2b3c4-0000-4000-8000-00000000a002", "atc"] == "J05AR03"
    )  # from the contained Medication


def test_claims_coverage_procedures_immunizations_allergies(bundle) -> None:  # type: ignore[no-untyped-def]
    src, got = bundle
    claims = got["claims"].set_index("resource_type")
    assert claims.loc["Claim", "total"] == 509.0 and claims.loc["Claim", "coverage_id"].endswith("c0001")
    assert claims.loc["Claim", "encounter_id"] == "d1a2b3c4-0000-4000-8000-00000000e001"
    assert claims.loc["ExplanationOfBenefit", "payment"] == 407.2
    assert claims.loc["ExplanationOfBenefit", "claim_ref"] == "d1a2b3c4-0000-4000-8000-0000000c1001"
    items = got["claim_items"]
    assert len(items) == 2 and items["net"].sum() == 509.0
    assert got["coverages"].iloc[0]["payor"] == "重庆市医疗保障局"
    assert got["procedures"].iloc[0]["performed"] == "2024-05-01T09:12:00+08:00"
    assert got["immunizations"].iloc[0]["vaccine_code"] == "140"
    assert got["allergies"].iloc[0]["snomed_ct"] == "91935009"
    assert "患者" in got["diagnostic_reports"].iloc[0]["text"]
    assert got["documents"].iloc[0]["patient_id"] == OID_PATIENT
    assert src.unmapped == {"Organization": 1, "CarePlan": 1, "Provenance": 1}
    assert src.records == 22


def test_bad_records_rejected_or_quarantined() -> None:
    path = FIXTURES / "fhir" / "one_bad_resource.ndjson"
    with pytest.raises(InvalidInput) as err:
        tables(FhirFileSource(path))
    assert "one_bad_resource.ndjson:2" in err.value.message and "Patient/p-bad" in err.value.message
    assert "1985" not in err.value.message and "陈" not in err.value.message
    src = FhirFileSource(path, on_error="quarantine")
    got = tables(src)
    assert list(got["patients"]["patient_id"]) == ["p-good"] and list(
        got["observations"]["observation_id"]
    ) == ["o1"]
    where = [r.where for r in src.rejected]
    assert where == [
        "one_bad_resource.ndjson:2 (Patient/p-bad)",
        "one_bad_resource.ndjson:4 (Observation/o2)",
        "one_bad_resource.ndjson:5",
    ]
    assert all("一百二" not in r.reason and "陈" not in r.reason for r in src.rejected)
    assert b"p-bad" in src.rejected[0].payload


def test_hl7_gb18030_declared_in_msh18_with_every_obx_type() -> None:
    src = Hl7FileSource(FIXTURES / "hl7" / "lis_gb18030.hl7")
    got = tables(src)
    assert (
        got["patients"].iloc[0]["name"] == "张建国"
        and got["patients"].iloc[0]["id_card"] == "500103198001011234"
    )
    obs = got["observations"].set_index("code")
    assert obs.loc["2345-7", "value"] == 6.2 and obs.loc["2345-7", "display"] == "葡萄糖"
    assert obs.loc["20447-9", "value"] == 20.0 and obs.loc["20447-9", "comparator"] == "<"  # censored NM
    assert obs.loc["20447-9", "value_text"] == "<20"
    assert obs.loc["1988-5", "value"] == 5.0 and obs.loc["1988-5", "comparator"] == "<"  # SN
    assert pd.isna(obs.loc["5195-3", "value"]) and obs.loc["5195-3", "value_text"] == "1:128"  # SN ratio
    assert obs.loc["5778-6", "value_text"] == "淡黄色" and pd.isna(obs.loc["5778-6", "value"])
    assert obs.loc["11529-5", "text"] == "镜下见少量炎细胞浸润\n未见恶性细胞"  # TX repetitions
    assert obs.loc["18782-3", "text"] == "双肺纹理清晰\n心影不大"  # FT line break
    assert pd.isna(obs.loc["18782-3", "value_text"]) and src.free_text == {
        "observations": ("text", "comments"),
        "orders": ("comments",),
    }
    assert obs.loc["600-7", "value_code"] == "260385009" and obs.loc["600-7", "value_system"] == "snomed_ct"
    assert obs.loc["8665-2", "value_text"] == "2025-02-20"
    assert obs.loc["33882-2", "value_text"] == "2025-03-12T08:00:00"
    assert obs["loinc"].notna().all() and got["observations"]["value"].dtype.kind == "f"
    enc = got["encounters"]
    assert list(enc["event"]) == ["A01", "A02", "A03"] and enc.iloc[2]["discharged"] == "2025-03-15T09:00:00"
    charges = got["charges"]
    assert len(charges) == 3 and charges["amount"].sum() == 3253.70
    assert charges.iloc[1]["display"] == "冠状动脉造影术" and set(charges["currency"]) == {"CNY"}
    assert charges.iloc[2]["quantity"] == 14 and charges.iloc[0]["visit_number"] == "V20250310001"
    assert got["orders"].iloc[0]["placer_order"] == "ORD002" and got["orders"].iloc[0]["code"] == "24627-2"
    assert src.unmapped == {"SIU^S12": 1} and src.records == 6


def test_hl7_every_adt_event_orders_and_merges() -> None:
    src = Hl7FileSource(FIXTURES / "hl7" / "adt_more.hl7")
    got = tables(src)
    assert list(got["patients"]["event"]) == ["A05", "A08", "A11", "A13", "A40"]
    assert got["patients"].iloc[1]["address"] == "南岸区南坪正街8号"
    assert got["patient_merges"].iloc[0].to_dict() | {} == {
        "patient_id": "ZY0002",  # the patient's key in every table (issue 16 c)
        "mrn": "ZY0002",
        "prior_mrn": "ZY0999",
        "message_time": "2025-04-03T10:00:00",
    }
    assert got["orders"].iloc[0]["code"] == "4548-4" and got["orders"].iloc[0]["order_control"] == "NW"


def test_hl7_order_notes_kept_with_their_order() -> None:
    """issue 16: NTE segments of ORM^O01/OML^O21 are kept (de-identified by the registry), each after
    its own ORC/OBR; a note on the patient (after PID) goes with every order of the message."""
    src = Hl7FileSource(FIXTURES / "hl7" / "orders_with_notes.hl7")
    orders = tables(src)["orders"].set_index("placer_order")
    assert src.free_text["orders"] == ("comments",)
    assert list(orders.index) == ["ORD201", "ORD202", "ORD203"]
    assert orders.loc["ORD202", "code"] == "2160-0"  # each order with its own OBR
    assert (
        orders.loc["ORD201", "comments"]
        == "患者赵志刚，对青霉素过敏，家属电话13712345678\n空腹采血，联系护士孙丽华"
    )
    assert orders.loc["ORD202", "comments"] == "患者赵志刚，对青霉素过敏，家属电话13712345678\n加急"
    assert orders.loc["ORD203", "comments"] == "患者钱玉兰要求结果短信发送至13698765432"


def test_hl7_latin1_and_the_messages_own_separators() -> None:
    got = tables(Hl7FileSource(FIXTURES / "hl7" / "latin1_separators.hl7"))
    assert got["patients"].empty if "patients" in got else True
    obs = got["observations"].set_index("code")
    assert obs.loc["2160-0", "value"] == 88.0 and obs.loc["8251-1", "value_text"] == "Probe hämolytisch"
    assert obs.loc["2160-0", "mrn"] == "M0042"


def test_hl7_bad_messages_rejected_or_quarantined() -> None:
    path = FIXTURES / "hl7" / "with_bad_messages.hl7"
    with pytest.raises(InvalidInput) as err:
        tables(Hl7FileSource(path))
    assert (
        "with_bad_messages.hl7:4 (BAD0001) OBX 1" in err.value.message and "一百二十" not in err.value.message
    )
    src = Hl7FileSource(path, on_error="quarantine")
    got = tables(src)
    assert list(got["observations"]["mrn"]) == ["ZY0003"] and src.records == 1
    reasons = {r.where: r.reason for r in src.rejected}
    assert reasons == {
        "with_bad_messages.hl7:4 (BAD0001) OBX 1": "numeric result (NM) is not a number",
        "with_bad_messages.hl7:7 segment 3": (
            "broken segment (expected a 3-character segment id and a separator)"
        ),
        "with_bad_messages.hl7:10 (BAD0003) FT1 1": "FT1-11 amount is not a number",
        "with_bad_messages.hl7:13": "unsupported character set in MSH-18: KOI8-R",
    }
    assert b"BAD0001" in src.rejected[0].payload


HIS_TABLE_SQL = [
    "CREATE TABLE his_lab (id INTEGER PRIMARY KEY, mrn VARCHAR(20) NOT NULL, item VARCHAR(40), "
    "result NUMERIC(8, 2), result_text VARCHAR(40), taken DATE)",
    "INSERT INTO his_lab VALUES (1, 'ZY0001', '血红蛋白', 128.00, NULL, '2025-03-12')",
    "INSERT INTO his_lab VALUES (2, 'ZY0002', NULL, NULL, '<20', NULL)",
    "INSERT INTO his_lab VALUES (3, 'ZY0003', '葡萄糖', NULL, NULL, '2025-03-13')",
]


@pytest.mark.postgres
def test_sql_tables_with_nulls(tmp_path: Path, pg_url: str) -> None:
    for url in (f"sqlite:///{tmp_path / 'his.db'}", pg_url):
        engine = create_engine(url)
        with engine.begin() as conn:
            for statement in HIS_TABLE_SQL:
                conn.execute(text(statement))
        engine.dispose()
        src = SqlTableSource(url, ["his_lab"])
        got = tables(src)["his_lab"]
        assert len(got) == 3 and got["item"].isna().sum() == 1 and got["result"].isna().sum() == 2
        assert len(src.digest) == 64
        again = SqlTableSource(url, ["his_lab"])
        tables(again)
        assert again.digest == src.digest  # the digest is of the content, NULLs included
