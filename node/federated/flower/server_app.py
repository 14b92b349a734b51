"""The coordinator's ServerApp (flwr 1.41).

Plain rounds run FedAvg from ``flwr.serverapp.strategy``. Rounds under secure aggregation run
Flower's SecAgg+ workflow, which exists only in the legacy workflow API (``flwr.server.workflow``):
the coordinator then sees only the sum of the hospitals' masked updates, never one hospital's.

Both paths share the job's rules: wait for the hospitals with a deadline (Flower's own sampling
waits for ever), treat a refused round or a malformed update as that hospital's absence, stop the
job when fewer than its minimum took part or when someone asked it to stop, and report every
round, the final model, or the reason it ended, to the job's sink.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord
from flwr.common import FitRes, Parameters, Scalar, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server import LegacyContext, ServerConfig
from flwr.server.client_proxy import ClientProxy
from flwr.server.strategy import FedAvg as LegacyFedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD, Key
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg, FedXgbBagging

from node.errors import InvalidInput
from node.federated.flower.grid import PromptGrid
from node.federated.flower.messages import pack, unpack
from node.federated.flower.pulls import prompt_pulls
from node.federated.flower.sinks import JobSink, JobStopped, OpenCoordinator, sink_for
from node.federated.spec import JobSpec
from node.federated.trees import MAX_MODEL_BYTES

METRICS = ("auc", "accuracy", "ece", "brier")


def _wait_for_hospitals(grid: Grid, spec: JobSpec) -> None:
    deadline = time.monotonic() + spec.round_timeout_s
    while len(list(grid.get_node_ids())) < spec.hospitals:
        if time.monotonic() > deadline:
            connected = len(list(grid.get_node_ids()))
            raise JobStopped(
                "fl_hospitals_missing", f"{connected} of {spec.hospitals} hospitals connected in time"
            )
        time.sleep(0.2)


_REFUSED = re.compile(r"RoundRefused: ([^\n'>]{1,300})")
_MESSAGE = re.compile(r"Message: ([^\n'>]{1,300})")


def _reason(error: Any) -> str:
    """A refusal as the hospital's ClientApp gave it ("code: message"; codes and contract states,
    never data), without the traceback the runtime wraps around it."""
    text = str(getattr(error, "reason", error))
    found = _REFUSED.findall(text) or _MESSAGE.findall(text)
    return found[-1].strip() if found else "fl_client_error: a hospital's ClientApp failed"


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JobStopped("fl_update_malformed", "a hospital reported a metric that is not a number")
    return float(value)


def _weighted(rows: list[tuple[int, dict[str, Any]]], keys: Iterable[str] | None = None) -> dict[str, float]:
    """Example-weighted means of the hospitals' metrics: of ``keys``, or of every numeric one."""
    total = sum(n for n, _ in rows)
    if total <= 0:
        return {}
    if keys is None:
        keys = sorted({k for _, m in rows for k, v in m.items() if isinstance(v, int | float)})
    return {k: float(sum(n * float(m[k]) for n, m in rows if k in m) / total) for k in keys}


def _per_hospital(spec: JobSpec, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, float]:
    """Each hospital's own test metrics, as ``NAME.auc`` ...: a hospital reports its index among the
    job's participants (sorted names), the coordinator names it."""
    names = sorted(spec.participants)
    out: dict[str, float] = {}
    for n, m in rows:
        idx = m.get("hospital")
        if isinstance(idx, int) and not isinstance(idx, bool) and 0 <= idx < len(names):
            out.update({f"{names[idx]}.{k}": _number(m[k]) for k in METRICS if k in m})
            out[f"{names[idx]}.n"] = float(n)
    return out


def _evaluated(spec: JobSpec, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, float]:
    """The round's example-weighted (global) metrics and each hospital's own."""
    return {**_weighted(rows, METRICS), **_per_hospital(spec, rows)}


