"""Which hospital node stands behind a ClientApp, handed in by the composition root.

The Flower layer never builds a node itself (it sits below the bootstrap): ``hnode fl supernode``
installs its process's node with ``serve_node`` before the ClientApps run (they are forked from that
process, see ``warm.py``); a simulation gets ``SimulatedHospitals``, each partition's settings and
the function that opens a node, and opens each hospital at most once per process. Without either (the
Wisconsin benchmark) no node stands behind the ClientApp and the partition is the benchmark's split.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flwr.app import Context

from node.ports import UnitOfWork

if TYPE_CHECKING:  # types only: the ClientApp's process imports what a round uses, when it uses it
    from node.asset_registry.ports import AssetRepository, AssetStore
    from node.config import Settings
    from node.federated.gate import RoundGate
    from node.federated.services import FlJobService


class AssetsUnitOfWork(UnitOfWork, Protocol):
    @property
    def assets(self) -> AssetRepository: ...


class HospitalNode(Protocol):
    """What a ClientApp uses of its hospital's node (the bootstrap's container is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> AssetStore: ...

    @property
    def fl_jobs(self) -> FlJobService: ...

    @property
    def round_gate(self) -> RoundGate: ...

    def uow(self) -> AssetsUnitOfWork: ...


NodeSource = Callable[[Context], "HospitalNode | None"]

_process_node: HospitalNode | None = None


def serve_node(node: HospitalNode | None) -> None:
    """This process's hospital node: every ClientApp it (or a child forked from it) runs uses it."""
    global _process_node
    _process_node = node


def process_node(context: Context) -> HospitalNode | None:
    """The node installed by ``serve_node`` (deployment), or none (the benchmark's SuperNodes)."""
    del context
    return _process_node


_opened: dict[tuple[str, str, str], HospitalNode] = {}


@dataclass(frozen=True)
class SimulatedHospitals:
    """A simulation's hospitals: partition id -> that hospital node's settings, and how to open a
    node (the bootstrap's ``build_container``). Picklable: Flower sends it to its Ray workers with
    every message; each worker process opens a hospital's node once and keeps it."""

    settings: Mapping[int, Settings]
    open_node: Callable[[Settings], HospitalNode]

    def __call__(self, context: Context) -> HospitalNode | None:
        found = self.settings.get(int(str(context.node_config["partition-id"])))
        if found is None:
            return None
        key = (found.name, found.database_url, str(found.data_dir))
        node = _opened.get(key)
        if node is None:
            node = _opened[key] = self.open_node(found)
        return node
