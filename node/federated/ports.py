"""Ports of the federated module: where jobs, rounds and models are kept."""

from __future__ import annotations

from typing import Protocol

from node.contracts.ports import ContractsUnitOfWork
from node.federated.jobs import RegisteredModel, RoundRecord, TrainingJob


class TrainingJobRepository(Protocol):
    def add(self, job: TrainingJob) -> None: ...

    def get(self, job_id: str, for_update: bool = False) -> TrainingJob | None: ...

    def save(self, job: TrainingJob) -> None: ...

    def query(
        self,
        partner_id: str | None = None,
        active_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[TrainingJob]: ...

    def count(self, partner_id: str | None = None) -> int: ...

    def add_round(self, record: RoundRecord) -> None: ...

    def rounds(self, job_id: str) -> list[RoundRecord]: ...

    def add_model(self, model: RegisteredModel) -> None: ...

    def get_model(self, model_id: str) -> RegisteredModel | None: ...

    def models(self, partner_id: str | None = None) -> list[RegisteredModel]: ...


class FederatedUnitOfWork(ContractsUnitOfWork, Protocol):
    @property
    def fl(self) -> TrainingJobRepository: ...


class ModelFiles(Protocol):
    def put(self, model_id: str, blob: bytes) -> None: ...

    def get(self, model_id: str) -> bytes | None: ...


class JobRuntime(Protocol):
    """Where a claimed job is handed to run (the coordinator's SuperLink); returns a label of the
    run for the record. Raises ``DependencyUnavailable`` when the runtime cannot take it now."""

    def submit(self, job: TrainingJob) -> str: ...
