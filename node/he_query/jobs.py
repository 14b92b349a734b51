"""Long encrypted queries as jobs: queued, run one at a time (TenSEAL contexts are not thread-safe),
with progress that the partner polls. Jobs live in memory for a while after they finish."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from node.errors import Conflict, NodeError, NotFound

Progress = Callable[[int], None]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Job:
    id: str
    owner: str
    kind: str
    total: int
    done: int = 0
    state: JobState = JobState.QUEUED
    result: Any = None
    error: str = ""  # an error code, never data
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state.value,
            "progress": {"done": self.done, "total": self.total},
            "error": self.error or None,
        }


class JobRunner:
    def __init__(self, keep: int = 256, max_queued: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="he-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep
        self._max_queued = max_queued

    def submit(self, owner: str, kind: str, total: int, work: Callable[[Progress], Any]) -> Job:
        with self._lock:
            waiting = sum(j.state in (JobState.QUEUED, JobState.RUNNING) for j in self._jobs.values())
            if waiting >= self._max_queued:
                raise Conflict("too many encrypted jobs waiting; try again later", code="he_jobs_busy")
            job = Job("job_" + secrets.token_hex(8), owner, kind, total)
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next(iter(self._jobs.values()))
                if oldest.state in (JobState.QUEUED, JobState.RUNNING):
                    break
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Progress], Any]) -> None:
        job.state = JobState.RUNNING

        def progress(done: int) -> None:
            job.done = done

        try:
            job.result = work(progress)
            job.done, job.state = job.total, JobState.DONE
        except NodeError as exc:
            job.error, job.state = exc.code, JobState.FAILED
        except Exception as exc:  # noqa: BLE001 - a job must end in a defined state; the code names the class
            job.error, job.state = f"internal_{type(exc).__name__}", JobState.FAILED
        job.finished_at = time.time()

    def get(self, owner: str, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound(f"job {job_id} not found", code="job_not_found")
        return job
