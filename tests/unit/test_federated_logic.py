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
