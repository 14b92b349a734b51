"""Cohorts with attrition, and multi-table research datasets, on hand-written tables and on generated ones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from connectors.samples import write_sample_files
from node.anonymization.operators import Pseudonymizer
from node.errors import InvalidInput, PolicyDenied
from node.research.cohort import evaluate, parse_definition
from node.research.dataset import PERSON, DatasetOptions, build
from node.research.package import write
from node.research.tables import by_role

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"
T2D = {
    "name": "2型糖尿病 HbA1c 二甲双胍",
    "version": 2,
    "index": {"diagnosis": {"system": "icd10", "codes": ["E11"]}},
    "criteria": [
        {"id": "hba1c", "lab": {"loinc": "4548-4"}, "window_days": [-30, 365]},
        {"id": "metformin", "medication": {"system": "atc", "codes": ["A10BA"]}},
        {"id": "no_pregnancy", "include": False, "diagnosis": {"system": "icd10", "codes": ["O24"]}},
        {"id": "adult", "age": {"min": 18, "max": 90}},
    ],
}
IDENTIFIERS = {"patients": ["name", "id_card", "phone", "address", "mrn"]}


def _fixture_tables() -> dict[str, pd.DataFrame]:
    return by_role({p.stem: pd.read_csv(p, dtype=str) for p in FIXTURES.glob("*.csv")})


def test_attrition_follows_each_criterion_in_order() -> None:
    result = evaluate(parse_definition(T2D), _fixture_tables())
    shown = result.attrition(min_cohort=2)
    assert [(s["criterion"], s["remaining"]) for s in shown["steps"]] == [
        ("all_patients", 6),
        ("index_diagnosis", 4),  # E11 and E11.65 match the prefix, E10 does not
        ("hba1c", 2),  # P02's HbA1c is two years before its index date; P05 has none
        ("metformin", 2),
        ("no_pregnancy", 2),
        ("adult", 2),
    ]
    assert sorted(result.patients) == ["P01", "P03"]
    assert shown["version"] == 2 and len(shown["digest"]) == 64


def test_counts_below_the_minimum_cohort_are_withheld() -> None:
    shown = evaluate(parse_definition(T2D), _fixture_tables()).attrition(min_cohort=3)
    assert shown["steps"][1] == {
        "criterion": "index_diagnosis",
        "include": True,
        "remaining": 4,
        "suppressed": False,
    }
    assert shown["steps"][2] == {"criterion": "hba1c", "include": True, "remaining": None, "suppressed": True}
    assert shown["size"] is None


def test_exclusion_and_lab_ranges() -> None:
    definition = parse_definition(
        {
            "name": "high HbA1c, no pregnancy diabetes",
            "as_of": "2026-01-01",
            "criteria": [
                {"id": "hba1c_high", "lab": {"loinc": "4548-4", "min": 7.0}},
                {"id": "female", "include": False, "sex": "female"},
            ],
        }
    )
    result = evaluate(definition, _fixture_tables())
    assert sorted(result.patients) == ["P01", "P03"]  # P02 (6.9) below the range; P04 5.5


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"criteria": [{"id": "x", "sex": "male", "age": {"min": 1}}]}, "criteria.0"),
        ({"criteria": [{"id": "x", "sex": "male", "window_days": [0, 5]}], "index": None}, "needs an index"),
        ({"criteria": [{"id": "x", "sex": "other"}]}, "criteria.0.sex"),
        ({"criteria": []}, "criteria"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_definitions_name_the_field(change: dict, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as err:
        parse_definition(T2D | change)
    assert fragment in err.value.message and err.value.code == "cohort_invalid"


def test_a_code_system_the_product_lacks_is_refused() -> None:
    definition = parse_definition(
        {"name": "x", "criteria": [{"id": "x", "diagnosis": {"system": "snomed_ct", "codes": ["44054006"]}}]}
    )
    with pytest.raises(InvalidInput) as err:
        evaluate(definition, _fixture_tables())
    assert err.value.code == "cohort_system_missing"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("samples")
    write_sample_files(out, 3000, seed=11)
    return by_role({p.stem: pd.read_csv(p, dtype=str) for p in (out / "csv").glob("*.csv")})


def _dataset(tables: dict[str, pd.DataFrame], dataset_id: str, k: int = 5):  # type: ignore[no-untyped-def]
    definition = parse_definition(
        {
            "name": "T2D",
            "index": {"diagnosis": {"system": "icd10", "codes": ["E11"]}},
            "criteria": [{"id": "hba1c", "lab": {"loinc": "4548-4"}}, {"id": "adult", "age": {"min": 18}}],
        }
    )
    cohort = evaluate(definition, tables)
    pseudo = Pseudonymizer(b"dataset-key-" + dataset_id.encode().ljust(8, b"-"))
    return cohort, pseudo, build(cohort, tables, pseudo, DatasetOptions(dataset_id, k=k, drop=IDENTIFIERS))


def test_a_research_dataset_joins_inside_and_identifies_no_one(generated: dict[str, pd.DataFrame]) -> None:
    cohort, _, ds = _dataset(generated, "ds1")
    assert set(ds.tables) == {"patients", "encounters", "diagnoses", "labs", "medications"}
    patients = ds.tables["patients"]
    assert not {"name", "id_card", "phone", "address", "birth_date", "patient_id"} & set(patients.columns)
    assert (
        ds.report["achieved_k"] >= 5
        and patients.groupby(ds.report["quasi_identifiers"])[PERSON].nunique().min() >= 5
    )
    persons = set(patients[PERSON])
    for role, t in ds.tables.items():
        assert "patient_id" not in t.columns
        assert set(t[PERSON]) <= persons, role
    # no source identifier anywhere in the release
    source = generated["patients"]
    text = " ".join(" ".join(t.astype(str).to_numpy().ravel()) for t in ds.tables.values())
    for value in (
        list(source["id_card"].head(50)) + list(source["patient_id"].head(50)) + list(source["name"].head(20))
    ):
        assert str(value) not in text
    # encounter keys in labs still find their encounter
    assert set(ds.tables["labs"]["encounter_id"].dropna()) <= set(ds.tables["encounters"]["encounter_id"])
    # persons suppressed for k leave every table
    assert ds.report["persons_released"] + ds.report["persons_suppressed"] == cohort.size


def test_dates_move_per_patient_and_keep_intervals(generated: dict[str, pd.DataFrame]) -> None:
    _, pseudo, ds = _dataset(generated, "ds1")
    src = generated["encounters"]
    person = pseudo("PERSON", "h1-p000000")
    released = ds.tables["encounters"]
    mine = released[released[PERSON] == person]
    if mine.empty:  # that patient is not in the cohort: take any released person
        person = released[PERSON].iloc[0]
        mine = released[released[PERSON] == person]
    pid = next(p for p in generated["patients"]["patient_id"] if pseudo("PERSON", p) == person)
    before = (
        pd.to_datetime(src[src["patient_id"] == pid]["start"], utc=True).sort_values().reset_index(drop=True)
    )
    after = pd.to_datetime(mine["start"]).sort_values().reset_index(drop=True)
    assert len(before) == len(after)
    shift = {(a - b.tz_localize(None)).days for a, b in zip(after, before, strict=True)}
    assert len(shift) == 1 and shift != {0} and abs(next(iter(shift))) <= 180


def test_two_datasets_do_not_link(generated: dict[str, pd.DataFrame]) -> None:
    _, _, a = _dataset(generated, "ds1")
    _, _, b = _dataset(generated, "ds2")
    assert not set(a.tables["patients"][PERSON]) & set(b.tables["patients"][PERSON])
    _, _, again = _dataset(generated, "ds1")
    assert list(again.tables["patients"][PERSON]) == list(a.tables["patients"][PERSON])


def test_k_that_cannot_be_met_is_refused() -> None:
    tables = _fixture_tables()
    cohort = evaluate(parse_definition(T2D), tables)
    with pytest.raises(PolicyDenied):
        build(cohort, tables, Pseudonymizer(b"k" * 16), DatasetOptions("small", k=5, drop=IDENTIFIERS))


def test_written_package_describes_itself(generated: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    _, _, ds = _dataset(generated, "ds1")
    dcat = write(ds, tmp_path / "out", "示例医院")
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {f"{r}.parquet" for r in ds.tables} | {
        "dictionary.json",
        "dataset.jsonld",
        "croissant.json",
        "report.json",
    } == files
    assert len(dcat["dcat:distribution"]) == len(ds.tables)
    croissant = json.loads((tmp_path / "out" / "croissant.json").read_text())
    assert croissant["dct:conformsTo"] == "http://mlcommons.org/croissant/1.0"
    fields = {f["name"] for rs in croissant["recordSet"] if rs["name"] == "labs" for f in rs["field"]}
    assert fields == set(ds.tables["labs"].columns)
    back = pd.read_parquet(tmp_path / "out" / "labs.parquet")
    assert len(back) == len(ds.tables["labs"])
    dictionary = json.loads((tmp_path / "out" / "dictionary.json").read_text())
    assert {d["table"] for d in dictionary} == set(ds.tables)


def test_without_an_index_ages_are_taken_at_as_of(generated: dict[str, pd.DataFrame]) -> None:
    definition = parse_definition(
        {"name": "adults", "as_of": "2026-06-30", "criteria": [{"id": "a", "age": {"min": 60}}]}
    )
    cohort = evaluate(definition, generated)
    ds = build(cohort, generated, Pseudonymizer(b"k" * 16), DatasetOptions("noindex", k=5, drop=IDENTIFIERS))
    assert ds.report["persons_released"] > 0
    assert (
        ds.report["generalization"]["age_at_index"]["level"]
        < ds.report["generalization"]["age_at_index"]["of"]
    )
