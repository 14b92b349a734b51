"""The Flower apps as the node's Flower App Bundle names them, wired by the composition root.

Flower's SuperLink starts one ``flwr-serverapp`` process per job; it loads ``server`` from here. A
job run with ``coordinator="env"`` records into the coordinator node whose settings that process's
environment holds (the one ``hnode fl superlink`` was started with), opened here, once per job. The
ClientApp needs no wiring here: ``hnode fl supernode`` hands its node to the ClientApps it forks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from node.federated.flower.server_app import server_app

if TYPE_CHECKING:
    from node.federated.coordinator import FlCoordinatorService


def _coordinator() -> tuple[FlCoordinatorService, Callable[[], None]]:
    from node.bootstrap import build_container  # only for a job recorded into the node
    from node.config import load_settings

    node = build_container(load_settings())
    return node.fl_coordinator, node.close


server = server_app(_coordinator)
