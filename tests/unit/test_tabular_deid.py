"""k-anonymity and l-diversity, checked by an independent verifier and by hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from node.anonymization.hierarchies import ADDRESS, AGE, DATE, REGION
from node.anonymization.tabular import KAnonymizer, verify
from node.errors import InvalidInput


def _table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": [f"p{i}" for i in range(n)],
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["M", "F"], n),
            "district_code": rng.choice(["500103", "500105", "500106", "510104", "510107"], n),
            "visit_date": [
                f"2025-{m:02d}-{d:02d}"
                for m, d in zip(rng.integers(1, 13, n), rng.integers(1, 29, n), strict=True)
            ],
            "icd10": rng.choice(["I10", "E11.9", "J44.9", "F32.9", "K29.7"], n),
        }
    )


def test_hierarchies() -> None:
    assert AGE.apply(pd.Series([23, 47]), 2).tolist() == ["20-29", "40-49"]
    days = pd.Series(["2025-03-04", "2025-12-31"])
    assert [DATE.apply(days, lv).tolist() for lv in range(DATE.height + 1)] == [
        ["2025-03-04", "2025-12-31"],
        ["2025-W10", "2026-W01"],  # ISO weeks: the last day of 2025 is in week 1 of 2026
        ["2025-03", "2025-12"],
        ["2025-Q1", "2025-Q4"],
        ["2025", "2025"],
        ["202x", "202x"],
        ["*", "*"],
    ]
    assert [AGE.apply(pd.Series([47]), lv).tolist()[0] for lv in range(AGE.height + 1)] == [
        "47",
        "45-49",
        "40-49",
        "40-59",
        "*",
    ]
    assert REGION.apply(pd.Series(["500106"]), 2).tolist() == ["500000"]
    assert ADDRESS.apply(pd.Series(["四川省成都市武侯区人民路1号"]), 2).tolist() == ["四川省成都市"]


@pytest.mark.parametrize(("k", "l_div"), [(2, None), (5, None), (10, 2), (5, 3)])
def test_output_is_k_anonymous_and_l_diverse(k: int, l_div: int | None) -> None:
    data = _table(3000)
    quasi = ["age", "sex", "district_code", "visit_date"]
    out, report = KAnonymizer(quasi, k, "icd10" if l_div else None, l_div).anonymize(data, ["name"])
    assert report.met and verify(out, quasi, k, "icd10" if l_div else None, l_div)
    assert report.achieved_k >= k and (l_div is None or (report.achieved_l or 0) >= l_div)
    assert "name" not in out.columns and report.rows_out + report.suppressed_rows == 3000
    assert report.suppressed_rows <= 0.1 * 3000
    assert report.prosecutor_risk_highest == pytest.approx(1 / report.achieved_k, abs=1e-4)
    assert 0 <= report.information_loss <= 1


def test_least_generalization_is_chosen() -> None:
    # every (sex, district) pair already has 5 rows: nothing needs generalizing or suppressing
    data = pd.DataFrame({"sex": ["M", "F"] * 10, "district_code": ["500103"] * 10 + ["500105"] * 10})
    out, report = KAnonymizer(["sex", "district_code"], 5).anonymize(data)
    assert report.suppressed_rows == 0 and out.equals(data.astype(str))
    assert all(g["level"] == 0 for g in report.generalization.values())


def test_verifier_catches_violations() -> None:
    bad = pd.DataFrame({"a": ["x", "x", "y"], "s": ["1", "1", "2"]})
    assert not verify(bad, ["a"], 2)
    assert not verify(pd.DataFrame({"a": ["x", "x"], "s": ["1", "1"]}), ["a"], 2, "s", 2)


def test_unreachable_target_is_reported_not_met() -> None:
    data = pd.DataFrame({"sex": ["M", "F", "F"], "icd10": ["I10", "I10", "I10"]})
    _, report = KAnonymizer(["sex"], 2, "icd10", 2, max_suppression=0.0).anonymize(data)
    assert not report.met


def test_bad_parameters() -> None:
    data = _table(10)
    with pytest.raises(InvalidInput, match="not in the table"):
        KAnonymizer(["age", "nope"], 5).anonymize(data)
    for kwargs in ({"k": 1}, {"k": 5, "sensitive": "icd10"}, {"k": 5, "max_suppression": 1.5}):
        with pytest.raises(InvalidInput):
            KAnonymizer(["age"], **kwargs)  # type: ignore[arg-type]


def test_person_level_k_counts_people_not_rows() -> None:
    # two people with three diagnoses each: 6 rows but only 2 persons per class
    data = pd.DataFrame(
        {
            "patient_id": ["a", "a", "a", "b", "b", "b"],
            "sex": ["M"] * 6,
            "district_code": ["500103"] * 6,
            "icd10": ["I10", "E11.9", "J44.9"] * 2,
        }
    )
    _, rows_report = KAnonymizer(["sex", "district_code"], 3).anonymize(data, ["patient_id"])
    assert rows_report.met and rows_report.achieved_k == 6  # row-level k is fooled
    _, people_report = KAnonymizer(
        ["sex", "district_code"], 3, person="patient_id", max_suppression=0.0
    ).anonymize(data, ["patient_id"])
    assert not people_report.met  # two people can never make k=3
    more = pd.concat([data, data.assign(patient_id=data["patient_id"] + "2")], ignore_index=True)
    out, report = KAnonymizer(["sex", "district_code"], 3, person="patient_id").anonymize(
        more, ["patient_id"]
    )
    assert report.met and report.achieved_k == 4 and "patient_id" not in out.columns
    assert verify(more, ["sex", "district_code"], 4, person="patient_id")
    assert not verify(more, ["sex", "district_code"], 5, person="patient_id")


def _admissions(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    admit = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame(
        {
            "age": rng.integers(18, 95, n),
            "sex": rng.choice(["M", "F"], n),
            "district_code": rng.choice(["500103", "500105", "500106", "500107", "500108", "510104"], n),
            "admit_date": admit.strftime("%Y-%m-%d"),
            "icd10": rng.choice(["I10", "E11.9", "J44.9", "F32.9", "K29.7", "N18.3"], n),
        }
    )


def test_both_methods_run_and_the_lesser_loss_is_released() -> None:
    data = _admissions(20_000)
    quasi = ["age", "sex", "district_code", "admit_date"]
    out, report = KAnonymizer(quasi, 5, "icd10", 2).anonymize(data)
    assert report.met and verify(out, quasi, 5, "icd10", 2)
    candidates = report.candidates
    assert set(candidates) == {"full_domain", "mondrian"}
    assert report.method == min(candidates, key=lambda m: (candidates[m], m != "full_domain"))
    assert report.information_loss == candidates[report.method]
    assert set(report.loss_by_column) == set(quasi)
    assert all(0 <= v <= 1 for v in report.loss_by_column.values())
    # admission dates were flattened to a year by the old date hierarchy (day, month, year, decade)
    assert out["admit_date"].str.fullmatch(r"\d{4}|\*").mean() < 0.5


def _skewed(n: int = 5000) -> pd.DataFrame:
    """Most patients from one district and age decade, a few from everywhere: a lattice must generalize
    every record for the few, local recoding only the few."""
    rng = np.random.default_rng(1)
    dense = rng.random(n) < 0.85
    birth = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20_000, n), unit="D")
    return pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "age": np.where(dense, rng.integers(30, 40, n), rng.integers(18, 95, n)),
            "sex": rng.choice(["M", "F"], n),
            "district_code": np.where(
                dense, "500103", rng.choice(["500105", "500106", "510104", "510107", "520102", "530102"], n)
            ),
            "birth_date": birth.strftime("%Y-%m-%d"),
        }
    )


def test_local_recoding_wins_on_skewed_data() -> None:
    quasi = ["age", "sex", "district_code", "birth_date"]
    out, report = KAnonymizer(quasi, 5, person="patient_id").anonymize(_skewed(), ["patient_id"])
    assert report.method == "mondrian" and report.candidates["mondrian"] < report.candidates["full_domain"]
    assert report.met and verify(out, quasi, 5) and report.suppressed_rows == 0
    assert (out["birth_date"] != "*").mean() > 0.5  # the lattice stars or suppresses far more
    levels = report.generalization["birth_date"]["levels"]
    assert isinstance(levels, dict) and len(levels) > 1  # records at different levels: local recoding


def test_a_method_can_be_asked_for() -> None:
    data = _admissions(3000)
    quasi = ["age", "sex", "district_code", "admit_date"]
    _, report = KAnonymizer(quasi, 5, method="full_domain").anonymize(data)
    assert report.method == "full_domain" and set(report.candidates) == {"full_domain"}
    local, local_report = KAnonymizer(quasi, 5, method="mondrian").anonymize(data)
    assert local_report.method == "mondrian" and verify(local, quasi, 5)
    with pytest.raises(InvalidInput, match="method"):
        KAnonymizer(quasi, 5, method="ola")


def test_local_recoding_counts_persons() -> None:
    data = _admissions(600).assign(patient_id=[f"p{i // 3}" for i in range(600)])
    quasi = ["age", "sex", "district_code", "admit_date"]
    out, report = KAnonymizer(quasi, 5, person="patient_id", method="mondrian").anonymize(data)
    assert report.met and verify(out, quasi, 5, person="patient_id")
    assert not verify(out, quasi, 15, person="patient_id")  # persons, not rows (three rows each)
