"""Training jobs and models as partners and officers see them, and each hospital's view of what was
trained on its data.

Partners create jobs under their contracts (naming each hospital's contract only: the contract
decides what a hospital's rounds read) and start them; officers and the partner may ask a job to
stop, and so does the policy monitor when a contract in the job ends. What the runtime reports
(``started``, rounds, the model) goes through ``coordinator.FlCoordinatorService``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from node.asset_registry.model import AccessMode
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.model import Contract
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from node.federated.coordinator import FlCoordinatorService, job_event, locked_job
from node.federated.features import ModelInputs, check_offered
from node.federated.jobs import (
    FINAL_JOB_STATES,
    JobState,
    RegisteredModel,
    RoundRecord,
    TrainingJob,
    model_digest,
)
from node.federated.ports import FederatedUnitOfWork, JobRuntime, ModelFiles
from node.federated.spec import JobSpec, Participant, SecAggConfig
from node.identity.model import Principal
from node.ports import Clock

_JOB_FIELDS = {"model", "rounds", "local_epochs", "lr", "min_hospitals", "round_timeout_s"}
_INPUT_FIELDS = {"features", "outcome", "target"}  # target: an ICD-10 prefix, the outcome's older form


def job_spec(job_id: str, request: dict[str, Any]) -> JobSpec:
    """A job from a partner's request: ``hospitals`` maps each hospital node's name to the contract
    there (only the contract: it names the product and assets, the request cannot); ``dp_epsilon``
    plans DP within that budget; ``secure_aggregation`` turns SecAgg+ on (default: on with three
    hospitals or more, off for trees, which cannot be securely summed), ``secagg_timeout_s`` sets how
    long each of its stages waits (default: ``round_timeout_s`` / 4)."""
    hospitals = request.get("hospitals")
    if not isinstance(hospitals, dict) or not hospitals:
        raise InvalidInput("name the hospitals and their contracts", code="fl_job_invalid")
    unknown = (
        set(request)
        - _JOB_FIELDS
        - _INPUT_FIELDS
        - {"hospitals", "dp_epsilon", "secure_aggregation", "secagg_timeout_s"}
    )
    if unknown:
        raise InvalidInput(f"unknown job fields: {', '.join(sorted(unknown))}", code="fl_job_invalid")
    for name, p in hospitals.items():
        extra = sorted(set(p) - {"contract_id"}) if isinstance(p, dict) else []
        if extra:
            raise InvalidInput(
                f"hospital {str(name)[:64]}: only contract_id is named, not {', '.join(extra)[:200]} "
                "(the contract decides which product and assets a hospital trains on)",
                code="fl_job_invalid",
            )
    if "outcome" in request and "target" in request:
        raise InvalidInput("name the outcome or the target, not both", code="fl_job_invalid")
    inputs = ModelInputs.parse(request.get("features"), request.get("outcome"), request.get("target"))
    try:
        participants = {str(name): Participant(str(p["contract_id"])) for name, p in hospitals.items()}
        fields = {k: request[k] for k in _JOB_FIELDS if k in request}
        spec = JobSpec(
            job_id,
            len(participants),
            features=inputs.width,
            inputs=inputs,
            participants=participants,
            **fields,
        )
    except (TypeError, KeyError, AttributeError):
        raise InvalidInput("malformed job request", code="fl_job_invalid") from None
    if request.get("dp_epsilon") is not None:
        eps = request["dp_epsilon"]
        if isinstance(eps, bool) or not isinstance(eps, int | float) or not 0 < eps <= 100:
            raise InvalidInput("dp_epsilon must be a number in (0, 100]", code="fl_job_invalid")
        spec = spec.with_dp(float(eps))
    # XGBoost's trees are appended, not summed: such a job runs without SecAgg+ unless the partner asks for it
    # (and is then refused)
    secure = request.get("secure_aggregation", spec.hospitals >= 3 and spec.model != "xgboost")
    if secure:
        spec = replace(
            spec, secagg=SecAggConfig.for_hospitals(spec.hospitals, request.get("secagg_timeout_s"))
        )
    return spec.validate()


class FlJobService:
    def __init__(
        self,
        uow_factory: Callable[[], FederatedUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        usage: UsageService,
        coordinator: FlCoordinatorService,
        files: ModelFiles,
        node_name: str,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._usage = usage
        self._coordinator = coordinator
        self._files = files
        self._node = node_name

    # -- partners and officers ---------------------------------------------------------------------
    def create(self, partner: Principal, request: dict[str, Any]) -> TrainingJob:
        if partner.kind != "partner":
            raise PolicyDenied("training jobs are started by partners", code="fl_job_partner_only")
        job_id = "job_" + secrets.token_hex(8)
        spec = job_spec(job_id, request)
        mine = spec.participants.get(self._node)
        if mine is not None:  # this node is also a hospital of the job: its contract must allow it now
            self._usage.decide(partner, UsageRequest.for_federated_job(mine.contract_id), "fl.job.create")
            self.check_offered(partner.id, mine.contract_id, spec)
        now = self._clock.now_us()
        job = TrainingJob(job_id, partner.id, spec, JobState.CREATED, now, now)
        with self._uow() as uow:
            uow.fl.add(job)
            self._audit.record(
                uow, job_event(partner.id, "fl.job.create", job, hospitals=sorted(spec.participants))
            )
            uow.commit()
        return job

    def check_offered(self, actor: str, contract_id: str, spec: JobSpec) -> dict[str, Any]:
        """The product template of the contract, once the job's features and outcome are found within
        what it offers; otherwise refused (``fl_feature_not_offered``, audited, nothing metered)."""
        with self._uow() as uow:
            contract = uow.contracts.get(contract_id)
            product = uow.products.get(contract.product_id) if contract else None
        if contract is None or product is None:
            raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
        try:
            check_offered(spec.clinical_inputs, product.policy_template, f"{self._node} product {product.id}")
        except InvalidInput as exc:
            self._audit.record_now(
                AuditEvent(
                    actor,
                    "fl.job.features",
                    "contract",
                    contract_id,
                    Outcome.DENIED,
                    {"job": spec.job_id, "code": exc.code, "product": product.id},
                )
            )
            raise
        return product.policy_template

    def get(self, viewer: Principal, job_id: str) -> TrainingJob:
        with self._uow() as uow:
            job = uow.fl.get(job_id)
        if job is None or (viewer.kind == "partner" and job.partner_id != viewer.id):
            raise NotFound(f"training job {job_id} not found", code="fl_job_not_found")
        return job

    def start(self, viewer: Principal, job_id: str, runtime: JobRuntime) -> TrainingJob:
        """Hand a created job to the runtime. The job is claimed under its row lock first: a job that
        was already started is refused (``JobAlreadyStarted``, HTTP 409, audited) and nothing runs or
        is charged again; if the runtime cannot take it, the job waits again."""
        self.get(viewer, job_id)
        job = self._coordinator.claim(job_id, viewer.id, "deployment")
        try:
            run = runtime.submit(job)
        except BaseException:
            self._coordinator.release(job_id)
            raise
        return self._coordinator.started(job_id, run)

    def list_for(self, viewer: Principal) -> list[TrainingJob]:
        with self._uow() as uow:
            return uow.fl.query(partner_id=viewer.id if viewer.kind == "partner" else None)

    def page(self, viewer: Principal, offset: int, limit: int) -> tuple[list[TrainingJob], int]:
        """One page of the jobs ``viewer`` may see, newest first, and how many there are."""
        partner = viewer.id if viewer.kind == "partner" else None
        with self._uow() as uow:
            return uow.fl.query(partner_id=partner, offset=offset, limit=limit), uow.fl.count(partner)

    def rounds(self, viewer: Principal, job_id: str) -> list[RoundRecord]:
        self.get(viewer, job_id)
        with self._uow() as uow:
            return uow.fl.rounds(job_id)

    def request_stop(self, viewer: Principal, job_id: str, reason: str) -> TrainingJob:
        self.get(viewer, job_id)
        return self._ask_to_stop(viewer.id, job_id, reason[:200] or "stopped on request")

    def _ask_to_stop(self, actor: str, job_id: str, reason: str) -> TrainingJob:
        with self._uow() as uow:
            job = locked_job(uow, job_id)
            if job.state in FINAL_JOB_STATES:
                raise Conflict(f"training job {job_id} has already ended", code="fl_job_ended")
            job = replace(job, stop_reason=reason, updated_at_us=self._clock.now_us())
            uow.fl.save(job)
            self._audit.record(uow, job_event(actor, "fl.job.stop_request", job, reason=reason))
            uow.commit()
        return job

    def on_contract_ended(self, contract: Contract) -> None:
        """Policy monitor hook: a job that names an ended contract stops before its next round."""
        with self._uow() as uow:
            jobs = [
                j
                for j in uow.fl.query(active_only=True)
                if any(p.contract_id == contract.id for p in j.spec.participants.values())
            ]
        for job in jobs:
            self._ask_to_stop("system", job.id, f"contract {contract.id} ended: {contract.state.name}")

    # -- models ------------------------------------------------------------------------------------
    def models(self, viewer: Principal) -> list[RegisteredModel]:
        with self._uow() as uow:
            return uow.fl.models(viewer.id if viewer.kind == "partner" else None)

    def model(self, viewer: Principal, model_id: str) -> tuple[RegisteredModel, bytes]:
        """The model and its bytes, checked against the registered digest."""
        with self._uow() as uow:
            model = uow.fl.get_model(model_id)
            anchors = uow.anchors.by_ref(model_id) if model else []
        if model is None or (viewer.kind == "partner" and model.partner_id != viewer.id):
            raise NotFound(f"model {model_id} not found", code="fl_model_not_found")
        blob = self._files.get(model_id)
        if blob is None or model_digest(blob) != model.digest:
            self._audit.record_now(
                AuditEvent(
                    viewer.id,
                    "fl.model.download",
                    "fl_model",
                    model_id,
                    Outcome.FAILED,
                    {"digest": "mismatch"},
                )
            )
            raise Conflict(f"model {model_id} does not match its registered digest", code="fl_model_tampered")
        anchor = next((a.as_dict() for a in anchors if a.digest == model.digest), None)
        self._audit.record_now(AuditEvent(viewer.id, "fl.model.download", "fl_model", model_id))
        return replace(model, anchor=anchor), blob

    # -- a hospital's view -------------------------------------------------------------------------
    def trained_here(self, viewer: Principal) -> list[dict[str, Any]]:
        """What federated training used this hospital's data: per job, the contract, the partner,
        the rounds metered and the ε spent (from this node's own usage records)."""
        if viewer.kind == "partner":
            raise PolicyDenied("this view is for the hospital's staff", code="staff_only")
        out: dict[tuple[str, str], dict[str, Any]] = {}
        with self._uow() as uow:
            for contract in uow.contracts.query():
                if contract.terms.access_mode != AccessMode.FEDERATED_TRAINING:
                    continue
                for use in uow.contracts.usage(contract.id):
                    job = use.ref.split(":")[1] if use.ref.startswith("fl:") else use.ref
                    row = out.setdefault(
                        (job, contract.id),
                        {
                            "job": job,
                            "contract_id": contract.id,
                            "partner_id": contract.partner_id,
                            "product_id": contract.product_id,
                            "assets": list(contract.asset_ids),
                            "purpose": contract.terms.purpose,
                            "rounds": 0,
                            "epsilon": 0.0,
                            "last_at_us": 0,
                        },
                    )
                    row["rounds"] += 1
                    row["epsilon"] = round(row["epsilon"] + use.epsilon, 6)
                    row["last_at_us"] = max(row["last_at_us"], use.at_us)
        return sorted(out.values(), key=lambda r: -r["last_at_us"])
