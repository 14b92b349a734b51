"""Flower's simulation runtime (Ray) for development, the demo and the benchmark.

Flower 1.41's simulation engine hands messages to the ClientApp workers from a loop that takes one
message per node and then sleeps 0.1 s (``vce_api.add_messages_to_queue``). Every exchange of a round
waits for that loop: a FedAvg round has two exchanges (train, evaluate), a SecAgg+ round five, so the
sleep, not training or cryptography, set both the time per round and the SecAgg+ overhead. The
simulation here runs the same loop with a wait of ``POLL_S`` when it found nothing to hand over and
none when it did. ``flwr`` is pinned; ``prompt_engine`` refuses to patch a loop whose signature changed.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from queue import Queue
from typing import Any

from node.federated.flower.client_app import client, client_app
from node.federated.flower.hospital import SimulatedHospitals
from node.federated.flower.server_app import server
from node.federated.flower.sinks import JobSink, MemorySink, hand_over
from node.federated.spec import JobSpec

POLL_S = 0.005


def prompt_engine() -> None:
    from flwr.server.superlink.fleet.vce import vce_api

    loop = vce_api.add_messages_to_queue
    if getattr(loop, "prompt", False):
        return
    if list(inspect.signature(loop).parameters) != ["state", "queue", "nodes_mapping", "f_stop"]:
        raise RuntimeError("flwr's simulation engine no longer has the message loop this module replaces")

    def add_messages_to_queue(
        state: Any, queue: Queue[Any], nodes_mapping: dict[int, int], f_stop: threading.Event
    ) -> None:
        while not f_stop.is_set():
            moved = False
            for node_id in nodes_mapping.keys():
                for message in state.get_message_ins(node_id=node_id, limit=1):
                    queue.put(message)
                    moved = True
            f_stop.wait(0 if moved else POLL_S)

    add_messages_to_queue.prompt = True  # type: ignore[attr-defined]
    setattr(vce_api, "add_messages_to_queue", add_messages_to_queue)  # noqa: B010 - the module's binding


def simulate(
    spec: JobSpec,
    sink: JobSink | None = None,
    verbose: bool = False,
    hospitals: SimulatedHospitals | None = None,
) -> JobSink:
    """Run ``spec`` with one simulated SuperNode per hospital; the sink receives the outcome (a
    MemorySink by default). ``hospitals`` names the node behind each partition; without it the
    partitions are the Wisconsin benchmark's split."""
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")  # no GPUs here; silences Ray's notice
    from flwr.simulation import run_simulation

    if not verbose:  # Flower warns that run_simulation is deprecated in favour of `flwr run`
        logging.getLogger("flwr").setLevel(logging.ERROR)
    prompt_engine()
    sink = sink or MemorySink()
    hand_over(spec.validate(), sink)
    run_simulation(
        server_app=server,
        client_app=client if hospitals is None else client_app(hospitals),
        num_supernodes=spec.hospitals,
        backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
        verbose_logging=verbose,
    )
    return sink
