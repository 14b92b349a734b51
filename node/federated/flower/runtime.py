"""Running a registered training job on one of the two runtimes.

- ``simulation``: Flower's simulation engine (Ray) in this process; the hospitals' ClientApps open
  the nodes named in ``HNODE_FL_NODES``. For development, tests and the demo.
- ``deployment``: the job is submitted with ``flwr run`` to the coordinator's SuperLink (started by
  ``hnode fl superlink`` with this node's environment); the SuperLink's ServerApp process records
  rounds and the model into this node's registry; each hospital's SuperNode (``hnode fl
  supernode``) runs the ClientApp with its own node behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from node.federated.flower.simulation import simulate
from node.federated.flower.sinks import NodeSink
from node.federated.jobs import TrainingJob

if TYPE_CHECKING:
    from node.bootstrap import Container


def run_in_simulation(node: Container, job_id: str) -> TrainingJob:
    job = node.fl_jobs.load(job_id)
    simulate(job.spec, NodeSink(node.fl_jobs, job_id))
    return node.fl_jobs.load(job_id)


def submit_to_superlink(node: Container, job_id: str) -> int:
    """Hand the job to the coordinator's SuperLink (``hnode fl superlink`` of this node); its
    ServerApp process records into this node's registry. Returns Flower's run id."""
    from node.federated.flower.deployment import submit

    job = node.fl_jobs.load(job_id)
    fl = node.settings.data_dir / "fl"
    run_id = submit(fl / "home", job.spec, {"coordinator": "env"}, fl / "runs")
    node.fl_jobs.started(job_id, f"flower run {run_id}")
    return run_id


def has_superlink(node: Container) -> bool:
    """Whether this node coordinates a federation (``hnode fl superlink`` wrote its connection)."""
    return (node.settings.data_dir / "fl" / "home" / "config.toml").is_file()
