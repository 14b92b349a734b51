"""The coordinator's rules on the replies of a round, without a runtime: malformed updates count as
a hospital's absence, too few hospitals stop the job, refusals are read without their traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flwr.app import ArrayRecord, Message, MetricRecord, RecordDict
from flwr.supercore.task_identity import TaskIdentity

from node.federated.flower.server_app import HospitalFedAvg, _reason, _Round
from node.federated.flower.sinks import JobStopped, MemorySink
from node.federated.spec import JobSpec

SHAPES = [(6,), (1,)]


@pytest.fixture(autouse=True)
def task_identity() -> Iterator[None]:
    """Messages need the identity a Flower runtime gives its process; restored afterwards."""
    saved = {k: getattr(TaskIdentity, k) for k in ("_run_id", "_node_id", "_task_id")}
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, 1, 1
    yield
    for k, v in saved.items():
        setattr(TaskIdentity, k, v)


def _reply(arrays: list[Any], n: Any = 50) -> Message:
    content = RecordDict(
        {"arrays": ArrayRecord(arrays), "metrics": MetricRecord({"num-examples": n, "train_loss": 0.3})}
    )
    return Message(content, dst_node_id=0, message_type="train")


def _strategy(minimum: int) -> tuple[HospitalFedAvg, _Round]:
    spec = JobSpec("job_t", 3, 2, features=6, min_hospitals=minimum)
    rnd = _Round(spec, MemorySink())
    return HospitalFedAvg(spec, rnd, SHAPES), rnd


def test_malformed_updates_are_left_out_and_counted_as_absent() -> None:
    strategy, rnd = _strategy(minimum=2)
    good = [_reply([np.ones(6), np.zeros(1)]), _reply([np.full(6, 3.0), np.ones(1)])]
    bad = [
        _reply([np.ones(5), np.zeros(1)]),  # another model's shape
        _reply([np.array([np.nan] * 6), np.zeros(1)]),  # not finite
        _reply([np.ones(6), np.zeros(1)], n=0),  # no examples
    ]
    rnd.begin(1)
    arrays, _ = strategy.aggregate_train(1, good + bad)
    assert rnd.trained == 2 and len(rnd.refused) == 3
    assert all(r.startswith("fl_update_malformed") for r in rnd.refused)
    assert arrays is not None and np.allclose(arrays.to_numpy_ndarrays()[0], 2.0)  # mean of the good two


def test_too_few_hospitals_stop_the_job() -> None:
    strategy, rnd = _strategy(minimum=3)
    rnd.begin(1)
    with pytest.raises(JobStopped) as stop:
        strategy.aggregate_train(1, [_reply([np.ones(6), np.zeros(1)]), _reply([np.ones(5), np.zeros(1)])])
    assert stop.value.code == "fl_too_few_hospitals"
    assert stop.value.reason.startswith("round 1: 1 of 3 hospitals took part (minimum 3)")


def test_a_stop_request_ends_the_job_before_the_next_round() -> None:
    sink = MemorySink(stop="contract ct_1 ended: REVOKED")
    rnd = _Round(JobSpec("job_t", 3, 2), sink)
    with pytest.raises(JobStopped) as stop:
        rnd.begin(2)
    assert (stop.value.code, stop.value.reason) == ("fl_stop_requested", "contract ct_1 ended: REVOKED")


def test_refusals_are_read_without_the_runtime_traceback() -> None:
    wrapped = (
        "<class 'ray.exceptions.RayTaskError(ClientAppException)'>:<'Traceback ...\n"
        "node.federated.flower.client_app.RoundRefused: usage_denied: use denied by policy: uses_left\n"
        "Exception ClientAppException occurred. Message: usage_denied: use denied by policy: uses_left'>"
    )
    assert _reason(wrapped) == "usage_denied: use denied by policy: uses_left"
    assert _reason("<class 'KeyError'>:<'x'>") == "fl_client_error: a hospital's ClientApp failed"


def test_the_simulation_engine_loop_is_replaced_once_and_only_if_it_has_the_expected_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flwr.server.superlink.fleet.vce import vce_api

    from node.federated.flower.simulation import prompt_engine

    def upstream(state: Any, queue: Any, nodes_mapping: Any, f_stop: Any) -> None: ...

    monkeypatch.setattr(vce_api, "add_messages_to_queue", upstream)  # flwr's shape; restored afterwards
    prompt_engine()
    replaced = vce_api.add_messages_to_queue
    assert replaced is not upstream and getattr(replaced, "prompt", False)
    prompt_engine()
    assert vce_api.add_messages_to_queue is replaced  # idempotent

    def changed_upstream(state: Any, queue: Any) -> None: ...

    monkeypatch.setattr(vce_api, "add_messages_to_queue", changed_upstream)
    with pytest.raises(RuntimeError, match="no longer has the message loop"):
        prompt_engine()
