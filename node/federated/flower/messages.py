"""The two shapes a round's messages take. Plain rounds use the Message API's records ("arrays",
"config", "metrics"); secure-aggregation rounds run Flower's SecAgg+ workflow, which still speaks
the legacy Fit/Evaluate records ("fitins.parameters", "fitres.num_examples", ...). The ClientApp
reads and answers both through these helpers, so its training code does not care which.

A model of several float arrays travels as one flat vector (``pack``; each side
restores the shapes of its own model with ``unpack``): Flower moves every array of a message as
objects of their own, one request each at every hop, so a logistic regression's model message is
six objects instead of eight and the MLP's six instead of twelve. FedAvg's weighted mean is taken
element by element either way, and so are SecAgg+'s clipping, quantization, masks and sum. A reply
is packed when the model came packed."""

from __future__ import annotations

from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Message, MetricRecord, RecordDict
from flwr.common import Code, EvaluateRes, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.compat.common import recorddict_compat as compat

from node.errors import InvalidInput

CONFIG = "config"


def _malformed(what: str) -> InvalidInput:
    return InvalidInput(f"malformed model update: {what}", code="fl_update_malformed")


def pack(arrays: list[Any]) -> list[Any]:
    """Several float arrays as one flat float64 vector; anything else (one array, bytes) unchanged."""
    if len(arrays) < 2 or not all(np.asarray(a).dtype.kind == "f" for a in arrays):
        return list(arrays)
    return [np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])]


def unpack(arrays: list[Any], shapes: list[tuple[int, ...]]) -> list[Any]:
    """``pack``'s vector back in ``shapes``; arrays that already have them are returned as they are,
    and a vector of the wrong size is refused as a malformed model."""
    if [np.shape(a) for a in arrays] == shapes or len(shapes) < 2:
        return list(arrays)
    sizes = [int(np.prod(s)) for s in shapes]
    if len(arrays) != 1 or np.ndim(arrays[0]) != 1 or np.size(arrays[0]) != sum(sizes):
        raise _malformed("the arrays do not fit the model")
    parts = np.split(np.asarray(arrays[0]), np.cumsum(sizes)[:-1])
    return [p.reshape(s) for p, s in zip(parts, shapes, strict=True)]


def _legacy(msg: Message) -> str | None:
    for kind in ("fitins", "evaluateins"):
        if f"{kind}.parameters" in msg.content.array_records:
            return kind
    return None


def config_of(msg: Message) -> ConfigRecord | None:
    kind = _legacy(msg)
    if kind is None:
        return msg.content.config_records.get(CONFIG)
    return msg.content.config_records.get(f"{kind}.config")


def arrays_of(msg: Message, shapes: list[tuple[int, ...]]) -> list[Any]:
    """The model the server sent, as numpy arrays in the receiving model's ``shapes`` (``unpack``); a
    message without a readable model is refused."""
    return unpack(_sent_arrays(msg), shapes)


def _sent_arrays(msg: Message) -> list[Any]:
    kind = _legacy(msg)
    try:
        if kind is None:
            record = msg.content.array_records.get("arrays")
            if record is None:
                raise _malformed("the message carries no model")
            return list(record.to_numpy_ndarrays())
        params = compat.arrayrecord_to_parameters(
            msg.content.array_records[f"{kind}.parameters"], keep_input=True
        )
        return list(parameters_to_ndarrays(params))
    except InvalidInput:
        raise
    except Exception:  # noqa: BLE001 - whatever the deserializer raises, the answer is the same
        raise _malformed("the arrays cannot be read") from None


def train_reply(msg: Message, arrays: list[Any], num_examples: int, loss: float) -> Message:
    if _legacy(msg) is None:
        metrics = MetricRecord({"train_loss": loss, "num-examples": num_examples})
        sent = msg.content.array_records.get("arrays")
        reply = pack(arrays) if sent is not None and len(sent) == 1 else arrays  # as the model came
        return Message(RecordDict({"arrays": ArrayRecord(reply), "metrics": metrics}), reply_to=msg)
    sent = msg.content.array_records[f"{_legacy(msg)}.parameters"]
    reply = pack(arrays) if len(sent) == 1 else arrays
    res = FitRes(Status(Code.OK, ""), ndarrays_to_parameters(reply), num_examples, {"train_loss": loss})
    return Message(compat.fitres_to_recorddict(res, keep_input=True), reply_to=msg)


def evaluate_reply(msg: Message, metrics: dict[str, float], num_examples: int) -> Message:
    if _legacy(msg) is None:
        record = MetricRecord({**metrics, "num-examples": num_examples})
        return Message(RecordDict({"metrics": record}), reply_to=msg)
    res = EvaluateRes(Status(Code.OK, ""), float(metrics.get("loss", 0.0)), num_examples, dict(metrics))
    return Message(compat.evaluateres_to_recorddict(res), reply_to=msg)