class _Round:
    """One round's bookkeeping, shared by both strategies."""

    def __init__(self, spec: JobSpec, sink: JobSink) -> None:
        self.spec, self.sink = spec, sink
        self.started = 0.0
        self.refused: list[str] = []
        self.trained = 0
        self.loss = float("nan")
        self.aggregated: set[int] = set()

    def begin(self, number: int) -> None:
        reason = self.sink.stop_requested()
        if reason:
            raise JobStopped("fl_stop_requested", reason)
        self.started, self.refused, self.trained = time.perf_counter(), [], 0

    def check_minimum(self, number: int) -> None:
        if self.trained < self.spec.minimum:
            raise JobStopped(
                "fl_too_few_hospitals",
                f"round {number}: {self.trained} of {self.spec.hospitals} hospitals took part "
                f"(minimum {self.spec.minimum}); refusals: {'; '.join(self.refused) or 'none'}",
            )
        self.aggregated.add(number)

    def end(self, number: int, metrics: dict[str, float]) -> None:
        self.sink.round(
            number,
            {
                **metrics,
                "train_loss": self.loss,
                "hospitals": self.trained,
                "seconds": time.perf_counter() - self.started,
                "epsilon": self.spec.epsilon_after(number),
            },
            sorted(set(self.refused)),  # SecAgg+ reports some failures once per stage
        )


def _with_new_trees(spec: JobSpec, server_round: int, previous: list[Any], mean: list[Any]) -> list[Any]:
    """DP trees: the model before the round with this round's tree slots taken from the hospitals'
    (secure) mean, their summed statistics per record; a hospital cannot rewrite earlier trees."""
    if spec.model != "dp_trees":
        return mean
    stats = np.array(previous[0], dtype=float)
    new = slice((server_round - 1) * spec.local_epochs, server_round * spec.local_epochs)
    stats[new] = np.asarray(mean[0])[new]
    return [stats]


class HospitalFedAvg(FedAvg):
    """FedAvg (Message API) with the job's rules."""

    def __init__(self, spec: JobSpec, rnd: _Round, shapes: list[tuple[int, ...]]) -> None:
        n = spec.hospitals
        super().__init__(min_train_nodes=n, min_evaluate_nodes=n, min_available_nodes=n)
        self._rnd, self._shapes = rnd, shapes
        self._previous: list[Any] = []

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        self._rnd.begin(server_round)
        self._previous = list(arrays.to_numpy_ndarrays())
        return super().configure_train(server_round, arrays, config, grid)

    def _well_formed(self, msg: Message) -> bool:
        try:
            record = msg.content.array_records["arrays"]
            arrays = record.to_numpy_ndarrays()
            n = msg.content.metric_records["metrics"]["num-examples"]
        except Exception:  # noqa: BLE001 - any unreadable reply is malformed
            return False
        return (
            [a.shape for a in arrays] == self._shapes
            and all(np.all(np.isfinite(a)) for a in arrays)
            and isinstance(n, int)
            and 0 < n <= 10_000_000
        )

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        good = []
        for msg in replies:
            if msg.has_error():
                self._rnd.refused.append(_reason(msg.error))
            elif not self._well_formed(msg):
                self._rnd.refused.append("fl_update_malformed: an update did not match the model")
            else:
                good.append(msg)
        self._rnd.trained = len(good)
        self._rnd.check_minimum(server_round)
        arrays, metrics = super().aggregate_train(server_round, good)
        if arrays is not None and self._rnd.spec.model == "dp_trees":
            mean = arrays.to_numpy_ndarrays()
            arrays = ArrayRecord(_with_new_trees(self._rnd.spec, server_round, self._previous, mean))
        self._rnd.loss = (
            _number(metrics["train_loss"]) if metrics and "train_loss" in metrics else float("nan")
        )
        return arrays, metrics

    def aggregate_evaluate(self, server_round: int, replies: Iterable[Message]) -> MetricRecord | None:
        good = [m for m in replies if not m.has_error() and "metrics" in m.content.metric_records]
        rows = []
        for msg in good:
            m = msg.content.metric_records["metrics"]
            rows.append((int(_number(m["num-examples"])), dict(m)))
        self._rnd.end(server_round, _evaluated(self._rnd.spec, rows))
        return super().aggregate_evaluate(server_round, good)


