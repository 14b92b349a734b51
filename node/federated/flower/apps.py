"""The hospital's ClientApp and the coordinator's ServerApp (Flower Message API, flwr 1.41).

The server sends the model kind and hyper-parameters with every round in the message's config, so a
hospital's ClientApp needs nothing beside its own data. Each round the ClientApp trains locally and
replies with its arrays and `num-examples`; evaluation replies with AUC, accuracy and calibration on
the hospital's held-out data. The coordinator aggregates with FedAvg.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from node.errors import InvalidInput
from node.federated.assets import asset_partition
from node.federated.data import Partition, wisconsin_partitions
from node.federated.metrics import report
from node.federated.models import LogisticRegression, make_model
from node.federated.privacy import DpConfig, epsilon

if TYPE_CHECKING:  # the node is wired only where a hospital's node stands behind the ClientApp
    from node.bootstrap import Container


@dataclass
class FlJob:
    """What the coordinator runs; the ServerApp writes its outcome back here."""

    hospitals: int
    rounds: int
    model: str = "logreg"
    local_epochs: int = 20
    lr: float = 0.5
    seed: int = 42
    alpha: float = 1.0
    dp: DpConfig | None = None
    features: int = 30  # Wisconsin; 6 for the clinical risk features of registered assets
    target: str = "E11"
    final_arrays: list[Any] = field(default_factory=list)
    round_seconds: list[float] = field(default_factory=list)
    per_round: dict[int, dict[str, float]] = field(default_factory=dict)


_JOB: FlJob | None = None
_JOB_LOCK = threading.Lock()


def set_job(job: FlJob) -> None:
    global _JOB
    with _JOB_LOCK:
        _JOB = job


@dataclass(frozen=True)
class RoundConfig:
    model: str
    local_epochs: int
    lr: float
    seed: int
    alpha: float
    dp_noise: float = 0.0  # noise multiplier z of DP gradient descent; 0: no DP
    dp_clip: float = 1.0
    dp_delta: float = 1e-5
    target: str = "E11"  # with asset-backed data: the ICD-10 prefix to predict

    def round_epsilon(self, round_no: int) -> float:
        """What this round adds to the hospital's ε (RDP composition is sublinear: charge the increment)."""
        if self.dp_noise <= 0:
            return 0.0
        steps = self.local_epochs
        return epsilon(round_no * steps, self.dp_noise, self.dp_delta) - epsilon(
            (round_no - 1) * steps, self.dp_noise, self.dp_delta
        )

    @classmethod
    def of(cls, msg: Message) -> RoundConfig:
        """Read and check the round's config; a malformed one is refused, not half-used."""
        record = msg.content.config_records.get("config")
        try:
            assert record is not None
            cfg = cls(
                str(record["model"]),
                int(_number(record["local-epochs"])),
                float(_number(record["lr"])),
                int(_number(record["seed"])),
                float(_number(record["alpha"])),
                float(_number(record.get("dp-noise", 0.0))),
                float(_number(record.get("dp-clip", 1.0))),
                float(_number(record.get("dp-delta", 1e-5))),
                str(record.get("target", "E11")),
            )
        except (AssertionError, KeyError, TypeError, ValueError):
            raise InvalidInput("malformed round configuration", code="fl_config_malformed") from None
        if not (
            1 <= cfg.local_epochs <= 1000
            and 0 < cfg.lr <= 10
            and cfg.alpha > 0
            and cfg.dp_noise >= 0 < cfg.dp_clip
        ):
            raise InvalidInput("round configuration out of range", code="fl_config_malformed")
        return cfg


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _arrays(msg: Message) -> list[Any]:
    record = msg.content.array_records.get("arrays")
    if record is None:
        raise InvalidInput("the message carries no model", code="fl_update_malformed")
    return list(record.to_numpy_ndarrays())


@dataclass(frozen=True)
class _Hospital:
    node: Container
    contract_id: str
    product_id: str | None


@contextmanager
def _hospital_node(context: Context) -> Iterator[_Hospital | None]:
    """This hospital's node for the duration of one message, or None without one. In simulation the
    nodes are named by HNODE_FL_NODES (JSON: partition id -> {data_dir, database_url, contract_id[,
    product_id]}); secrets (NODE_KEY_PASSPHRASE or NODE_SECRETS_DIR) come from the environment, as for
    any node process."""
    spec = json.loads(os.environ.get("HNODE_FL_NODES", "{}")).get(str(context.node_config["partition-id"]))
    if not spec:
        yield None
        return
    from node.bootstrap import build_container
    from node.config import load_settings

    node = build_container(load_settings(data_dir=spec["data_dir"], database_url=spec["database_url"]))
    try:
        yield _Hospital(node, str(spec["contract_id"]), spec.get("product_id"))
    finally:
        node.close()


