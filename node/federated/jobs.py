"""Training jobs and registered models.

A job is created by a partner under its contracts with the hospitals; it moves CREATED -> STARTING
(claimed by one runtime, under the job's row lock) -> RUNNING -> COMPLETED | FAILED | STOPPED
(stopped: by policy, by the partner or the officer, or because too few hospitals took part); a
runtime that cannot take a claimed job hands it back (STARTING -> CREATED). Each round's metrics are
kept. A completed job registers its model: version, metrics, the contracts it came from, the ε each
hospital spent, and the SM3 digest of its canonical bytes, which is anchored on the chain.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3_hex
from node.errors import Conflict, InvalidInput
from node.federated.spec import JobSpec

MODEL_FORMAT = "hnode-model/1"


class JobState(StrEnum):
    CREATED = "created"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"


FINAL_JOB_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.STOPPED})
_NEXT = {
    JobState.CREATED: {JobState.STARTING, JobState.RUNNING, JobState.FAILED, JobState.STOPPED},
    JobState.STARTING: {JobState.RUNNING, JobState.CREATED, JobState.FAILED, JobState.STOPPED},
    JobState.RUNNING: {JobState.COMPLETED, JobState.FAILED, JobState.STOPPED},
}


@dataclass(frozen=True)
class TrainingJob:
    id: str
    partner_id: str
    spec: JobSpec
    state: JobState
    created_at_us: int
    updated_at_us: int
    rounds_done: int = 0
    epsilon_spent: float = 0.0
    code: str = ""
    reason: str = ""
    stop_reason: str = ""  # set when someone asked the job to stop; read before each round
    model_id: str | None = None

    def to(self, state: JobState, now_us: int, **changes: Any) -> TrainingJob:
        if state not in _NEXT.get(self.state, set()):
            raise Conflict(
                f"training job {self.id} cannot go from {self.state.value} to {state.value}",
                code="fl_job_illegal_transition",
            )
        return replace(self, state=state, updated_at_us=now_us, **changes)

    def view(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "id": self.id,
            "partner_id": self.partner_id,
            "state": self.state.value,
            "model": spec.model,
            "rounds": spec.rounds,
            "rounds_done": self.rounds_done,
            "hospitals": spec.hospitals,
            "min_hospitals": spec.minimum,
            "secure_aggregation": spec.secagg is not None,
            "dp_target_epsilon": spec.dp.target_epsilon if spec.dp else None,
            "epsilon_spent": round(self.epsilon_spent, 6),
            "participants": {k: v.contract_id for k, v in spec.participants.items()},
            "feature_names": spec.inputs.names if spec.inputs else [],
            "outcome": spec.inputs.outcome.name if spec.inputs else None,
            "code": self.code,
            "reason": self.reason,
            "stop_reason": self.stop_reason,
            "model_id": self.model_id,
            "created_at_us": self.created_at_us,
            "updated_at_us": self.updated_at_us,
        }


@dataclass(frozen=True)
class RoundRecord:
    job_id: str
    number: int
    metrics: dict[str, float]
    refused: list[str]
    at_us: int

    def line(self) -> str:
        m = self.metrics
        text = (
            f"round {self.number:>3}: AUC {m.get('auc', float('nan')):.3f}  "
            f"accuracy {m.get('accuracy', float('nan')):.3f}  ECE {m.get('ece', float('nan')):.3f}  "
            f"Brier {m.get('brier', float('nan')):.3f}  "
            f"hospitals {int(m.get('hospitals', 0))}  ε {m.get('epsilon', 0.0):.3f}  "
            f"{m.get('seconds', 0.0):.2f} s"
        )
        return text + (f"  refused: {'; '.join(self.refused)}" if self.refused else "")


@dataclass(frozen=True)
class RegisteredModel:
    id: str
    job_id: str
    partner_id: str
    name: str
    version: int
    digest: str  # SM3 of the canonical model bytes
    size: int
    metrics: dict[str, float]
    participants: dict[str, dict[str, Any]]  # hospital -> {contract_id}
    epsilon: float
    created_at_us: int
    anchor: dict[str, Any] | None = field(default=None, compare=False)

    def view(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["metrics"] = {k: round(v, 6) for k, v in self.metrics.items()}
        return out


def model_bytes(kind: str, features: int, arrays: list[Any]) -> bytes:
    """The canonical serialization of a model: JSON with little-endian float64 arrays in base64, so
    that anyone can recompute its SM3 digest and load it without this code."""
    encoded = []
    for a in arrays:
        arr = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
        if not np.all(np.isfinite(arr)):
            raise InvalidInput("the model holds non-finite values", code="fl_update_malformed")
        encoded.append(
            {"shape": list(arr.shape), "dtype": "<f8", "data": base64.b64encode(arr.tobytes()).decode()}
        )
    return canonical_json({"format": MODEL_FORMAT, "model": kind, "features": features, "arrays": encoded})


def model_digest(blob: bytes) -> str:
    return sm3_hex(blob)


def load_model_bytes(blob: bytes) -> tuple[str, int, list[np.ndarray]]:
    try:
        doc = json.loads(blob)
        assert doc["format"] == MODEL_FORMAT
        arrays = [
            np.frombuffer(base64.b64decode(a["data"]), dtype="<f8").reshape(a["shape"]) for a in doc["arrays"]
        ]
        return str(doc["model"]), int(doc["features"]), arrays
    except (ValueError, KeyError, TypeError, AssertionError):
        raise InvalidInput("not a model file of this node", code="fl_model_malformed") from None
