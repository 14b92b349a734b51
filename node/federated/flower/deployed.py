"""`hnode fl bench --deployed`: the benchmark's jobs on real processes, as a federation runs them.

One SuperLink with TLS and SuperNode authentication and one SuperNode per hospital, on loopback,
each SuperNode started as ``hnode fl supernode`` (the warm ClientApps of ``warm.py``) or, with
``warm=False``, as Flower's SuperNode alone (a process per ClientApp task: the runtime before).
The hospitals train on the Wisconsin split (``--benchmark-partition``), so no node stands behind them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from node.federated.flower.benchmark import evaluate
from node.federated.flower.deployment import (
    SUPERLINK_POLL_INTERVAL_S,
    flower_env,
    register_supernode,
    submit,
    superlink_command,
    supernode_command,
    write_connection,
    write_supernode_key,
    write_tls,
)
from node.federated.flower.sinks import JsonLinesSink
from node.federated.spec import JobSpec

READY_TIMEOUT_S = 120


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Federation:
    """A running SuperLink and its SuperNodes (started by ``federation``)."""

    work: Path
    home: Path
    processes: list[subprocess.Popen[bytes]]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the SuperLink, the SuperNodes and every process they started
        (alive, or ended and collected by their parent): a machine shared with other work lengthens
        the wall time of a round, not this."""
        sessions = {p.pid for p in self.processes}
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            if int(fields[3]) in sessions:  # session id; then utime, stime, cutime, cstime
                ticks += sum(int(f) for f in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")

    def run(self, spec: JobSpec, timeout_s: float = 1800) -> dict[str, Any]:
        """Submit ``spec`` and wait until it ends: wall time, median seconds per round, global AUC,
        CPU seconds per round of the federation's processes."""
        events = self.work / f"{spec.job_id}.jsonl"
        cpu = self.cpu_seconds()
        start = time.perf_counter()
        submit(self.home, spec, {"events": str(events)}, self.work)
        sink = None
        while time.perf_counter() - start < timeout_s:
            sink = JsonLinesSink.read(events) if events.exists() else None
            if sink is not None and sink.state in ("completed", "failed", "stopped"):
                break
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError("a SuperLink or SuperNode of the benchmark stopped")
            time.sleep(0.1)
        wall = time.perf_counter() - start
        cpu = self.cpu_seconds() - cpu
        if sink is None or sink.state != "completed":
            raise RuntimeError(f"{spec.job_id} ended {sink.state if sink else 'never'}")
        return {
            "seconds_total": round(wall, 2),
            "seconds_per_round": round(float(np.median([m["seconds"] for m in sink.rounds.values()])), 3),
            "cpu_seconds_per_round": round(cpu / spec.rounds, 2),
            "auc": evaluate(sink.arrays, spec)["global"]["auc"],
        }


def _supernode(
    superlink: str, tls_ca: Path, key: Path, partition: int, hospitals: int, warm: bool
) -> list[str]:
    if not warm:
        return supernode_command(superlink, tls_ca, key, _port(), partition, hospitals)
    return [
        str(Path(sys.executable).parent / "hnode"), "fl", "supernode",
        "--superlink", superlink, "--ca", str(tls_ca), "--key", str(key), "--port", str(_port()),
        "--benchmark-partition", str(partition), "--benchmark-partitions", str(hospitals),
    ]  # fmt: skip


def _exit_on_sigterm() -> Any:
    """SIGTERM raises SystemExit (so ``finally`` blocks run) when called in the main thread; returns
    the handler it replaced, or None where signals cannot be handled (another thread)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


@contextlib.contextmanager
def federation(hospitals: int, warm: bool = True, log: Path | None = None) -> Iterator[Federation]:
    """A SuperLink (TLS, SuperNode authentication) and ``hospitals`` registered SuperNodes; all
    stopped on exit. ``log`` receives their output (default: discarded)."""
    work = Path(tempfile.mkdtemp(prefix="hnode-fl-deployed-"))
    home = work / "home"
    tls = write_tls(work / "tls", ["127.0.0.1", "localhost"])
    port = _port()
    write_connection(home, f"localhost:{port}", tls.ca)
    out = open(log, "ab") if log is not None else subprocess.DEVNULL
    processes: list[subprocess.Popen[bytes]] = []
    # a benchmark stopped by SIGTERM (a timeout, a supervisor) still stops what it started below
    # (seen: a SuperLink and SuperNodes left running, parented to init, after `timeout` killed it)
    previous = _exit_on_sigterm()

    def start(cmd: list[str], env: dict[str, str]) -> None:
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own commands
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    try:
        start(superlink_command(work, port, tls), flower_env(home, task_poll_s=SUPERLINK_POLL_INTERVAL_S))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _listening(port):
            if time.monotonic() > deadline or processes[0].poll() is not None:
                raise RuntimeError("the benchmark's SuperLink did not start")
            time.sleep(0.2)
        for i in range(hospitals):
            key = work / f"sn{i}.key"
            register_supernode(home, write_supernode_key(key))
            data_dir = work / f"sn{i}"
            data_dir.mkdir()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "FLWR_"))}
            env["NODE_DATA_DIR"] = str(data_dir)
            start(
                _supernode(f"localhost:{port}", tls.ca, key, i, hospitals, warm),
                flower_env(data_dir / "fl", env),
            )
        yield Federation(work, home, processes)
    finally:
        for p in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if log is not None:
            out.close()  # type: ignore[union-attr]
        shutil.rmtree(work, ignore_errors=True)  # keys, certificates, the SuperLink's database
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run(base: JobSpec, secure: JobSpec | None, warm: bool = True, log: Path | None = None) -> dict[str, Any]:
    """``base`` (FedAvg) and ``secure`` (SecAgg+), one after the other on one federation."""
    with federation(base.hospitals, warm, log) as fed:
        plain = fed.run(base)
        secagg = fed.run(secure) if secure is not None else None
    return {"fedavg": plain, "secagg": secagg}
