"""The ClientApp each hospital hosts (Flower Message API, flwr 1.41).

Every message carries the job's spec (JSON) and the server round. Before reading any data for a
round, a hospital with a node behind its SuperNode has that node meter one ``federated_training``
use (and the round's ε) of its contract in the job; a denial is raised, so the hospital refuses the
round and the coordinator sees it. The round reads only the assets the grant names (those signed into
the contract). Evaluation reads data only in a round the node admitted, from the same assets.

Which node stands behind the ClientApp is handed in from above (``hospital.py``): in deployment
the node ``hnode fl supernode`` opened once for its process, in simulation each partition's hospital,
opened once per worker process. Without one (the benchmark) the partition is the benchmark's
(Wisconsin split or generated patients) and there is no contract to check.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flwr.app import ConfigRecord, Context, Message
from flwr.app.message_type import MessageType
from flwr.client.mod import secaggplus_mod
from flwr.clientapp import ClientApp
from flwr.clientapp.typing import ClientAppCallable
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, RECORD_KEY_STATE

from node.errors import InvalidInput, NodeError
from node.federated.data import Partition, benchmark_partition
from node.federated.dp_trees import DpTrees
from node.federated.flower.hospital import HospitalNode, NodeSource, process_node
from node.federated.flower.messages import arrays_of, config_of, evaluate_reply, train_reply
from node.federated.metrics import report
from node.federated.models import LogisticRegression, Mlp
from node.federated.spec import JobSpec, Participant

STATE = "hnode"


@dataclass(frozen=True)
class Round:
    spec: JobSpec
    number: int

    @classmethod
    def of(cls, msg: Message) -> Round:
        """The job and round a message is about; a malformed one is refused, not half-used."""
        record = config_of(msg)
        try:
            assert record is not None
            spec = JobSpec.from_json(str(record["job"]))
            number = record["server-round"]
            assert isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= spec.rounds
        except (AssertionError, KeyError, InvalidInput):
            raise InvalidInput("malformed round configuration", code="fl_config_malformed") from None
        return cls(spec, number)

    def epsilon(self) -> float:
        """What this round adds to the hospital's ε (RDP composes sublinearly: charge the increment)."""
        return self.spec.epsilon_after(self.number) - self.spec.epsilon_after(self.number - 1)


@dataclass(frozen=True)
class _Hospital:
    node: HospitalNode
    participant: Participant


def _hospital(source: NodeSource, context: Context, spec: JobSpec) -> _Hospital | None:
    node = source(context)
    if node is None:
        if spec.participants:
            raise InvalidInput("no hospital node stands behind this SuperNode", code="fl_no_node")
        return None  # the benchmark: no node, no contract
    participant = spec.participants.get(node.settings.name)
    if participant is None:
        raise InvalidInput("this hospital has no contract in the job", code="fl_not_a_participant")
    return _Hospital(node, participant)


def _partition(
    context: Context,
    hospital: _Hospital | None,
    spec: JobSpec,
    assets: Sequence[str],
    template: dict[str, Any] | None = None,
) -> Partition:
    """The round's data: the assets the node's grant names (the contract's), never the request's; the
    job's features and outcome, scaled as the product publishes (``template``) or from its own rows."""
    if hospital is None:
        pid = int(str(context.node_config["partition-id"]))
        n = int(str(context.node_config["num-partitions"]))
        return benchmark_partition(spec.workload, pid, n, spec.seed, spec.alpha, spec.patients)
    from node.federated.assets import asset_partition, model_tables  # pandas: only where a node stands
    from node.federated.features import published_scales

    node = hospital.node
    with node.uow() as uow:
        found = [a for a in (uow.assets.get(i) for i in assets) if a is not None]
    if not found:
        raise InvalidInput("the contract's assets are not on this node", code="asset_not_found")
    tables = model_tables(found, node.store)
    scales = published_scales(template or {})
    return asset_partition(node.settings.name, tables, spec.clinical_inputs, scales)


def _public_scales_only(spec: JobSpec, template: dict[str, Any] | None) -> None:
    """DP training scales labs by public reference scales only: refuse, before the round is metered,
    labs the hospital would scale by its own rows (then one record's removal moves every row's scaled
    value: DP trees' split candidates and every clipped gradient would depend on the data, and the
    noise calibrated to one record's contribution would no longer bound it)."""
    from node.federated.assets import unscaled_labs
    from node.federated.features import published_scales

    missing = unscaled_labs(spec.clinical_inputs, published_scales(template or {}))
    if missing:
        raise InvalidInput(
            f"差分隐私训练要求每个检验特征都有公开的参考尺度：{', '.join(missing)} / DP training needs a "
            f"published scale for every lab ({', '.join(missing)}): scaled by the hospital from its rows, "
            "every record's contribution would depend on the others",
            code="fl_dp_unscaled",
        )


