"""Sample data, PII detection, grading and streaming profiles: pure logic, no I/O."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectors.samples import fhir_resources, generate, hl7_messages
from node.anonymization.checksums import luhn_ok, valid_id_card
from node.asset_registry import grading
from node.asset_registry.pii import PatternPiiDetector
from node.asset_registry.profiling import KMV_K, TableProfiler


def test_generator_is_deterministic_and_ids_are_valid() -> None:
    a = [p.id_card for p in generate(50, seed=1)]
    assert a == [p.id_card for p in generate(50, seed=1)]
    assert a != [p.id_card for p in generate(50, seed=2)]
    assert all(valid_id_card(x) for x in a)
    p = next(generate(10, seed=3, hospital="h2"))
    kinds = {r["resourceType"] for r in fhir_resources(p)}
    assert {"Patient", "Encounter", "Observation"} <= kinds
    assert all(m.startswith("MSH|^~\\&|") for m in hl7_messages(p, "h2"))
    with pytest.raises(ValueError):
        list(generate(5))


def test_diabetes_shifts_glucose() -> None:
    glucose: dict[bool, list[float]] = {True: [], False: []}
    for p in generate(2000, seed=4):
        diabetic = any(c[0] == "E11.9" for c in p.conditions)
        glucose[diabetic] += [float(x["value"]) for x in p.labs if x["loinc"] == "2345-7"]  # type: ignore[arg-type]
    assert np.mean(glucose[True]) > np.mean(glucose[False]) + 1.0


def test_checksums() -> None:
    assert valid_id_card("11010519491231002X") and valid_id_card("11010519491231002x")
    assert not valid_id_card("110105194912310021")  # wrong check digit
    assert not valid_id_card("11010519491331002X")  # month 13
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("name", ["张三", "李四"], ["PERSON"]),
        ("col_a", ["王芳", "刘伟", "陈静"], ["PERSON"]),
        ("display", ["高血压", "白细胞", "黄疸"], []),
        ("diagnosis", ["王不留行", "周期"], []),
        ("x", ["11010519491231002X", "500106196408255437"], ["CN_ID_CARD"]),
        ("x", ["110105194912310021", "500106196408255431"], []),
        ("x", ["13812345678", "+86 139 1234 5678", "023-63891234"], ["CN_PHONE"]),
        ("x", ["4111111111111111", "5500005555555559"], ["BANK_CARD"]),
        ("lab_value", ["5.3", "6.1", "120"], []),
        ("x", ["重庆市渝中区解放碑街道1号", "成都市武侯区人民路3号"], ["LOCATION"]),
    ],
)
def test_pattern_detector(name: str, values: list[str], expected: list[str]) -> None:
    assert PatternPiiDetector().detect_column(name, values) == expected


def test_grading_levels_and_classes() -> None:
    ids = {"name": ["PERSON"], "id_card": ["CN_ID_CARD"], "icd10": []}
    g5 = grading.suggest("conditions", ids, 10, 10, {grading.HIV: ["icd10:B20"]})
    assert g5.level == 5 and any("HIV" in r for r in g5.reasons)
    assert grading.suggest("patients", ids, 10, 10, {}).level == 4
    keyed = {"patient_id": [], "loinc": [], "value": []}
    assert grading.suggest("observations", keyed, 10, 10, {}).level == 3
    assert grading.suggest("observations", keyed, 10, 10, {grading.MENTAL: ["icd10:F20.9"]}).level == 4
    assert grading.suggest("daily_counts", {"day": [], "n": []}, 10, None, {}).level == 2
    beds = grading.suggest("beds", {"ward": [], "bed_count": []}, 10, None, {})
    assert beds.level == 1 and beds.category.value == "health_resources"
    big = grading.suggest("observations", keyed, 5_000_000, 1_200_000, {})
    assert big.dsl_class.value == "important"
    assert grading.suggest("x", {"gene_variant": []}, 1, None, {}).dsl_class.value == "important"
    assert all(g.dsl_class.value != "core" for g in (g5, big, beds))


def test_profiler_streams_with_bounded_distinct_sketch() -> None:
    prof = TableProfiler(grading.classify)
    rng = np.random.default_rng(0)
    for start in range(0, 100_000, 20_000):
        ids = np.arange(start, start + 20_000)
        prof.add(
            pd.DataFrame(
                {
                    "patient_id": ids.astype(str),
                    "icd10": np.where(ids % 1000 == 0, "B20", "I10"),
                    "value": np.where(ids % 10 == 0, np.nan, rng.normal(5, 1, 20_000)),
                    "sex": np.where(ids % 2 == 0, "M", "F"),
                    "phone": [f"138{i:08d}" for i in ids],
                }
            )
        )
    cols = {c.name: c for c in prof.columns(PatternPiiDetector())}
    assert prof.rows == 100_000
    assert cols["sex"].distinct == 2 and cols["sex"].distinct_exact
    assert not cols["patient_id"].distinct_exact and abs(cols["patient_id"].distinct - 100_000) < 5_000
    assert len(prof._cols["patient_id"].distinct.mins) == KMV_K  # bounded
    assert cols["value"].nulls == 10_000 and cols["value"].dtype == "float"
    assert cols["phone"].pii == ["CN_PHONE"] and cols["phone"].min is None  # no identifiers in the profile
    assert prof.sensitive_codes() == {grading.HIV: ["icd10:B20"]}


@pytest.mark.parametrize(
    ("system", "code", "label"),
    [
        ("icd10", "B20.1", grading.HIV),
        ("icd10_cn", "B24.x01", grading.HIV),
        ("snomed_ct", "86406008", grading.HIV),
        ("loinc", "20447-9", grading.HIV),  # HIV viral load
        ("atc", "J05AR03", grading.HIV),  # tenofovir disoproxil and emtricitabine
        ("rxnorm", "1433868", grading.HIV),  # dolutegravir
        ("atc", "J05AF10", None),  # entecavir treats hepatitis B, not HIV
        ("icd10", "A15.0", grading.NOTIFIABLE),  # tuberculosis
        ("snomed_ct", "840539006", grading.NOTIFIABLE),  # COVID-19
        ("icd10", "A53.9", grading.STD),
        ("snomed_ct", "35489007", grading.MENTAL),
        ("atc", "N06AB06", grading.MENTAL),  # sertraline
        ("icd10", "O04.9", grading.REPRODUCTIVE),
        ("snomed_ct", "8619003", grading.REPRODUCTIVE),
        ("loinc", "81247-9", grading.GENETIC),
        ("icd10", "I10", None),
        ("snomed_ct", "38341003", None),  # hypertension
        ("loinc", "2345-7", None),
        ("http://local/codes", "B20", None),  # a local code is not an ICD-10 code
    ],
)
def test_sensitive_conditions_by_code_system(system: str, code: str, label: str | None) -> None:
    assert grading.classify(system, code) == label


def test_hiv_cohort_without_icd10_is_graded_by_its_other_codes() -> None:
    """Synthea's HIV cohort: SNOMED conditions, LOINC viral loads, RxNorm antiretrovirals, no ICD-10."""
    prof = TableProfiler(grading.classify)
    prof.add(
        pd.DataFrame(
            {
                "patient_id": ["p1", "p2", "p3"],
                "code": ["20447-9", "1433868", "I10-local"],
                "code_system": ["loinc", "rxnorm", "http://local/codes"],
                "value": [12000.0, None, None],
            }
        )
    )
    found = prof.sensitive_codes()
    assert found == {grading.HIV: ["loinc:20447-9", "rxnorm:1433868"]}
    g = grading.suggest("observations", {"patient_id": [], "code": [], "value": []}, 3, 3, found)
    assert g.level == 4 and any("HIV" in r and "loinc:20447-9" in r for r in g.reasons)
    with_names = grading.suggest("observations", {"name": ["PERSON"], "code": []}, 3, 3, found)
    assert with_names.level == 5