def _partition(context: Context, hospital: _Hospital | None, cfg: RoundConfig) -> Partition:
    if hospital is not None and hospital.product_id:
        return _asset_partition(hospital.node, hospital.product_id, cfg)
    pid = int(str(context.node_config["partition-id"]))
    n = int(str(context.node_config["num-partitions"]))
    return wisconsin_partitions(n, cfg.alpha, cfg.seed)[pid]


def _asset_partition(node: Container, product_id: str, cfg: RoundConfig) -> Partition:
    """The hospital's own registered assets behind the job's data product."""
    from node.asset_registry.clinical import clinical_tables

    with node.uow() as uow:
        product = uow.products.get(product_id)
        assets = [a for a in (uow.assets.get(i) for i in (product.asset_ids if product else [])) if a]
    if product is None:
        raise InvalidInput("the job's data product is not on this node", code="product_not_found")
    observations, conditions = clinical_tables(assets, node.store)
    return asset_partition(node.settings.name, observations, conditions, cfg.target)


client = ClientApp()


def _admit(msg: Message, hospital: _Hospital | None, cfg: RoundConfig) -> None:
    """Have this hospital's node meter the round under the job's contract, before any data is read;
    a hospital without a node behind it has no contract to check."""
    if hospital is None:
        return
    record = msg.content.config_records.get("config")
    round_no = int(_number(record.get("server-round", 1))) if record is not None else 1
    job = str(record.get("job", "fl")) if record is not None else "fl"
    hospital.node.round_gate.admit(hospital.contract_id, job, round_no, cfg.round_epsilon(round_no))


@client.train()
def train(msg: Message, context: Context) -> Message:
    cfg = RoundConfig.of(msg)
    with _hospital_node(context) as hospital:
        _admit(msg, hospital, cfg)
        part = _partition(context, hospital, cfg)
    model = make_model(cfg.model, part.x_train.shape[1])
    model.set(_arrays(msg))
    if cfg.dp_noise > 0:
        if not isinstance(model, LogisticRegression):
            raise InvalidInput(
                "differential privacy is implemented for logistic regression", code="fl_dp_model"
            )
        rng = np.random.default_rng(secrets.randbits(128))  # DP noise must not be predictable
        loss = model.fit_dp(
            part.x_train, part.y_train, cfg.local_epochs, cfg.lr, cfg.dp_clip, cfg.dp_noise, rng
        )
    else:
        loss = model.fit(part.x_train, part.y_train, cfg.local_epochs, cfg.lr)
    metrics = MetricRecord({"train_loss": loss, "num-examples": len(part.y_train)})
    return Message(RecordDict({"arrays": ArrayRecord(model.get()), "metrics": metrics}), reply_to=msg)


@client.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    cfg = RoundConfig.of(msg)
    with _hospital_node(context) as hospital:
        part = _partition(context, hospital, cfg)
    model = make_model(cfg.model, part.x_test.shape[1])
    model.set(_arrays(msg))
    r = report(part.y_test, model.predict(part.x_test))
    metrics = MetricRecord(
        {"auc": r["auc"], "accuracy": r["accuracy"], "ece": r["ece"], "num-examples": len(part.y_test)}
    )
    return Message(RecordDict({"metrics": metrics}), reply_to=msg)


server = ServerApp()


@server.main()
def main(grid: Grid, context: Context) -> None:
    job = _JOB
    if job is None:
        raise RuntimeError("no FL job configured for this ServerApp")
    initial = ArrayRecord(make_model(job.model, job.features).get())
    values: dict[str, Any] = {
        "model": job.model,
        "local-epochs": job.local_epochs,
        "lr": job.lr,
        "seed": job.seed,
        "alpha": job.alpha,
        "target": job.target,
    }
    if job.dp is not None:
        if job.dp.spent(job.rounds * job.local_epochs) > job.dp.target_epsilon + 1e-9:
            raise InvalidInput("the job would exceed its privacy budget", code="fl_budget_exceeded")
        values |= {"dp-noise": job.dp.noise_multiplier, "dp-clip": job.dp.clip, "dp-delta": job.dp.delta}
    config = ConfigRecord(values)
    strategy = FedAvg(
        fraction_train=1.0,
        fraction_evaluate=1.0,
        min_train_nodes=job.hospitals,
        min_evaluate_nodes=job.hospitals,
        min_available_nodes=job.hospitals,
    )
    start = time.perf_counter()
    result = strategy.start(grid, initial, job.rounds, train_config=config, evaluate_config=config)
    elapsed = time.perf_counter() - start
    job.final_arrays = result.arrays.to_numpy_ndarrays()
    job.round_seconds = [elapsed / job.rounds] * job.rounds
    job.per_round = {
        int(r): {k: float(_number(v)) for k, v in m.items()}
        for r, m in result.evaluate_metrics_clientapp.items()
    }