class HospitalXgbBagging(HospitalFedAvg, FedXgbBagging):
    """Flower's XGBoost bagging (each hospital's new trees appended to the global model) with the
    job's rules. An update is well formed when it is one byte array of bounded size: the trees are
    checked by XGBoost where they are loaded."""

    def _well_formed(self, msg: Message) -> bool:
        try:
            arrays = msg.content.array_records["arrays"].to_numpy_ndarrays()
            n = msg.content.metric_records["metrics"]["num-examples"]
        except Exception:  # noqa: BLE001 - any unreadable reply is malformed
            return False
        return (
            len(arrays) == 1
            and arrays[0].dtype == np.uint8
            and arrays[0].ndim == 1
            and 0 < arrays[0].size <= MAX_MODEL_BYTES
            and isinstance(n, int)
            and 0 < n <= 10_000_000
        )


def _mean_metrics(rows: list[tuple[int, dict[str, Scalar]]]) -> dict[str, Scalar]:
    """``_weighted`` of every numeric metric, typed as the legacy strategy's aggregation callback."""
    return dict(_weighted(rows))


class SecureFedAvg(LegacyFedAvg):
    """FedAvg in the legacy API that Flower's SecAgg+ workflow drives, with the job's rules."""

    def __init__(self, spec: JobSpec, rnd: _Round, initial: list[Any], config: dict[str, Scalar]) -> None:
        n = spec.hospitals

        def cfg(server_round: int) -> dict[str, Scalar]:
            return {**config, "server-round": server_round}

        super().__init__(
            min_fit_clients=spec.minimum,
            min_evaluate_clients=spec.minimum,
            min_available_clients=n,
            on_fit_config_fn=cfg,
            on_evaluate_config_fn=cfg,
            fit_metrics_aggregation_fn=_mean_metrics,
            evaluate_metrics_aggregation_fn=_mean_metrics,
            initial_parameters=ndarrays_to_parameters(initial),
        )
        self._rnd = rnd
        self._previous: list[Any] = []

    def configure_fit(self, server_round: int, parameters: Parameters, client_manager: Any) -> Any:
        self._rnd.begin(server_round)
        self._previous = parameters_to_ndarrays(parameters)
        return super().configure_fit(server_round, parameters, client_manager)

    def aggregate_fit(
        self,
        server_round: int,
        results: list[tuple[ClientProxy, FitRes]],
        failures: list[tuple[ClientProxy, FitRes] | BaseException],
    ) -> tuple[Parameters | None, dict[str, Scalar]]:
        self._rnd.refused.extend(
            _reason(f.args[0] if isinstance(f, BaseException) and f.args else f) for f in failures
        )
        self._rnd.trained = len(results)
        self._rnd.check_minimum(server_round)
        params, metrics = super().aggregate_fit(server_round, results, [])
        if params is not None and not all(np.all(np.isfinite(a)) for a in parameters_to_ndarrays(params)):
            raise JobStopped("fl_update_malformed", f"round {server_round}: the secure sum is not finite")
        if params is not None and self._rnd.spec.model == "dp_trees":
            mean = parameters_to_ndarrays(params)
            params = ndarrays_to_parameters(
                _with_new_trees(self._rnd.spec, server_round, self._previous, mean)
            )
        losses = [_number(r.metrics.get("train_loss", np.nan)) for _, r in results]
        self._rnd.loss = float(np.average(losses, weights=[r.num_examples for _, r in results]))
        return params, metrics

    def aggregate_evaluate(
        self, server_round: int, results: Any, failures: Any
    ) -> tuple[float | None, dict[str, Scalar]]:
        rows = [(r.num_examples, dict(r.metrics)) for _, r in results]
        self._rnd.end(server_round, _evaluated(self._rnd.spec, rows))
        return super().aggregate_evaluate(server_round, results, [])