def _secure_aggregation(msg: Message, context: Context, call_next: ClientAppCallable) -> Message:
    """Flower's SecAgg+ mod for the rounds that run the protocol; other messages pass through."""
    if msg.metadata.message_type == MessageType.TRAIN and RECORD_KEY_CONFIGS in msg.content.config_records:
        return secaggplus_mod(msg, context, call_next)
    return call_next(msg, context)


class RoundRefused(Exception):
    """What the coordinator sees when a hospital refuses a message: the node's error code and its
    message (codes and contract states; never data)."""


def _refusals(handler: Callable[[Message, Context], Message]) -> Callable[[Message, Context], Message]:
    @functools.wraps(handler)
    def wrapped(msg: Message, context: Context) -> Message:
        try:
            return handler(msg, context)
        except NodeError as exc:
            raise RoundRefused(f"{exc.code}: {exc.message}") from None

    return wrapped


def noise_divisor(spec: JobSpec, msg: Message, context: Context) -> int:
    """By how much a hospital may divide its DP trees' noise variance (``JobSpec.dp_noise_divisor``):
    only when this very message runs inside SecAgg+ (its reply is masked, so the coordinator sees only
    the sum), and never beyond the reconstruction threshold the protocol itself was set up with in
    this round; otherwise 1, the full noise (a coordinator that asks for SecAgg+ in the job but sends
    a plain training message receives a fully noised update)."""
    wanted = spec.dp_noise_divisor
    if wanted <= 1 or RECORD_KEY_CONFIGS not in msg.content.config_records:
        return 1
    state = context.state.config_records.get(RECORD_KEY_STATE)
    threshold = state.get("threshold") if state is not None else None
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        return 1
    return min(wanted, threshold)


def train(source: NodeSource, msg: Message, context: Context) -> Message:
    rnd = Round.of(msg)
    spec = rnd.spec
    hospital = _hospital(source, context, spec)
    assets: list[str] = []
    template: dict[str, Any] | None = None
    if hospital is not None:  # features within the product, then meter the round, then read data
        template = hospital.node.fl_jobs.check_offered("system", hospital.participant.contract_id, spec)
        if spec.dp is not None:
            _public_scales_only(spec, template)
        grant = hospital.node.round_gate.admit(
            hospital.participant.contract_id, spec.job_id, rnd.number, rnd.epsilon()
        )
        assets = list(grant.asset_ids)
        context.state.config_records[STATE] = ConfigRecord({"admitted-round": rnd.number, "assets": assets})
    part = _partition(context, hospital, spec, assets, template)
    model = spec.new_model()
    model.set(arrays_of(msg, [a.shape for a in model.get()]))
    if spec.dp is not None:
        if not isinstance(model, LogisticRegression | Mlp | DpTrees):
            raise InvalidInput(
                "differential privacy is implemented for logistic regression, the MLP and dp_trees",
                code="fl_dp_model",
            )
        # DP trees under SecAgg+: this hospital's share of the noise the sum must carry (distributed DP)
        divisor = noise_divisor(spec, msg, context) if isinstance(model, DpTrees) else 1
        loss = model.fit_dp(
            part.x_train,
            part.y_train,
            spec.local_epochs,
            spec.lr,
            spec.dp.clip,
            spec.dp.noise_multiplier / math.sqrt(divisor),
        )
    else:
        loss = model.fit(part.x_train, part.y_train, spec.local_epochs, spec.lr)
    return train_reply(msg, model.get(), len(part.y_train), loss)


def evaluate(source: NodeSource, msg: Message, context: Context) -> Message:
    rnd = Round.of(msg)
    hospital = _hospital(source, context, rnd.spec)
    assets: list[str] = []
    template: dict[str, Any] | None = None
    if hospital is not None:  # only in a round the node admitted, on the assets it granted
        state = context.state.config_records.get(STATE)
        if state is None or state.get("admitted-round") != rnd.number:
            raise InvalidInput("this hospital did not take part in the round", code="fl_round_not_admitted")
        assets = [str(a) for a in state.get("assets", [])]  # type: ignore[union-attr]
        template = hospital.node.fl_jobs.check_offered("system", hospital.participant.contract_id, rnd.spec)
    part = _partition(context, hospital, rnd.spec, assets, template)
    model = rnd.spec.new_model()
    model.set(arrays_of(msg, [a.shape for a in model.get()]))
    r = report(part.y_test, model.predict(part.x_test))
    metrics = {k: r[k] for k in ("auc", "accuracy", "ece", "brier")}
    if hospital is not None:  # its index among the job's hospitals: the coordinator reports it by name
        metrics["hospital"] = sorted(rnd.spec.participants).index(hospital.node.settings.name)
    return evaluate_reply(msg, metrics, len(part.y_test))


def client_app(source: NodeSource) -> ClientApp:
    """The ClientApp whose rounds run on the hospital node ``source`` names for a message's context."""
    app = ClientApp(mods=[_secure_aggregation])
    app.train()(_refusals(functools.partial(train, source)))
    app.evaluate()(_refusals(functools.partial(evaluate, source)))
    return app


client = client_app(process_node)  # the FAB's ClientApp: the node of the process it runs in
