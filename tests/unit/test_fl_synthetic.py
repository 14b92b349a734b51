"""The realistic benchmark's generated patients (node.federated.synthetic) and DP training of the MLP."""

from __future__ import annotations

import numpy as np
import pytest

from node.errors import InvalidInput
from node.federated.data import benchmark_partition, benchmark_partitions, workload_width
from node.federated.metrics import auc
from node.federated.models import LogisticRegression, Mlp, make_model
from node.federated.spec import JobSpec
from node.federated.synthetic import FEATURES, patients, risk


def test_each_hospital_generates_the_same_patients_from_the_seed_alone() -> None:
    x, y = patients(1, 500, seed=7)
    x2, y2 = patients(1, 500, seed=7)
    assert x.shape == (500, len(FEATURES)) and y.shape == (500,)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(x, patients(1, 500, seed=8)[0])  # another seed, other patients
    assert not np.array_equal(x, patients(2, 500, seed=7)[0])  # another hospital, other patients
    assert set(np.unique(y)) == {0.0, 1.0} and np.isfinite(x).all()
    flags = [FEATURES.index(f) for f in ("female", "dx_t2d", "smoker", "med_metformin", "med_statin")]
    assert set(np.unique(x[:, flags])) <= {0.0, 1.0}
    # one partition alone equals the same hospital's partition among all of them, held-out share 25%
    alone = benchmark_partition("realistic", 2, 3, seed=7, patients=800)
    among = benchmark_partitions("realistic", 3, seed=7, patients=800)[2]
    assert np.array_equal(alone.x_test, among.x_test) and np.array_equal(alone.y_train, among.y_train)
    assert len(alone.y_train) + len(alone.y_test) == 800 and 0.2 < len(alone.y_test) / 800 < 0.3
    assert alone.x_train.shape[1] == workload_width("realistic") == len(FEATURES)


def test_hospitals_differ_in_case_mix() -> None:
    """Non-IID: the tertiary hospital's patients are older, the diabetes centre's more often diabetic."""
    data = [patients(h, 5000, seed=42) for h in range(3)]
    age, t2d = FEATURES.index("age"), FEATURES.index("dx_t2d")
    ages = [x[:, age].mean() for x, _ in data]
    diabetes = [x[:, t2d].mean() for x, _ in data]
    rates = [y.mean() for _, y in data]
    assert ages[0] - ages[1] > 10 and diabetes[2] > 2 * diabetes[0] > 0
    assert max(rates) - min(rates) > 0.02 and all(0.05 < r < 0.3 for r in rates)


def test_the_outcome_is_a_nonlinear_function_of_the_features() -> None:
    """The log-odds are not linear in the features (a least-squares fit leaves much unexplained), and a
    model that can bend (trees) separates held-out patients better than logistic regression."""
    x, _ = patients(0, 20_000, seed=3)
    logit = risk(x)
    design = np.column_stack([x, np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, logit, rcond=None)
    r2 = 1 - ((design @ coef - logit) ** 2).sum() / ((logit - logit.mean()) ** 2).sum()
    assert r2 < 0.8
    part = benchmark_partition("realistic", 0, 3, seed=3, patients=20_000)
    linear = LogisticRegression(len(FEATURES))
    linear.fit(part.x_train, part.y_train, 300, 0.5)
    trees = make_model("xgboost", len(FEATURES))
    trees.fit(part.x_train, part.y_train, 100, 0.1)
    auc_linear = auc(part.y_test, linear.predict(part.x_test))
    auc_trees = auc(part.y_test, trees.predict(part.x_test))
    assert auc_linear > 0.6 and auc_trees > auc_linear + 0.015


def test_a_job_names_a_known_workload_and_a_sane_patient_count() -> None:
    spec = JobSpec("j", 3, 2, "mlp", features=len(FEATURES), workload="realistic", patients=500)
    assert JobSpec.from_json(spec.to_json()) == spec
    for bad in ({"workload": "mimic"}, {"patients": 10}):
        with pytest.raises(InvalidInput) as err:
            JobSpec("j", 3, 2, **bad).validate()  # type: ignore[arg-type]
        assert err.value.code == "fl_job_invalid"
    JobSpec("j", 3, 2, "mlp").with_dp(3.0).validate()  # DP gradient descent for the MLP too
    with pytest.raises(InvalidInput):
        JobSpec("j", 3, 2, "xgboost").with_dp(3.0).validate()


def test_dp_training_of_the_mlp_clips_each_record_and_is_exact_without_clipping() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5))
    y = (x[:, 0] * x[:, 1] > 0).astype(float)
    plain, private = Mlp(5), Mlp(5)
    plain.fit(x, y, 3, 0.5)
    private.fit_dp(x, y, 3, 0.5, clip=1e6, noise=1e-12)  # no record clipped, negligible noise
    for a, b in zip(plain.get(), private.get(), strict=True):
        assert np.allclose(a, b, atol=1e-6)
    # with a tight clip, one step moves the parameters by at most lr * (clip + noise) / n in norm
    start = Mlp(5)
    clipped = Mlp(5)
    clipped.fit_dp(x, y, 1, 1.0, clip=0.01, noise=1e-9)
    moved = np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(clipped.get(), start.get(), strict=True)))
    l2_part = 1.0 * 1e-3 * np.sqrt(sum((a**2).sum() for a in start.get()))  # the weight decay's share
    assert moved <= 0.01 + l2_part + 1e-6
