"""issue 16: HE and federated cohorts select patients by the code system their definition names (ICD-10,
SNOMED CT, LOINC, ATC, RxNorm or a hospital's local system), on a hand-written FHIR R4 transaction
bundle coded the way Synthea codes it (SNOMED CT diagnoses, RxNorm drugs, no ICD-10 at all)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from connectors.fhir import FhirFileSource
from connectors.registry import open_source
from node.asset_registry.clinical import CohortCode, clinical_tables, patients_with
from node.bootstrap import Container
from node.errors import InvalidInput
from node.federated.assets import model_frame
from node.federated.features import ModelInputs
from node.he_query.aggregates import cohort_statistics
from node.research.tables import role_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
P1, P2, P3, P4 = (f"0f6b1c2e-5a3d-4e7f-9b10-3c2d1e0f000{i}" for i in range(1, 5))


def _tables(name: str) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for table, batch in FhirFileSource(FIXTURES / name).batches():
        out.setdefault(table, []).append(batch)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def synthea() -> dict[str, pd.DataFrame]:
    return _tables("snomed_cohort.json")


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("snomed_ct|44054006", {P1, P2}),
        ("http://snomed.info/sct|4405", {P1, P2}),  # the system's URI names it too; codes by prefix
        ("rxnorm|860975", {P1}),
        ("atc|A10B", {P2}),
        ("loinc|4548-4", {P1, P2, P3, P4}),
        ("http://his.example.cn/CodeSystem/diagnosis|TNB", {P2}),  # a local system, as the source names it
        ("E11", set()),  # ICD-10 (the default system): the bundle holds none
    ],
)
def test_patients_by_each_code_system(
    synthea: dict[str, pd.DataFrame], definition: str, expected: set
) -> None:  # type: ignore[type-arg]
    assert patients_with(list(synthea.values()), CohortCode.parse(definition)) == expected


def test_cohort_definitions_checked() -> None:
    assert CohortCode.parse("E11.9") == CohortCode("icd10", "E11.9") and str(CohortCode.parse("E11")) == "E11"
    assert str(CohortCode.parse("http://snomed.info/sct|44054006")) == "snomed_ct|44054006"
    assert CohortCode.parse("snomed_ct|4405").covers(CohortCode.parse("snomed_ct|44054006"))
    assert not CohortCode.parse("E11").covers(CohortCode.parse("snomed_ct|44054006"))
    for bad in ("", "snomed_ct|", "|E11", "11", "icd10|E11;drop", "x" * 201):
        with pytest.raises(InvalidInput) as err:
            CohortCode.parse(bad)
        assert err.value.code == "cohort_invalid"


def test_he_cohort_from_registered_snomed_assets(container: Container, tmp_path: Path) -> None:
    result = container.assets.import_source(
        "cli:t", open_source("fhir", str(FIXTURES / "snomed_cohort.json"))
    )
    labs, coded = clinical_tables(result.assets, container.store, CohortCode.parse("snomed_ct|44054006"))
    stats = cohort_statistics(labs, coded, CohortCode.parse("snomed_ct|44054006"))
    assert stats.cohort_size == 2 and stats.counts[1:] == [0, 0, 1, 1, 0]  # glucose 8.9 and 10.2 mmol/L
    local = CohortCode.parse("http://his.example.cn/CodeSystem/diagnosis|TNB")
    assert (
        cohort_statistics(labs, clinical_tables(result.assets, container.store, local)[1], local).cohort_size
        == 1
    )
    csv = tmp_path / "labs.csv"
    csv.write_text("patient_id,loinc,value\np1,2345-7,6.1\n", encoding="utf-8")
    labs_only = container.assets.import_source("cli:t", open_source("csv", str(csv))).assets
    with pytest.raises(InvalidInput) as missing:
        clinical_tables(labs_only, container.store, CohortCode.parse("snomed_ct|44054006"))
    assert missing.value.code == "cohort_system_missing"
    assert patients_with([labs], CohortCode.parse("cvx|08")) == set()  # coded, but not in that system


def test_federated_outcome_by_snomed_on_a_synthea_bundle(synthea: dict[str, pd.DataFrame]) -> None:
    tables = {role: t for t in synthea.values() if (role := role_of(t)) is not None}
    inputs = ModelInputs.parse(outcome={"diagnosis": {"snomed_ct": ["44054006"]}})
    frame, y = model_frame(tables, inputs)
    assert dict(zip(frame.index, y, strict=True)) == {P1: 1.0, P2: 1.0, P3: 0.0, P4: 0.0}


def test_procedures_and_allergies_are_not_diagnoses() -> None:
    got = _tables("synthea_transaction.json")
    roles = {name: role_of(t) for name, t in got.items()}
    assert roles["conditions"] == "diagnoses"
    assert roles["procedures"] is None and roles["allergies"] is None


def test_he_cohort_from_patients_imported_through_hl7(container: Container) -> None:
    """issue 16 (c): HL7 tables carry the patient's key (``patient_id``, the PID-3 medical record number,
    as FHIR tables carry the Patient's id), so an HE cohort joins HL7 orders in a local code system to
    HL7 lab results."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "hl7" / "cohort_by_local_orders.hl7"
    result = container.assets.import_source("cli:t", open_source("hl7", str(path)))
    cohort = CohortCode.parse("99HIS|DMFU")
    labs, coded = clinical_tables(result.assets, container.store, cohort)
    assert patients_with(coded, cohort) == {"ZY0501", "ZY0502"}  # not the resident ID numbers
    stats = cohort_statistics(labs, coded, cohort)
    assert stats.cohort_size == 2 and stats.counts[1:] == [0, 0, 1, 1, 0]  # glucose 8.1 and 10.4 mmol/L
    assert patients_with(coded, CohortCode.parse("99HIS|HTFU")) == {"ZY0503"}
    assert sorted(a.table for a in result.assets if "patient_id" in {c.name for c in a.columns}) == [
        "observations",
        "orders",
    ]
