"""A job's chosen features and outcome: parsing, the product's offer, extraction on hand-built tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from node.asset_registry.clinical import RISK_FEATURES
from node.errors import InvalidInput
from node.federated.assets import asset_partition, model_frame
from node.federated.features import DEFAULT_LOINC, ModelInputs, check_offered, not_offered
from node.federated.metrics import brier, report
from node.federated.spec import JobSpec, Participant

# four patients, written by hand in the shapes the CSV connector writes (LOINC 718-7 haemoglobin has no
# reference scale; p4 has no 718-7 result; codes with and without dots)
LABS = pd.DataFrame(
    [
        ("p1", "4548-4", "7.1"),
        ("p1", "4548-4", "6.9"),
        ("p1", "718-7", "130"),
        ("p2", "4548-4", "5.2"),
        ("p2", "718-7", "150"),
        ("p3", "4548-4", "6.6"),
        ("p3", "718-7", "110"),
        ("p4", "4548-4", "5.0"),
    ],
    columns=["patient_id", "loinc", "value"],
)
DIAGNOSES = pd.DataFrame(
    [("p1", "E11.9"), ("p2", "I10"), ("p3", "E11"), ("p3", "I10"), ("p4", "J18.9")],
    columns=["patient_id", "icd10"],
)
MEDICATIONS = pd.DataFrame(
    [("p1", "A10BA02"), ("p3", "C08CA01"), ("p2", "a10bb01")], columns=["patient_id", "atc"]
)
TABLES = {"labs": LABS, "diagnoses": DIAGNOSES, "medications": MEDICATIONS}

CHOSEN = {
    "loinc": ["4548-4", "718-7"],
    "diagnosis_flags": {"icd10": ["I10"]},
    "medication_flags": {"atc": ["A10B"]},
}
OFFER = {
    "features": {
        "loinc": ["4548-4", "718-7", "2345-7"],
        "diagnosis_flags": {"icd10": ["I"]},
        "medication_flags": {"atc": ["A10"]},
    },
    "outcomes": {"diagnosis": {"icd10": ["E11", "I10"]}, "lab": ["4548-4"]},
}


def test_the_default_is_the_six_risk_labs_and_e11() -> None:
    inputs = ModelInputs.parse()
    assert DEFAULT_LOINC == tuple(c for c, _, _ in RISK_FEATURES)
    assert (inputs.width, inputs.outcome.name) == (6, "icd10:E11")
    assert ModelInputs.parse(target="I10").outcome.prefixes == ("I10",)
    assert not_offered(inputs, {}) == []  # a product that says nothing offers today's defaults
    assert not_offered(ModelInputs.parse({"loinc": ["718-7"]}), {}) == ["loinc:718-7"]


def test_features_and_outcome_are_extracted_per_patient() -> None:
    inputs = ModelInputs.parse(CHOSEN, {"diagnosis": {"icd10": ["E11"]}})
    frame, y = model_frame(TABLES, inputs)
    assert list(frame.columns) == ["loinc:4548-4", "loinc:718-7", "icd10:I10", "atc:A10B"]
    assert list(frame.index) == ["p1", "p2", "p3"]  # p4 has no haemoglobin result: not a complete case
    assert frame.loc["p1", "loinc:4548-4"] == pytest.approx(7.0)  # the patient's mean
    assert list(frame["icd10:I10"]) == [0.0, 1.0, 1.0]
    assert list(frame["atc:A10B"]) == [1.0, 1.0, 0.0]  # lower-case codes match too
    assert list(y) == [1.0, 0.0, 1.0]  # E11.9 is under E11


def test_a_lab_threshold_outcome_and_flags_without_labs() -> None:
    inputs = ModelInputs.parse(
        {"loinc": ["718-7"], "diagnosis_flags": {"icd10": ["I10"]}}, {"lab": {"loinc": "4548-4", "min": 6.5}}
    )
    frame, y = model_frame(TABLES, inputs)
    assert list(frame.index) == ["p1", "p2", "p3"] and list(y) == [1.0, 0.0, 1.0]
    flags_only = ModelInputs.parse({"diagnosis_flags": {"icd10": ["I10"]}}, {"diagnosis": {"icd10": ["J18"]}})
    frame, y = model_frame(TABLES, flags_only)
    assert sorted(frame.index) == ["p1", "p2", "p3", "p4"]
    assert dict(zip(frame.index, y, strict=True))["p4"] == 1.0


def test_labs_without_a_published_scale_are_standardized_from_the_hospitals_own_rows() -> None:
    rng = np.random.default_rng(0)
    ids = [f"q{i}" for i in range(400)]
    labs = pd.DataFrame(
        [(p, "718-7", v) for p, v in zip(ids, rng.normal(140, 15, 400), strict=True)]
        + [(p, "4548-4", v) for p, v in zip(ids, rng.normal(6.6, 1.0, 400), strict=True)],
        columns=["patient_id", "loinc", "value"],
    )
    dx = pd.DataFrame([(p, "E11") for p in ids[:100]], columns=["patient_id", "icd10"])
    inputs = ModelInputs.parse({"loinc": ["4548-4", "718-7"]})
    part = asset_partition("h", {"labs": labs, "diagnoses": dx}, inputs)
    own = part.x_train[:, 1]
    assert abs(own.mean()) < 1e-9 and own.std() == pytest.approx(1.0)  # own mean and sd
    assert part.x_train[:, 0].mean() == pytest.approx((6.6 - 5.6) / 1.0, abs=0.15)  # reference scale
    published = asset_partition("h", {"labs": labs, "diagnoses": dx}, inputs, {"718-7": (100.0, 10.0)})
    assert published.x_train[:, 1].mean() == pytest.approx(4.0, abs=0.3)
    assert len(part.y_test) + len(part.y_train) == 400 and 0 < part.y_train.mean() < 1


def test_a_feature_the_product_does_not_offer_is_named_in_the_refusal() -> None:
    ok = ModelInputs.parse(CHOSEN, {"diagnosis": {"icd10": ["E11.9"]}})
    check_offered(ok, OFFER, "h0")  # I10 under I, A10B under A10, E11.9 under E11
    bad = ModelInputs.parse(
        {**CHOSEN, "loinc": ["4548-4", "8462-4"], "medication_flags": {"atc": ["C08"]}},
        {"diagnosis": {"icd10": ["J18"]}},
    )
    with pytest.raises(InvalidInput) as err:
        check_offered(bad, OFFER, "h0")
    assert err.value.code == "fl_feature_not_offered"
    assert "loinc:8462-4, atc:C08, outcome icd10:J18" in err.value.message
    assert not_offered(ModelInputs.parse(CHOSEN, {"lab": {"loinc": "2345-7", "max": 7.0}}), OFFER) == [
        "outcome loinc:2345-7"
    ]


def test_flags_accept_the_code_systems_cohorts_accept() -> None:
    """issue 16 (d): a hospital's local code systems (and FHIR system URIs) as HE cohorts take them."""
    dx = pd.DataFrame(
        [("p1", "HIS-DX", "K29.7"), ("p2", "HIS-DX", "J18"), ("p3", "http://snomed.info/sct", "44054006")],
        columns=["patient_id", "code_system", "code"],
    )
    rx = pd.DataFrame(
        [("p1", "urn:oid:1.2.156.1.1", "X0201"), ("p3", "urn:oid:1.2.156.1.1", "Y01")],
        columns=["patient_id", "code_system", "code"],
    )
    chosen = {
        "loinc": ["4548-4"],
        "diagnosis_flags": {"HIS-DX": ["K29"], "http://snomed.info/sct": ["4405"]},
        "medication_flags": {"urn:oid:1.2.156.1.1": ["X02"]},
    }
    inputs = ModelInputs.parse(chosen, {"diagnosis": {"HIS-DX": ["J18"]}})
    assert inputs.names == ["loinc:4548-4", "HIS-DX:K29", "snomed_ct:4405", "urn:oid:1.2.156.1.1:X02"]
    frame, y = model_frame({"labs": LABS, "diagnoses": dx, "medications": rx}, inputs)
    assert list(frame["HIS-DX:K29"]) == [1.0, 0.0, 0.0, 0.0]
    assert list(frame["snomed_ct:4405"]) == [0.0, 0.0, 1.0, 0.0]
    assert list(frame["urn:oid:1.2.156.1.1:X02"]) == [1.0, 0.0, 0.0, 0.0]
    assert list(y) == [0.0, 1.0, 0.0, 0.0]
    offer = {
        "features": {
            "loinc": ["4548-4"],
            "diagnosis_flags": {"HIS-DX": ["K"], "snomed_ct": ["44"]},
            "medication_flags": {"urn:oid:1.2.156.1.1": ["X"]},
        },
        "outcomes": {"diagnosis": {"HIS-DX": ["J"]}},
    }
    assert not_offered(inputs, offer) == []
    assert not_offered(inputs, {**offer, "outcomes": {"diagnosis": {"OTHER-DX": ["J"]}}}) == [
        "outcome HIS-DX:J18"
    ]