def test_quality_rules_and_alerts() -> None:
    from node.asset_registry import quality

    now = pd.Timestamp("2025-06-02T00:00:00", tz="UTC")
    patients = quality.TableQuality("patients", now=now)
    patients.add(
        pd.DataFrame(
            {"patient_id": ["p1", "p2"], "gender": ["male", "F"], "birth_date": ["1980-01-01", "2090-01-01"]}
        )
    )
    obs = quality.TableQuality("observations", now=now)
    obs.add(
        pd.DataFrame(
            {
                "patient_id": ["p1", "p3", None],
                "loinc": ["2345-7", "2345-7", "718-7"],
                "value": [6.1, 112.0, None],
                "value_text": ["6.1", "112", None],
                "unit": ["mmol/L", "mg/dL", "g/L"],
                "time": ["2025-06-01T08:00:00+08:00", "2025-05-20T08:00:00+08:00", "not a time"],
            }
        )
    )
    tables = {"patients": patients, "observations": obs}
    got = {(r["rule"], r["column"]): r for r in obs.results(tables, "daily")}
    assert got[("completeness", "patient_id")]["violations"] == 1
    assert got[("completeness", "value")]["violations"] == 1
    assert (
        got[("plausibility", "value[2345-7]")]["violations"] == 1
        and not got[("plausibility", "value[2345-7]")]["passed"]
    )
    assert got[("validity", "unit[2345-7]")]["violations"] == 1
    assert got[("validity", "time")]["violations"] == 1
    assert got[("referential", "patient_id->patients.patient_id")]["violations"] == 1  # p3 is unknown
    assert got[("timeliness", "newest")]["passed"]  # newest result is a day old, the asset is daily
    p = {(r["rule"], r["column"]): r for r in patients.results(tables, "daily")}
    assert p[("validity", "gender")]["violations"] == 1 and p[("validity", "birth_date")]["violations"] == 1
    before = [
        {"rule": "validity", "column": "unit[2345-7]", "passed": True},
        {"rule": "validity", "column": "time", "passed": False},
    ]
    assert [a["column"] for a in quality.alerts(before, list(got.values()))] == ["unit[2345-7]"]
