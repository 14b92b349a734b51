"""Federated-learning building blocks without Flower: metrics, models, the non-IID split."""

from __future__ import annotations

import numpy as np
import pytest

from node.errors import InvalidInput
from node.federated.data import pooled_standardization, wisconsin_partitions
from node.federated.metrics import accuracy, auc, expected_calibration_error
from node.federated.models import LogisticRegression, make_model


def test_auc_matches_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200).astype(float)
    s = np.round(rng.random(200), 1)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (
        len(pos) * len(neg)
    )
    assert auc(y, s) == pytest.approx(pairwise)
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert np.isnan(auc(np.ones(3), np.array([0.1, 0.2, 0.3])))


def test_accuracy_and_calibration() -> None:
    y = np.array([0, 0, 1, 1])
    assert accuracy(y, np.array([0.1, 0.6, 0.7, 0.4])) == 0.5
    assert expected_calibration_error(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert expected_calibration_error(y, np.full(4, 0.9)) == pytest.approx(0.4)


def test_partitions_are_disjoint_skewed_and_pooled_standardization_is_exact() -> None:
    parts = wisconsin_partitions(3, alpha=0.5, seed=7)
    sizes = [len(p.y_train) + len(p.y_test) for p in parts]
    assert sum(sizes) == 569 and min(sizes) > 0
    rates = [p.y_train.mean() for p in parts]
    assert max(rates) - min(rates) > 0.1  # label skew: non-IID
    blocks = [np.random.default_rng(i).normal(i, 1 + i, (50 + i, 4)) for i in range(3)]
    mean, std = pooled_standardization(blocks)
    everything = np.vstack(blocks)
    assert np.allclose(mean, everything.mean(axis=0)) and np.allclose(std, everything.std(axis=0), atol=1e-6)


def test_models_learn_and_refuse_malformed_updates() -> None:
    parts = wisconsin_partitions(3)
    x = np.vstack([p.x_train for p in parts])
    y = np.concatenate([p.y_train for p in parts])
    for kind in ("logreg", "mlp"):
        m = make_model(kind, x.shape[1])
        before = auc(y, m.predict(x) + np.random.default_rng(0).random(len(y)) * 1e-9)
        m.fit(x, y, 200, 0.5)
        assert auc(y, m.predict(x)) > max(0.95, before)
    lr = LogisticRegression(3)
    for bad in ([np.zeros(4), np.zeros(1)], [np.zeros(3)], [np.array([np.nan, 0, 0]), np.zeros(1)]):
        with pytest.raises(InvalidInput) as err:
            lr.set(bad)
        assert err.value.code == "fl_update_malformed"
    with pytest.raises(InvalidInput):
        make_model("forest", 3)


def test_wisconsin_data_read_without_scikit_learn_equals_its_loader() -> None:
    from sklearn.datasets import load_breast_cancer

    from node.federated.data import _wisconsin

    x, y = _wisconsin()
    data = load_breast_cancer()
    assert np.array_equal(x, data.data) and np.array_equal(y, (data.target == 0).astype(float))


def test_a_job_request_names_contracts_only_and_stored_specs_drop_old_product_ids() -> None:
    from node.errors import InvalidInput
    from node.federated.services import job_spec
    from node.federated.spec import JobSpec

    hospitals = {"a": {"contract_id": "ct_a"}, "b": {"contract_id": "ct_b"}}
    spec = job_spec("job_1", {"hospitals": hospitals, "rounds": 2})
    assert {k: p.contract_id for k, p in spec.participants.items()} == {"a": "ct_a", "b": "ct_b"}
    for extra in ({"product_id": "pd_b"}, {"assets": ["as_1"]}):
        with pytest.raises(InvalidInput) as err:
            job_spec(
                "job_1", {"hospitals": {**hospitals, "a": {"contract_id": "ct_a", **extra}}, "rounds": 2}
            )
        assert err.value.code == "fl_job_invalid" and next(iter(extra)) in err.value.message
    # a spec written before product ids were dropped (a queued job, a run config) still loads, without them
    old = spec.to_json().replace('{"contract_id":"ct_a"}', '{"contract_id":"ct_a","product_id":"pd_b"}')
    assert old != spec.to_json() and JobSpec.from_json(old) == spec


def test_secure_aggregation_configurations_that_hang_or_crash_flower_are_refused() -> None:
    from node.errors import InvalidInput
    from node.federated.spec import JobSpec, SecAggConfig

    assert SecAggConfig.for_hospitals(3) == SecAggConfig(3, 2)
    assert SecAggConfig.for_hospitals(4).num_shares == 3  # odd
    SecAggConfig.for_hospitals(5).validate(5)
    bad = {
        "even shares": (SecAggConfig(4, 2), 5),
        "no timeout": (SecAggConfig(3, 2, timeout_s=0), 3),
        "threshold = shares": (SecAggConfig(3, 3), 3),
        "two hospitals": (SecAggConfig(3, 2), 2),
        "shares > hospitals": (SecAggConfig(5, 3), 3),
    }
    for name, (config, hospitals) in bad.items():
        with pytest.raises(InvalidInput) as err:
            config.validate(hospitals)
        assert err.value.code == "fl_job_invalid", name
    spec = JobSpec("j", 3, 10, local_epochs=2).with_dp(3.0)
    assert spec.dp is not None and spec.epsilon_after(10) <= 3.0 and spec.epsilon_after(0) == 0.0
    assert JobSpec.from_json(spec.to_json()) == spec
    for text in ("[]", '{"job_id": "j"}', spec.to_json().replace('"rounds":10', '"rounds":0')):
        with pytest.raises(InvalidInput):
            JobSpec.from_json(text)


def test_job_state_machine_and_canonical_model_bytes() -> None:
    from node.errors import Conflict, InvalidInput
    from node.federated.jobs import JobState, TrainingJob, load_model_bytes, model_bytes, model_digest
    from node.federated.spec import JobSpec

    job = TrainingJob("job_1", "pt_1", JobSpec("job_1", 3, 2), JobState.CREATED, 1, 1)
    running = job.to(JobState.RUNNING, 2)
    done = running.to(JobState.COMPLETED, 3, model_id="mdl_1")
    for illegal in ((done, JobState.RUNNING), (job, JobState.COMPLETED)):
        with pytest.raises(Conflict):
            illegal[0].to(illegal[1], 4)
    claimed = job.to(JobState.STARTING, 2)  # a runtime claimed it; one that cannot run it hands it back
    assert claimed.to(JobState.CREATED, 3).state == JobState.CREATED
    assert claimed.to(JobState.RUNNING, 3).state == JobState.RUNNING
    for state in (JobState.STARTING, JobState.CREATED):  # never claimed twice, never back from running
        with pytest.raises(Conflict):
            running.to(state, 4)
    with pytest.raises(Conflict):
        claimed.to(JobState.STARTING, 4)
    arrays = [np.array([0.5, -1.25]), np.array([3.0])]
    blob = model_bytes("logreg", 2, arrays)
    assert blob == model_bytes("logreg", 2, [a.copy() for a in arrays])  # canonical: same bytes, same digest
    assert len(model_digest(blob)) == 64
    kind, features, back = load_model_bytes(blob)
    assert (kind, features) == ("logreg", 2) and all(
        np.array_equal(a, b) for a, b in zip(arrays, back, strict=True)
    )
    with pytest.raises(InvalidInput):
        model_bytes("logreg", 2, [np.array([np.nan])])
    with pytest.raises(InvalidInput):
        load_model_bytes(b"{}")


def test_secure_aggregation_stages_wait_as_long_as_the_round_allows_or_as_the_job_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A SecAgg+ stage used to give up after a fixed 60 s (``fl_secagg_halted`` on a loaded machine
    whatever the job's round timeout): its wait is now the job's round timeout shared among the
    protocol's stages, or the job's own ``secagg_timeout_s``, and is what Flower's workflow gets."""
    from node.errors import InvalidInput
    from node.federated.flower import server_app
    from node.federated.services import job_spec
    from node.federated.spec import SECAGG_STAGES, JobSpec

    hospitals = {n: {"contract_id": f"ct_{n}"} for n in "abc"}
    default = job_spec("job_1", {"hospitals": hospitals, "rounds": 2})
    assert default.secagg is not None and default.secagg_timeout_s == 600.0 / SECAGG_STAGES > 60
    slow = job_spec("job_1", {"hospitals": hospitals, "rounds": 2, "round_timeout_s": 2400})
    assert slow.secagg_timeout_s == 600.0  # scales with the round timeout
    set_ = job_spec("job_1", {"hospitals": hospitals, "rounds": 2, "secagg_timeout_s": 90})
    assert set_.secagg_timeout_s == 90.0 and JobSpec.from_json(set_.to_json()) == set_
    for bad in (0, -1, 3601, "60", True):
        with pytest.raises(InvalidInput) as err:
            job_spec("job_1", {"hospitals": hospitals, "rounds": 2, "secagg_timeout_s": bad})
        assert err.value.code == "fl_job_invalid"
    with pytest.raises(InvalidInput):  # a stage cannot outlast the round
        job_spec(
            "job_1", {"hospitals": hospitals, "rounds": 2, "round_timeout_s": 60, "secagg_timeout_s": 90}
        )

    given: dict[str, float] = {}

    class Workflow:
        def __init__(self, **kwargs: float) -> None:
            given.update(kwargs)
            raise RuntimeError("stop here")

    monkeypatch.setattr(server_app, "SecAggPlusWorkflow", Workflow)
    from flwr.app import ConfigRecord, Context, RecordDict

    context = Context(run_id=1, node_id=0, node_config={}, state=RecordDict(), run_config={})
    rnd = server_app._Round(slow, None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="stop here"):
        server_app._secure(None, context, slow, rnd, [np.zeros(3)], ConfigRecord({}))  # type: ignore[arg-type]
    assert given["timeout"] == 600.0