@pytest.mark.parametrize(
    ("features", "outcome"),
    [
        ({"loinc": ["4548-4"], "vitals": ["x"]}, None),
        ({"loinc": ["HbA1c"]}, None),
        ({"loinc": []}, None),
        ({"loinc": ["4548-4", "4548-4"]}, None),
        ({"diagnosis_flags": {"atc": ["A10"]}}, None),  # a medication system for a diagnosis
        ({"medication_flags": {"icd10": ["E11"]}}, None),
        ({"diagnosis_flags": {"local dx?": ["250"]}}, None),  # not a code system name
        ({"loinc": ["4548-4"]}, {"lab": {"loinc": "4548-4", "min": 6.5}}),  # the outcome as a feature
        (None, {"lab": {"loinc": "4548-4"}}),
        (None, {"lab": {"loinc": "4548-4", "min": 7, "max": 6}}),
        (None, {"diagnosis": {"icd10": []}}),
        (None, {"diagnosis": {"icd10": ["E11"]}, "lab": {"loinc": "4548-4", "min": 1}}),
    ],
)
def test_malformed_choices_are_refused(features: object, outcome: object) -> None:
    with pytest.raises(InvalidInput) as err:
        ModelInputs.parse(features, outcome)
    assert err.value.code == "fl_features_invalid"