def _plain(grid: Grid, spec: JobSpec, rnd: _Round, initial: list[Any], config: ConfigRecord) -> list[Any]:
    kind = HospitalXgbBagging if spec.model == "xgboost" else HospitalFedAvg
    wire = pack(initial)  # several float arrays travel as one vector (messages.py)
    strategy = kind(spec, rnd, [a.shape for a in wire])
    result = strategy.start(
        grid,
        ArrayRecord(wire),
        spec.rounds,
        timeout=spec.round_timeout_s,
        train_config=config,
        evaluate_config=config,
    )
    return unpack(list(result.arrays.to_numpy_ndarrays()), [a.shape for a in initial])


def _secure(
    grid: Grid, context: Context, spec: JobSpec, rnd: _Round, initial: list[Any], config: ConfigRecord
) -> list[Any]:
    assert spec.secagg is not None
    sa = spec.secagg
    strategy = SecureFedAvg(spec, rnd, pack(initial), dict(config))  # type: ignore[arg-type]
    legacy = LegacyContext(
        context,
        config=ServerConfig(num_rounds=spec.rounds, round_timeout=spec.round_timeout_s),
        strategy=strategy,
    )
    secagg = SecAggPlusWorkflow(
        num_shares=sa.num_shares,
        reconstruction_threshold=sa.threshold,
        max_weight=sa.max_weight,
        clipping_range=sa.clipping_range,
        quantization_range=sa.quantization_range,
        timeout=spec.secagg_timeout_s,
    )

    def fit(grid: Grid, ctx: Context) -> None:
        secagg(grid, ctx)
        current = int(ctx.state.config_records[MAIN_CONFIGS_RECORD][Key.CURRENT_ROUND])  # type: ignore[arg-type]
        if current not in rnd.aggregated:  # the protocol halted: too few hospitals or shares
            raise JobStopped(
                "fl_secagg_halted",
                f"round {current}: secure aggregation halted; refusals: {'; '.join(rnd.refused) or 'none'}",
            )

    DefaultWorkflow(fit_workflow=fit)(grid, legacy)
    final = list(legacy.state.array_records[MAIN_PARAMS_RECORD].to_numpy_ndarrays())
    return unpack(final, [a.shape for a in initial])


def main(coordinator: OpenCoordinator | None, grid: Grid, context: Context) -> None:
    prompt_pulls()  # replies' objects are pulled from the SuperLink: retried promptly
    spec, sink = sink_for(context.run_config, coordinator)
    rnd = _Round(spec, sink)
    grid = PromptGrid(grid)
    try:
        _wait_for_hospitals(grid, spec)
        initial = spec.new_model().get()
        config = ConfigRecord({"job": spec.to_json()})
        sink.started()
        run: Callable[[], list[Any]] = (
            (lambda: _secure(grid, context, spec, rnd, initial, config))
            if spec.secagg
            else (lambda: _plain(grid, spec, rnd, initial, config))
        )
        arrays = run()
    except JobStopped as stop:
        sink.stopped(stop.code, stop.reason)
    except InvalidInput as exc:
        sink.failed(exc.code, str(exc))
    except Exception as exc:
        sink.failed("fl_coordinator_error", type(exc).__name__)
        raise
    else:
        sink.finished(arrays)


def server_app(coordinator: OpenCoordinator | None = None) -> ServerApp:
    """The ServerApp; ``coordinator`` opens the node a job run with ``coordinator="env"`` records
    into (the composition root's, ``node.flower_apps``)."""
    app = ServerApp()
    app.main()(functools.partial(main, coordinator))
    return app


server = server_app()  # in-process runs: jobs handed over (``hand_over``) or events to a file
