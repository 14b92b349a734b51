"""Running a registered training job on one of the two runtimes.

- ``simulation``: Flower's simulation engine (Ray) in this process; the hospitals' ClientApps open
  the nodes the caller names (``SimulatedHospitals``). For development, tests and the demo.
- ``deployment``: the job is submitted with ``flwr run`` to the coordinator's SuperLink (started by
  ``hnode fl superlink`` with this node's environment); the SuperLink's ServerApp process records
  rounds and the model into this node's registry; each hospital's SuperNode (``hnode fl
  supernode``) runs the ClientApp with its own node behind it.

Either way the job is claimed first under its row lock: a job runs once, and a second start is
refused with the job's state (``JobAlreadyStarted``) before anything is submitted or metered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from node.errors import DependencyUnavailable
from node.federated.flower.hospital import SimulatedHospitals
from node.federated.flower.simulation import simulate
from node.federated.flower.sinks import NodeSink
from node.federated.jobs import TrainingJob

if TYPE_CHECKING:
    from node.config import Settings
    from node.federated.coordinator import FlCoordinatorService


class CoordinatorNode(Protocol):
    """What running a job uses of the coordinator's node (the bootstrap's container is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def fl_coordinator(self) -> FlCoordinatorService: ...


def run_in_simulation(
    node: CoordinatorNode,
    job_id: str,
    actor: str = "system",
    *,
    hospitals: SimulatedHospitals | Callable[[TrainingJob], SimulatedHospitals] | None = None,
) -> TrainingJob:
    """Claim the job and simulate it with ``hospitals`` behind the partitions (in the job's order
    of hospitals); without them its rounds are refused (no node stands behind a ClientApp).
    ``hospitals`` may be a function of the claimed job: if it raises, the job waits again."""
    job = node.fl_coordinator.claim(job_id, actor, "simulation")
    if callable(hospitals) and not isinstance(hospitals, SimulatedHospitals):
        try:
            hospitals = hospitals(job)
        except BaseException:
            node.fl_coordinator.release(job_id)
            raise
    simulate(job.spec, NodeSink(node.fl_coordinator, job_id), hospitals=hospitals)
    return node.fl_coordinator.load(job_id)


class SuperLinkRuntime:
    """The coordinator's SuperLink (``hnode fl superlink`` of this node) as a ``JobRuntime``."""

    def __init__(self, data_dir: Path) -> None:
        self._fl = data_dir / "fl"

    def available(self) -> bool:
        """Whether this node coordinates a federation (``hnode fl superlink`` wrote its connection)."""
        return (self._fl / "home" / "config.toml").is_file()

    def submit(self, job: TrainingJob) -> str:
        from node.federated.flower.deployment import submit

        if not self.available():
            raise DependencyUnavailable(
                "this node runs no SuperLink (`hnode fl superlink`)", code="fl_superlink_unavailable"
            )
        run_id = submit(self._fl / "home", job.spec, {"coordinator": "env"}, self._fl / "runs")
        return f"flower run {run_id}"


def submit_to_superlink(node: CoordinatorNode, job_id: str, actor: str = "system") -> str:
    """Claim the job and hand it to the coordinator's SuperLink; its ServerApp process records into
    this node's registry. Returns the run's label. If the SuperLink cannot take it, the job waits."""
    job = node.fl_coordinator.claim(job_id, actor, "deployment")
    runtime = SuperLinkRuntime(node.settings.data_dir)
    try:
        run = runtime.submit(job)
    except BaseException:
        node.fl_coordinator.release(job_id)
        raise
    node.fl_coordinator.started(job_id, run)
    return run


def has_superlink(node: CoordinatorNode) -> bool:
    return SuperLinkRuntime(node.settings.data_dir).available()