def test_the_job_spec_carries_its_inputs_through_json() -> None:
    inputs = ModelInputs.parse(CHOSEN, {"lab": {"loinc": "2345-7", "min": 7.0}})
    spec = JobSpec(
        "job_x",
        2,
        2,
        features=inputs.width,
        inputs=inputs,
        participants={"a": Participant("c1"), "b": Participant("c2")},
    )
    again = JobSpec.from_json(spec.to_json())
    assert again == spec and again.clinical_inputs.names == inputs.names
    # a job stored before features could be chosen (a target, six features) reads as the defaults
    raw = json.loads(spec.to_json())
    del raw["inputs"]
    legacy = json.dumps({**raw, "target": "E11", "features": 6})
    assert JobSpec.from_json(legacy).clinical_inputs == ModelInputs()
    with pytest.raises(InvalidInput):
        JobSpec("job_y", 2, 2, features=5, inputs=inputs).validate()


def test_brier_score_in_the_report() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([0.9, 0.2, 0.6, 0.4])
    assert brier(y, p) == pytest.approx((0.01 + 0.04 + 0.16 + 0.16) / 4)
    assert report(y, p)["brier"] == pytest.approx(0.0925)


def _cohort(n: int = 600, seed: int = 3) -> dict[str, pd.DataFrame]:
    """Hand-rolled patients: diabetics (E11) have higher HbA1c and mostly take A10B drugs."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i}" for i in range(n)]
    sick = rng.random(n) < 0.3
    labs = pd.DataFrame(
        [(p, "4548-4", rng.normal(7.5 if s else 5.5, 0.8)) for p, s in zip(ids, sick, strict=True)]
        + [(p, "718-7", rng.normal(135, 15)) for p in ids],
        columns=["patient_id", "loinc", "value"],
    )
    dx = pd.DataFrame(
        [(p, "E11.9") for p, s in zip(ids, sick, strict=True) if s], columns=["patient_id", "icd10"]
    )
    meds = pd.DataFrame(
        [(p, "A10BA02") for p, s in zip(ids, sick, strict=True) if s and rng.random() < 0.7],
        columns=["patient_id", "atc"],
    )
    return {"labs": labs, "diagnoses": dx, "medications": meds}


@pytest.mark.parametrize(
    ("kind", "epochs", "lr"), [("logreg", 200, 0.5), ("mlp", 200, 0.5), ("xgboost", 10, 0.3)]
)
def test_every_model_type_learns_from_chosen_features(kind: str, epochs: int, lr: float) -> None:
    from node.federated.models import make_model

    inputs = ModelInputs.parse({"loinc": ["4548-4", "718-7"], "medication_flags": {"atc": ["A10B"]}})
    part = asset_partition("h", _cohort(), inputs)
    model = make_model(kind, inputs.width)
    model.fit(part.x_train, part.y_train, epochs, lr)
    r = report(part.y_test, model.predict(part.x_test))
    assert r["auc"] > 0.9 and r["accuracy"] > 0.8 and r["brier"] < 0.12, r


def test_tree_updates_carry_only_the_new_trees_and_malformed_ones_are_refused() -> None:
    from flwr.serverapp.strategy.strategy_utils import aggregate_bagging

    from node.federated.trees import BoostedTrees

    part = asset_partition("h", _cohort(), ModelInputs.parse({"loinc": ["4548-4", "718-7"]}))
    first = BoostedTrees(2)
    first.fit(part.x_train, part.y_train, 3, 0.3)
    glob = first.get()[0]
    second = BoostedTrees(2)
    second.set([glob])
    second.fit(part.x_train, part.y_train, 4, 0.3)
    new = second.get()[0]
    trees = json.loads(new.tobytes())["learner"]["gradient_booster"]["model"]["trees"]
    assert len(trees) == 4  # only this hospital's new trees travel
    merged = BoostedTrees(2)
    merged.set([np.frombuffer(aggregate_bagging(glob.tobytes(), new.tobytes()), dtype=np.uint8)])
    assert auc_of(merged, part) > 0.9
    for bad in ([np.zeros(3)], [np.frombuffer(b"not a model", dtype=np.uint8)]):
        with pytest.raises(InvalidInput) as err:
            m = BoostedTrees(2)
            m.set(bad)
            m.predict(part.x_test)
        assert err.value.code == "fl_update_malformed"
    wrong_width = BoostedTrees(5)
    wrong_width.set([glob])
    with pytest.raises(InvalidInput):
        wrong_width.predict(np.zeros((2, 5)))


def auc_of(model: object, part: object) -> float:
    from node.federated.metrics import auc

    return auc(part.y_test, model.predict(part.x_test))  # type: ignore[attr-defined]


def test_trees_run_without_secure_aggregation_or_dp() -> None:
    from node.federated.services import job_spec

    hospitals = {f"h{i}": {"contract_id": f"ct_{i}"} for i in range(3)}
    spec = job_spec("job_t", {"hospitals": hospitals, "rounds": 2, "model": "xgboost"})
    assert spec.secagg is None and spec.model == "xgboost"
    for bad in ({"secure_aggregation": True}, {"dp_epsilon": 2.0}):
        with pytest.raises(InvalidInput) as err:
            job_spec("job_t", {"hospitals": hospitals, "rounds": 2, "model": "xgboost", **bad})
        assert err.value.code == "fl_job_invalid"
    assert job_spec("job_t", {"hospitals": hospitals, "rounds": 2}).secagg is not None  # others: on


def test_round_metrics_name_each_hospital() -> None:
    from node.federated.flower.server_app import _evaluated

    spec = JobSpec("job_m", 2, 2, participants={"b": Participant("c2"), "a": Participant("c1")})
    rows = [
        (30, {"auc": 0.8, "accuracy": 0.7, "ece": 0.1, "brier": 0.2, "hospital": 0}),
        (10, {"auc": 0.6, "accuracy": 0.9, "ece": 0.3, "brier": 0.1, "hospital": 1}),
        (10, {"auc": 0.1, "accuracy": 0.1, "ece": 0.1, "brier": 0.1, "hospital": 7}),  # no such hospital
    ]
    out = _evaluated(spec, rows)
    assert out["a.auc"] == 0.8 and out["b.accuracy"] == 0.9 and out["a.n"] == 30.0
    assert not any(k.startswith("7") for k in out) and len([k for k in out if "." in k]) == 10
    assert out["auc"] == pytest.approx((30 * 0.8 + 10 * 0.6 + 10 * 0.1) / 50)
