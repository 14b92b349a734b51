"""Flower's simulation runtime (Ray) for development, the demo and the benchmark."""

from __future__ import annotations

import logging
import os

from node.federated.flower.client_app import client
from node.federated.flower.server_app import server
from node.federated.flower.sinks import JobSink, MemorySink, hand_over
from node.federated.spec import JobSpec


def simulate(spec: JobSpec, sink: JobSink | None = None, verbose: bool = False) -> JobSink:
    """Run ``spec`` with one simulated SuperNode per hospital; the sink receives the outcome (a
    MemorySink by default)."""
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")  # no GPUs here; silences Ray's notice
    from flwr.simulation import run_simulation

    if not verbose:  # Flower warns that run_simulation is deprecated in favour of `flwr run`
        logging.getLogger("flwr").setLevel(logging.ERROR)
    sink = sink or MemorySink()
    hand_over(spec.validate(), sink)
    run_simulation(
        server_app=server,
        client_app=client,
        num_supernodes=spec.hospitals,
        backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
        verbose_logging=verbose,
    )
    return sink
