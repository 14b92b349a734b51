"""Where the coordinator's ServerApp reports a job: each round, the final model, or why it ended.

- ``MemorySink``: the ServerApp runs in this process (simulation, benchmark, the node's own runs);
  the caller hands the job over with ``hand_over`` and reads the sink afterwards.
- ``JsonLinesSink``: a ServerApp process started by a SuperLink writes events to a file named in
  the run config (``events``); the benchmark of the deployment runtime reads it.
- ``NodeSink``: a ServerApp process started by the coordinator node's SuperLink (run config
  ``coordinator="env"``) records into that node's job registry, which also registers the model; the
  node is opened by the function the composition root gave the ServerApp (``node.flower_apps``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from node.federated.spec import JobSpec

if TYPE_CHECKING:
    from node.federated.coordinator import FlCoordinatorService


class JobStopped(Exception):
    """The job ends early for a reason the rules name (not a crash)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class JobSink(Protocol):
    def started(self) -> None: ...

    def round(self, number: int, metrics: dict[str, float], refused: list[str]) -> None: ...

    def stop_requested(self) -> str | None: ...

    def finished(self, arrays: list[Any]) -> None: ...

    def stopped(self, code: str, reason: str) -> None: ...

    def failed(self, code: str, message: str) -> None: ...


@dataclass
class MemorySink:
    state: str = "created"
    rounds: dict[int, dict[str, float]] = field(default_factory=dict)
    refused: dict[int, list[str]] = field(default_factory=dict)
    arrays: list[Any] = field(default_factory=list)
    code: str | None = None
    reason: str | None = None
    stop: str | None = None  # set from another thread to stop the job before its next round

    def started(self) -> None:
        self.state = "running"

    def round(self, number: int, metrics: dict[str, float], refused: list[str]) -> None:
        self.rounds[number] = metrics
        if refused:
            self.refused[number] = refused

    def stop_requested(self) -> str | None:
        return self.stop

    def finished(self, arrays: list[Any]) -> None:
        self.state, self.arrays = "completed", arrays

    def stopped(self, code: str, reason: str) -> None:
        self.state, self.code, self.reason = "stopped", code, reason

    def failed(self, code: str, message: str) -> None:
        self.state, self.code, self.reason = "failed", code, message


@dataclass
class JsonLinesSink:
    path: Path

    def _write(self, event: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")

    def started(self) -> None:
        self._write({"event": "started"})

    def round(self, number: int, metrics: dict[str, float], refused: list[str]) -> None:
        self._write({"event": "round", "round": number, "metrics": metrics, "refused": refused})

    def stop_requested(self) -> str | None:
        return None  # a benchmark run is not stopped from outside

    def finished(self, arrays: list[Any]) -> None:
        self._write({"event": "completed", "arrays": [np.asarray(a).tolist() for a in arrays]})

    def stopped(self, code: str, reason: str) -> None:
        self._write({"event": "stopped", "code": code, "reason": reason})

    def failed(self, code: str, message: str) -> None:
        self._write({"event": "failed", "code": code, "reason": message})

    @staticmethod
    def read(path: Path) -> MemorySink:
        """Replay a job's events into a MemorySink."""
        sink = MemorySink()
        for line in path.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            if e["event"] == "started":
                sink.started()
            elif e["event"] == "round":
                sink.round(int(e["round"]), e["metrics"], e["refused"])
            elif e["event"] == "completed":
                sink.finished([np.asarray(a) for a in e["arrays"]])
            elif e["event"] == "stopped":
                sink.stopped(e["code"], e["reason"])
            else:
                sink.failed(e["code"], e["reason"])
        return sink


class NodeSink:
    """Records into a coordinator node's job registry (``jobs``: its FlCoordinatorService)."""

    def __init__(
        self, jobs: FlCoordinatorService, job_id: str, on_end: Callable[[], None] | None = None
    ) -> None:
        self._jobs, self._id, self._on_end = jobs, job_id, on_end

    def _ended(self) -> None:
        if self._on_end is not None:
            self._on_end()

    def started(self) -> None:
        self._jobs.started(self._id)

    def round(self, number: int, metrics: dict[str, float], refused: list[str]) -> None:
        self._jobs.record_round(self._id, number, metrics, refused)

    def stop_requested(self) -> str | None:
        return self._jobs.stop_requested(self._id)

    def finished(self, arrays: list[Any]) -> None:
        try:
            self._jobs.complete(self._id, arrays)
        finally:
            self._ended()

    def stopped(self, code: str, reason: str) -> None:
        try:
            self._jobs.end(self._id, "stopped", code, reason)
        finally:
            self._ended()

    def failed(self, code: str, message: str) -> None:
        try:
            self._jobs.end(self._id, "failed", code, message)
        finally:
            self._ended()


_PENDING: list[tuple[JobSpec, JobSink]] = []
_LOCK = threading.Lock()


def hand_over(spec: JobSpec, sink: JobSink) -> None:
    """Give the in-process ServerApp its next job."""
    with _LOCK:
        _PENDING.append((spec, sink))


OpenCoordinator = Callable[[], "tuple[FlCoordinatorService, Callable[[], None]]"]
"""Opens the coordinator's node for one job: its job registry and how to close the node."""


def sink_for(run_config: dict[str, Any], coordinator: OpenCoordinator | None) -> tuple[JobSpec, JobSink]:
    text = str(run_config.get("job", "") or "")
    if text in ("", "{}"):
        with _LOCK:
            if not _PENDING:
                raise RuntimeError("no federated job was handed to this ServerApp")
            return _PENDING.pop(0)
    spec = JobSpec.from_json(text)
    if run_config.get("events"):
        return spec, JsonLinesSink(Path(str(run_config["events"])))
    if run_config.get("coordinator") == "env":
        if coordinator is None:
            raise RuntimeError("this ServerApp has no coordinator node to record the job into")
        jobs, close = coordinator()
        return spec, NodeSink(jobs, spec.job_id, close)
    raise RuntimeError("the run config names no place to report the job (events or coordinator)")
