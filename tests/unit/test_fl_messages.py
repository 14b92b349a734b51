"""A model's arrays on the wire (node/federated/flower/messages.py): several float arrays travel as one
vector, fewer objects a message, the same model at both ends."""

from __future__ import annotations

import numpy as np
import pytest
from flwr.app import ArrayRecord, ConfigRecord, RecordDict
from flwr.supercore.inflatable.inflatable_object import get_all_nested_objects

from node.errors import InvalidInput
from node.federated.flower.messages import pack, unpack

rng = np.random.default_rng(7)
MLP = [rng.normal(size=(15, 16)), rng.normal(size=16), rng.normal(size=(16, 1)), rng.normal(size=1)]


def test_several_float_arrays_travel_as_one_vector_and_come_back_in_their_shapes() -> None:
    wire = pack(MLP)
    assert len(wire) == 1 and wire[0].shape == (15 * 16 + 16 + 16 + 1,)
    back = unpack(wire, [a.shape for a in MLP])
    assert [a.shape for a in back] == [a.shape for a in MLP]
    assert all(np.array_equal(a, b) for a, b in zip(back, MLP, strict=True))


def test_fedavg_on_the_vector_is_fedavg_on_the_arrays() -> None:
    models = [[a + i for a in MLP] for i in range(3)]
    weights = np.array([120.0, 80.0, 200.0])
    on_wire = sum(w * pack(m)[0] for w, m in zip(weights, models, strict=True)) / weights.sum()
    per_array = [
        sum(w * m[k] for w, m in zip(weights, models, strict=True)) / weights.sum() for k in range(len(MLP))
    ]
    back = unpack([on_wire], [a.shape for a in MLP])
    assert all(np.allclose(a, b) for a, b in zip(back, per_array, strict=True))


def test_one_array_and_byte_models_are_left_as_they_are() -> None:
    trees = [np.frombuffer(b"xgboost model bytes", dtype=np.uint8)]
    assert pack(trees)[0] is trees[0]
    stats = [rng.normal(size=(40, 2))]
    assert pack(stats)[0] is stats[0] and unpack(stats, [(40, 2)])[0] is stats[0]
    mixed = [rng.normal(size=3), np.zeros(2, dtype=np.uint8)]
    assert pack(mixed) == mixed


def test_a_vector_that_does_not_fit_the_model_is_refused_as_malformed() -> None:
    with pytest.raises(InvalidInput) as e:
        unpack([np.zeros(10)], [a.shape for a in MLP])
    assert e.value.code == "fl_update_malformed"
    with pytest.raises(InvalidInput):
        unpack([np.zeros((273, 1))], [a.shape for a in MLP])  # right size, not a vector


def test_a_packed_model_message_is_fewer_objects() -> None:
    def objects(arrays: list[np.ndarray]) -> int:
        content = RecordDict({"arrays": ArrayRecord(arrays), "config": ConfigRecord({"job": "{}"})})
        return len(get_all_nested_objects(content))

    assert objects(MLP) == 11 and objects(pack(MLP)) == 5  # plus the Message itself
