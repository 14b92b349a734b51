"""DP boosted trees (``node.federated.dp_trees``): data-independent shapes, the release's sensitivity,
the noise the plan asks for, the budget over a job, and trees built from known statistics."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from node.errors import InvalidInput
from node.federated import dp_trees
from node.federated.dp_trees import CANDIDATES, HESSIAN_BOUND, DpTrees, TreePlan, leaf_of, noise_scales
from node.federated.metrics import auc
from node.federated.privacy import epsilon
from node.federated.spec import JobSpec


def _data(n: int = 400, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[:, 3] = rng.random(n) < 0.3  # a 0/1 flag
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1] ** 2 + x[:, 3])))).astype(float)
    return x, y


def test_tree_shapes_come_from_the_seed_and_the_public_scale_not_from_the_rows() -> None:
    plan = TreePlan(trees=6, batch=2, depth=3, seed=7, flags=(3,))
    a, b = DpTrees(4, plan), DpTrees(4, plan)
    x, y = _data()
    a.fit(x, y, 2, 0.3)
    b.fit(x[:50] * 10, 1 - y[:50], 2, 0.3)  # other rows: the same trees
    for t in range(6):
        fa, ta = dp_trees.shape(plan, 4, t)
        fb, tb = dp_trees.shape(plan, 4, t)
        assert (fa == fb).all() and (ta == tb).all()
        assert all(th == 0.5 if f == 3 else th in CANDIDATES for f, th in zip(fa, ta, strict=True))
    other = dp_trees.shape(TreePlan(trees=6, seed=8), 4, 0)[1]
    assert not np.array_equal(dp_trees.shape(plan, 4, 0)[1], other)  # another job, other trees


def test_one_record_moves_a_rounds_release_by_at_most_the_sensitivity() -> None:
    x, y = _data()
    clip, batch = 0.3, 4
    plan = TreePlan(trees=8, batch=batch, depth=3, seed=1)
    bound = dp_trees.sensitivity(clip, batch)
    assert bound == pytest.approx(clip * np.sqrt(2 * batch))
    scale = np.array([1.0, clip / HESSIAN_BOUND])[None, :, None]  # G and H * C / C_H
    worst = 0.0
    for removed in range(0, 400, 37):
        model = DpTrees(4, plan)
        full = model.round_sums(x, y, range(batch), clip)
        keep = np.arange(len(y)) != removed
        without = model.round_sums(x[keep], y[keep], range(batch), clip)
        worst = max(worst, float(np.linalg.norm((full - without) * scale)))
    # the first round's model predicts 0.5 for everyone: |g| = 0.5 is clipped to 0.3 and h = 1/4 is
    # the hessian bound, so every record attains the bound
    assert worst == pytest.approx(bound)
    # without clipping the same record would move it further: the clip is what bounds it
    model = DpTrees(4, plan)
    loose = model.round_sums(x, y, range(batch), 1.0) - model.round_sums(x[1:], y[1:], range(batch), 1.0)
    assert np.linalg.norm(loose * np.array([1.0, 1.0 / HESSIAN_BOUND])[None, :, None]) > bound


def test_noise_has_the_scale_the_plan_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[int, float]] = []

    def fake(size: int, std: float) -> list[float]:
        asked.append((size, std))
        return [0.0] * size

    monkeypatch.setattr(dp_trees, "gaussian_noise", fake)
    spec = JobSpec("j", 3, 10, "dp_trees", local_epochs=4, lr=0.5, features=4).with_dp(3.0, clip=0.5)
    assert spec.dp is not None
    z = spec.dp.noise_multiplier
    model = spec.new_model()
    assert isinstance(model, DpTrees)
    x, y = _data()
    model.fit_dp(x, y, 4, 0.5, spec.dp.clip, z)
    g_sd, h_sd = z * 0.5 * np.sqrt(8), z * HESSIAN_BOUND * np.sqrt(8)
    assert asked == [(4 * 8, pytest.approx(g_sd)), (4 * 8, pytest.approx(h_sd))]
    assert noise_scales(0.5, z, 4) == (pytest.approx(g_sd), pytest.approx(h_sd))
    # with the noise zeroed, the round's statistics are the clipped sums per record
    exact = DpTrees(4, spec.tree_plan()).round_sums(x, y, range(4), 0.5) / len(y)
    stats = model.get()[0]
    assert np.allclose(stats[:4, :2], exact) and not stats[4:].any()
    assert np.allclose(stats[:4, 2], h_sd / len(y))  # the public noise level travels with the sums


def test_a_job_spends_one_gaussian_mechanism_a_round_within_its_budget() -> None:
    spec = JobSpec("j", 3, 20, "dp_trees", local_epochs=5, features=4).with_dp(3.0)
    assert spec.dp is not None and spec.dp.steps == 20  # rounds, not trees: one release a round
    spent = [spec.epsilon_after(r) for r in range(21)]
    assert spent[0] == 0 and all(a < b for a, b in itertools.pairwise(spent))
    assert spent[20] <= 3.0 and spent[20] == pytest.approx(epsilon(20, spec.dp.noise_multiplier, 1e-5))
    assert epsilon(20, spec.dp.noise_multiplier * 0.99, 1e-5) > 3.0  # the noise is no larger than needed
    assert JobSpec.from_json(spec.to_json()) == spec.validate()
    longer = JobSpec("j", 3, 21, "dp_trees", local_epochs=5, features=4, dp=spec.dp)
    with pytest.raises(InvalidInput):
        longer.validate()  # a 21st round would exceed the budget
    with pytest.raises(InvalidInput) as err:
        JobSpec("j", 3, 20, "xgboost").with_dp(3.0).validate()
    assert "dp_trees" in err.value.message
    with pytest.raises(InvalidInput):  # every party holds every tree: the job's size is bounded
        JobSpec("j", 3, 1000, "dp_trees", local_epochs=3, features=4).validate()


def test_a_tree_built_from_known_statistics() -> None:
    plan = TreePlan(trees=2, batch=1, depth=1, seed=0, lr=0.5, reg=0.05, noise_reg=2.0, max_leaf=2.0)
    model = DpTrees(1, plan)
    feature, threshold = dp_trees.shape(plan, 1, 0)
    assert feature.tolist() == [0]
    stats = np.zeros((2, 3, 2))
    # G and H per leaf (the second H made negative by noise), and hessian noise 0.025 per record
    stats[0] = [[-0.3, 0.2], [0.4, -0.05], [0.025, 0.025]]
    model.set([stats])
    assert model.built == 1
    x = np.array([[threshold[0] - 1.0], [threshold[0] + 1.0]])
    assert leaf_of(x, feature, threshold, 1).tolist() == [0, 1]
    left = 0.5 * (0.3 / (0.4 + 0.05 + 2.0 * 0.025))  # lr * -G / (H + reg + noise_reg * noise)
    right = 0.5 * -2.0  # -0.2 / (0 + 0.1) = -2 (H floored at 0), clipped to -max_leaf
    assert np.allclose(model.margin(x), [left, right])
    assert np.allclose(model.predict(x), 1 / (1 + np.exp(-np.array([left, right]))))
    with pytest.raises(InvalidInput):
        model.set([np.zeros((2, 2, 2))])
    with pytest.raises(InvalidInput):
        model.set([np.full((2, 3, 2), np.nan)])


def test_federated_statistics_are_the_pooled_ones_and_the_trees_learn() -> None:
    x, y = _data(1200)
    plan = TreePlan(trees=40, batch=4, depth=3, seed=3, flags=(3,), lr=0.5)
    pooled, fed = DpTrees(4, plan), DpTrees(4, plan)
    parts = np.array_split(np.arange(1200), [300, 700])
    for _ in range(10):
        pooled.fit(x, y, 4, 0.5)
        ups = []
        for idx in parts:
            local = DpTrees(4, plan)
            local.set(fed.get())
            local.fit(x[idx], y[idx], 4, 0.5)
            ups.append((len(idx), local.get()[0]))
        fed.set([sum(n * u for n, u in ups) / 1200])  # FedAvg's example-weighted mean
    assert np.allclose(pooled.get()[0], fed.get()[0]) and not pooled.get()[0][:, 2].any()
    assert pooled.built == 40 and auc(y, pooled.predict(x)) > 0.75
    with pytest.raises(InvalidInput) as err:
        pooled.fit(x, y, 1, 0.5)
    assert err.value.code == "fl_trees_exhausted"


def test_labs_without_a_public_scale_are_named_for_dp_trees() -> None:
    from node.federated.assets import unscaled_labs
    from node.federated.features import ModelInputs

    inputs = ModelInputs(loinc=("4548-4", "718-7", "1234-5"))
    assert unscaled_labs(inputs, {}) == ["718-7", "1234-5"]  # 4548-4 (HbA1c) has a reference scale
    assert unscaled_labs(inputs, {"718-7": (140.0, 15.0)}) == ["1234-5"]  # published by the product
    assert unscaled_labs(ModelInputs(), {}) == []  # the six default labs all have one


def test_a_partner_asks_for_dp_trees_with_secure_aggregation_and_a_budget() -> None:
    from node.federated.services import job_spec

    hospitals = {f"h{i}": {"contract_id": f"ct_{i}"} for i in range(3)}
    request = {
        "hospitals": hospitals,
        "rounds": 10,
        "local_epochs": 5,
        "model": "dp_trees",
        "dp_epsilon": 2.0,
    }
    spec = job_spec("job_t", request)
    assert spec.secagg is not None and spec.dp is not None  # summed under SecAgg+ by default
    assert spec.dp.steps == 10 and spec.epsilon_after(10) <= 2.0
    plan = spec.tree_plan()  # six labs, no flags: every split on the reference scale
    assert (plan.trees, plan.batch, plan.flags) == (50, 5, ())
    flagged = job_spec(
        "job_t",
        {**request, "features": {"loinc": ["4548-4"], "diagnosis_flags": {"icd10": ["I10"]}}},
    )
    assert flagged.tree_plan().flags == (1,)  # labs first, then the flags


def test_under_secagg_each_hospital_adds_its_share_of_the_noise_and_the_smallest_sum_carries_it_all() -> None:
    from node.federated.spec import SecAggConfig

    fedavg = JobSpec("j", 3, 20, "dp_trees", local_epochs=10, features=4).with_dp(3.0, clip=0.25)
    assert fedavg.dp is not None and fedavg.dp_noise_divisor == 1  # the coordinator sees every update
    secure = replace(fedavg, secagg=SecAggConfig.for_hospitals(3, 60.0)).validate()
    assert secure.dp_noise_divisor == 2  # SecAgg+ unmasks a sum of at least 2 of the 3 (its threshold)
    sa5 = SecAggConfig.for_hospitals(5, 60.0)
    five = JobSpec("j", 5, 20, "dp_trees", local_epochs=10, features=4, secagg=sa5)
    assert five.with_dp(3.0).dp_noise_divisor == 3 and five.dp_noise_divisor == 1  # no DP, no noise
    logreg = JobSpec("j", 3, 20, "logreg", local_epochs=1, secagg=SecAggConfig.for_hospitals(3, 60.0))
    assert logreg.with_dp(3.0).dp_noise_divisor == 1  # DP gradient descent: updates are not noisy sums
    # the noise a hospital adds under SecAgg+, and what the smallest sum SecAgg+ unmasks carries
    z, s = fedavg.dp.noise_multiplier, dp_trees.sensitivity(0.25, 10)
    full, _ = noise_scales(0.25, z, 10)
    share, _ = noise_scales(0.25, z / np.sqrt(secure.dp_noise_divisor), 10)
    assert full == pytest.approx(z * s) and share == pytest.approx(full / np.sqrt(2))
    smallest = np.sqrt(2 * share**2)  # two hospitals' noise: the full sigma, so the same epsilon
    assert smallest == pytest.approx(full)
    assert epsilon(20, smallest / s, 1e-5) <= 3.0 + 1e-9
    # one hospital's share alone would not be private enough: the divisor must not exceed the threshold
    assert epsilon(20, share / s, 1e-5) > 3.0
    # with all three in the sum the noise is sqrt(3/2) sigma: within the budget with room to spare
    assert epsilon(20, np.sqrt(3) * share / s, 1e-5) < 3.0


def _train_message(with_secagg: bool) -> Any:
    from flwr.app import ConfigRecord, Message, RecordDict
    from flwr.app.message_type import MessageType
    from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS

    content = RecordDict({"config": ConfigRecord({"server-round": 1})})
    if with_secagg:
        content[RECORD_KEY_CONFIGS] = ConfigRecord({"ciphertext_list": []})
    return Message(content=content, dst_node_id=1, message_type=MessageType.TRAIN)


def _context(threshold: int | None) -> Any:
    from flwr.app import ConfigRecord, Context, RecordDict
    from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_STATE

    state = RecordDict()
    if threshold is not None:
        state[RECORD_KEY_STATE] = ConfigRecord({"threshold": threshold, "current_stage": "share_keys"})
    return Context(run_id=1, node_id=1, node_config={}, state=state, run_config={})


@pytest.fixture
def task_identity() -> Any:
    """Messages need the identity a Flower runtime gives its process; restored afterwards."""
    from flwr.supercore.task_identity import TaskIdentity

    saved = {k: getattr(TaskIdentity, k) for k in ("_run_id", "_node_id", "_task_id")}
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, 1, 1
    yield
    for k, v in saved.items():
        setattr(TaskIdentity, k, v)


@pytest.mark.usefixtures("task_identity")
def test_a_hospital_divides_its_noise_only_inside_secagg_and_never_beyond_the_protocols_threshold() -> None:
    from node.federated.flower.client_app import noise_divisor
    from node.federated.spec import SecAggConfig

    sa5 = SecAggConfig.for_hospitals(5, 60.0)
    spec = JobSpec("j", 5, 20, "dp_trees", local_epochs=10, features=4, secagg=sa5).with_dp(3.0)
    assert spec.dp_noise_divisor == 3
    assert noise_divisor(spec, _train_message(True), _context(3)) == 3
    # the job says SecAgg+ but the message is a plain one: the update would reach the coordinator alone
    assert noise_divisor(spec, _train_message(False), _context(3)) == 1
    assert noise_divisor(spec, _train_message(True), _context(None)) == 1  # no protocol state: full noise
    assert noise_divisor(spec, _train_message(True), _context(2)) == 2  # the protocol set up a lower one
    assert noise_divisor(spec, _train_message(True), _context(5)) == 3  # never beyond the job's
    plain = replace(spec, secagg=None)
    assert noise_divisor(plain, _train_message(True), _context(3)) == 1
