"""The coordinator's job registry on one node, without running Flower: who may create jobs, the
checks on this node's own contract, stop requests (by people and by the policy monitor), the
runtime's reports, and the model registry's tamper check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.contracts.enforcement import UsageDenied
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from node.federated.coordinator import START_GRACE_US, JobAlreadyStarted
from node.federated.jobs import JobState
from tests.conftest import FakeClock, make_container
from tests.contract_world import World, build_world


@pytest.fixture
def world(container: Container, tmp_path: Path) -> World:
    return build_world(container, tmp_path / "samples")


def _request(w: World, contract_id: str, **over: Any) -> dict[str, Any]:
    here = w.c.settings.name
    hospitals = {
        here: {"contract_id": contract_id},
        "hospital-b": {"contract_id": "ct_elsewhere"},
        "hospital-c": {"contract_id": "ct_elsewhere2"},
    }
    return {"hospitals": hospitals, "rounds": 3, "local_epochs": 2} | over


def _contract(w: World, uses: int = 5) -> str:
    terms = w.terms("federated_training", "drug_research", max_uses=uses, epsilon=3.0)
    return w.active(w.researcher, w.researcher_key, "aggregate_fl", terms).id


def test_jobs_are_created_by_partners_on_an_active_federated_contract(world: World) -> None:
    w = world
    ct = _contract(w)
    with pytest.raises(PolicyDenied):
        w.c.fl_jobs.create(w.officer, _request(w, ct))
    with pytest.raises(NotFound):  # another partner's contract is not found for this partner
        w.c.fl_jobs.create(w.insurer, _request(w, ct))
    for bad in ({"rounds": 0}, {"model": "gbm"}, {"dp_epsilon": -1}, {"min_hospitals": 9}, {"colour": "red"}):
        with pytest.raises(InvalidInput) as err:
            w.c.fl_jobs.create(w.researcher, _request(w, ct, **bad))
        assert err.value.code == "fl_job_invalid", bad
    job = w.c.fl_jobs.create(w.researcher, _request(w, ct, dp_epsilon=2.0))
    assert job.state == JobState.CREATED and job.spec.secagg is not None and job.spec.dp is not None
    assert [j.id for j in w.c.fl_jobs.list_for(w.researcher)] == [job.id]
    assert w.c.fl_jobs.list_for(w.insurer) == [] and [j.id for j in w.c.fl_coordinator.waiting()] == [job.id]
    with pytest.raises(NotFound):
        w.c.fl_jobs.get(w.insurer, job.id)
    w.c.contracts.revoke(w.officer, ct, "伦理审查撤回")
    with pytest.raises(UsageDenied) as err:
        w.c.fl_jobs.create(w.researcher, _request(w, ct))
    assert "contract_active" in err.value.reasons and err.value.audited
    denied = [e for e in w.c.audit.recent(5) if e.action == "fl.job.create"]
    assert denied and denied[0].outcome == "denied" and "contract_active" in denied[0].details["reasons"]


def test_job_creation_is_decided_by_the_usage_policy_and_meters_nothing(world: World) -> None:
    """issue 15: the job's creation checked the contract's state and mode in Python, so an ACTIVE
    contract whose product was retired (or whose validity had passed) still got a job. The usage policy
    decides it now, as it decides every round, without metering a use."""
    w = world
    ct = _contract(w)
    w.c.fl_jobs.create(w.researcher, _request(w, ct))
    contract = w.c.contracts.get(w.researcher, ct)
    assert (contract.uses, contract.epsilon_spent) == (0, 0.0)  # a decision, not a use
    assert w.c.contracts.usage_of(w.researcher, ct) == []
    w.c.products.set_status(w.officer.id, w.products["aggregate_fl"], ProductStatus.RETIRED)
    with pytest.raises(UsageDenied) as err:
        w.c.fl_jobs.create(w.researcher, _request(w, ct))
    assert err.value.reasons == ["product_in_force"] and err.value.audited
    denied = [e for e in w.c.audit.recent(10) if e.action == "fl.job.create" and e.outcome == "denied"]
    assert [(e.actor, e.object_id, e.details["reasons"]) for e in denied] == [
        (w.researcher.id, ct, ["product_in_force"])
    ]


def test_a_contract_that_ends_asks_its_jobs_to_stop_and_the_runtime_reports_are_kept(world: World) -> None:
    w = world
    ct = _contract(w)
    job = w.c.fl_jobs.create(w.researcher, _request(w, ct))
    jobs = w.c.fl_coordinator
    assert jobs.stop_requested(job.id) is None
    assert jobs.claim(job.id, "system", "simulation").state == JobState.STARTING
    jobs.started(job.id)
    jobs.started(job.id)  # submitted, then started by the ServerApp: one transition
    jobs.record_round(job.id, 1, {"auc": 0.9, "hospitals": 3}, [])
    w.c.contracts.revoke(w.officer, ct, "合作终止")
    assert jobs.stop_requested(job.id) == f"contract {ct} ended: REVOKED"
    ended = jobs.end(job.id, "stopped", "fl_stop_requested", "contract ended")
    assert (ended.state, ended.rounds_done) == (JobState.STOPPED, 1)
    with pytest.raises(Conflict):
        jobs.complete(job.id, [np.zeros(6), np.zeros(1)])
    with pytest.raises(Conflict):
        w.c.fl_jobs.request_stop(w.researcher, job.id, "again")


def test_a_completed_job_registers_its_model_once_and_queues_its_digest(world: World) -> None:
    w = world
    job = w.c.fl_jobs.create(w.researcher, _request(w, _contract(w), secure_aggregation=False))
    w.c.fl_coordinator.started(job.id)
    for r in (1, 2, 3):
        w.c.fl_coordinator.record_round(job.id, r, {"auc": 0.8 + r / 100, "hospitals": 3}, [])
    model = w.c.fl_coordinator.complete(job.id, [np.arange(6, dtype=float), np.array([0.5])])
    assert (model.version, model.metrics["auc"]) == (1, pytest.approx(0.83))
    outbox = w.c.anchoring.pending()
    assert [(o.kind, o.ref, o.digest) for o in outbox] == [("model", model.id, model.digest)]
    assert w.c.fl_coordinator.load(job.id).model_id == model.id
    assert [m.id for m in w.c.fl_jobs.models(w.researcher)] == [model.id] and w.c.fl_jobs.models(
        w.insurer
    ) == []
    w.c.anchoring.deliver()
    got, _ = w.c.fl_jobs.model(w.researcher, model.id)
    assert got.anchor is not None and got.anchor["digest"] == model.digest


def test_the_worker_submits_new_jobs_only_on_a_coordinator_and_retries_while_its_superlink_is_down(
    tmp_path: Path,
) -> None:
    from node.federated.flower.deployment import write_connection
    from tests.chain_support import free_port
    from tests.conftest import make_container, node_env
    from tests.integration.test_cli import run

    url = f"sqlite:///{tmp_path / 'node' / 'node.db'}"
    env = node_env(tmp_path / "node", url)
    assert run("migrate", env=env).returncode == 0
    c = make_container(url, tmp_path / "node")
    w = build_world(c, tmp_path / "samples")
    job = c.fl_jobs.create(w.researcher, _request(w, _contract(w)))
    r = run("worker", "--once", env=env)  # no SuperLink here: jobs wait for a coordinator's `hnode fl run`
    assert r.returncode == 0 and "training job" not in r.stdout + r.stderr
    write_connection(tmp_path / "node" / "fl" / "home", f"localhost:{free_port()}", None)  # nothing listens
    r = run("worker", "--once", env=env)
    assert r.returncode == 0 and f"training job {job.id} not submitted (fl_superlink_unavailable)" in r.stderr
    assert c.fl_coordinator.load(job.id).state == JobState.CREATED  # handed back after the failed submit
    shown = run("fl", "show", job.id, env=env)
    assert shown.returncode == 0 and f"{job.id}  created  rounds 0/3" in shown.stdout
    assert run("fl", "show", "job_missing", env=env).returncode == 2
    c.fl_coordinator.started(job.id, "flower run 7")  # the worker got it through after all
    for runtime in ("deployment", "simulation"):  # then the README's `hnode fl run JOB`
        again = run("fl", "run", job.id, "--runtime", runtime, env=env)
        assert again.returncode == 2, again.stderr
        assert (
            f"job {job.id} was already started (running): not submitted again, nothing charged"
            in again.stderr
        )
    assert c.fl_coordinator.load(job.id).state == JobState.RUNNING
    c.close()


def test_starting_a_started_job_is_a_409_with_its_state_and_charges_nothing(world: World) -> None:
    from fastapi.testclient import TestClient

    from node.api.app import create_app
    from node.sdk.partner import PartnerClient

    w = world
    ct = _contract(w)
    job = w.c.fl_jobs.create(w.researcher, _request(w, ct))
    http = TestClient(create_app(w.c))
    partner = PartnerClient("", w.c.identity.issue_token("cli:t", w.researcher.id).secret, http=http)
    officer = {"Authorization": f"Bearer {w.c.identity.issue_token('cli:t', w.officer.id).secret}"}
    r = http.post(f"/v1/fl/jobs/{job.id}/start", headers=officer)  # this node runs no SuperLink
    assert r.status_code == 503 and r.json()["code"] == "fl_superlink_unavailable"
    assert w.c.fl_coordinator.load(job.id).state == JobState.CREATED  # it waits for a runtime again
    insurer = w.c.identity.issue_token("cli:t", w.insurer.id).secret
    r = http.post(f"/v1/fl/jobs/{job.id}/start", headers={"Authorization": f"Bearer {insurer}"})
    assert r.status_code == 404  # another partner's job

    w.c.fl_coordinator.claim(job.id, "system", "deployment")  # the worker took it
    w.c.fl_coordinator.started(job.id, "flower run 1")
    w.c.round_gate.admit(ct, job.id, 1, 0.2)  # and round 1 ran here
    before = w.c.contracts.get(w.officer, ct)
    r = http.post(f"/v1/fl/jobs/{job.id}/start", headers=officer)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["code"], body["state"], body["title"]) == ("fl_job_started", "running", "与当前状态冲突")
    with pytest.raises(Conflict) as again:
        partner.run_training(job.id)
    assert again.value.problem["state"] == "running"  # type: ignore[attr-defined]
    after = w.c.contracts.get(w.officer, ct)
    assert (after.uses, after.epsilon_spent) == (before.uses, before.epsilon_spent) == (1, pytest.approx(0.2))
    assert w.c.fl_coordinator.load(job.id).state == JobState.RUNNING
    refused = [e for e in w.c.audit.recent(20, action="fl.job.start") if e.outcome == "denied"]
    assert len(refused) == 2 and refused[0].details["state"] == "running"


def test_a_job_left_starting_by_a_crash_is_resumed_once_and_charged_once(db_url: str, tmp_path: Path) -> None:
    """issue 15: a worker or server killed between claiming a job (STARTING) and the runtime's start
    report left the job STARTING for ever: never submitted again, and every start refused with 409.
    The worker now hands such a job back (once its claim is older than the grace), idempotently, and a
    resubmitted run's rounds are replays of the ones already metered."""
    clock = FakeClock()
    c = make_container(db_url, tmp_path / "node", clock=clock)
    try:
        w = build_world(c, tmp_path / "samples")
        ct = _contract(w)
        job = c.fl_jobs.create(w.researcher, _request(w, ct))
        # the DB state a crash leaves: claimed, a round metered by a hospital's client, never started
        assert c.fl_coordinator.claim(job.id, "system", "deployment").state == JobState.STARTING
        first = c.round_gate.admit(ct, job.id, 1, 0.5)
        assert not first.replayed
        assert c.fl_coordinator.resume_interrupted() == []  # within the grace: a start may be under way
        with pytest.raises(JobAlreadyStarted):
            c.fl_coordinator.claim(job.id, "system", "deployment")
        clock.t += START_GRACE_US
        (resumed,) = c.fl_coordinator.resume_interrupted()
        assert (resumed.id, resumed.state) == (job.id, JobState.CREATED)
        assert c.fl_coordinator.resume_interrupted() == []  # idempotent
        assert [j.id for j in c.fl_coordinator.waiting()] == [job.id]
        entries = [e for e in c.audit.recent(20) if e.action == "fl.job.resume"]
        assert [(e.actor, e.object_id, e.details) for e in entries] == [
            ("system", job.id, {"state": "created", "reason": "start_interrupted"})
        ]
        # submitted again: round 1 asked again is the first grant, charged nothing
        assert c.fl_coordinator.claim(job.id, "system", "deployment").state == JobState.STARTING
        assert c.fl_coordinator.started(job.id, "flower run 2").state == JobState.RUNNING
        again = c.round_gate.admit(ct, job.id, 1, 0.5)
        assert again.replayed and again.record.id == first.record.id
        contract = c.contracts.get(w.researcher, ct)
        assert (contract.uses, contract.epsilon_spent) == (1, 0.5)
        clock.t += START_GRACE_US
        assert c.fl_coordinator.resume_interrupted() == []  # a running job is never handed back
    finally:
        c.close()
