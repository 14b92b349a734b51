"""Flower's simulation runtime (Ray) for development, the demo and the benchmark."""

from __future__ import annotations

import logging
import os

from node.federated.flower.apps import FlJob, client, server, set_job


def simulate(job: FlJob, verbose: bool = False) -> FlJob:
    """Run ``job`` with one simulated SuperNode per hospital; the job holds the outcome."""
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    from flwr.simulation import run_simulation

    if not verbose:
        logging.getLogger("flwr").setLevel(logging.WARNING)
    set_job(job)
    run_simulation(
        server_app=server,
        client_app=client,
        num_supernodes=job.hospitals,
        backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
        verbose_logging=verbose,
    )
    if not job.final_arrays:
        raise RuntimeError("the federated run produced no model")
    return job
