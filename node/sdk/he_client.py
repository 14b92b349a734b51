"""A partner's encrypted queries: keys stay here; the nodes see public contexts and ciphertexts only."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hnode_partner import he

from node.errors import InvalidInput, NodeError
from node.he_query.model import column_order
from node.he_query.params import PARAMETERS, Scheme
from node.he_query.tenseal_backend import ClientKeys
from node.sdk.partner import PartnerClient, node_errors


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


SCORE_TOLERANCE = 1e-3  # CKKS noise is ~1e-6; a score further outside [0, 1] means unclipped inputs


@dataclass
class Scores:
    """Decrypted risk scores, clipped to [0, 1]; what was clipped on the way is counted, not hidden."""

    values: list[float]  # risk probabilities: served scores clipped to [0, 1], then the model's Platt map
    served: list[float]  # the decrypted scores of the served polynomial, clipped to [0, 1]
    inputs_clipped: int  # applicants with a value outside the model's published bounds (clipped first)
    out_of_range: list[int]  # applicants (0-based) whose decrypted score lay outside [0, 1] (flagged)

    def __len__(self) -> int:
        return len(self.values)


class HeClient:
    """Encrypted risk scoring and aggregates over one or more nodes' APIs."""

    def __init__(self, node: PartnerClient) -> None:
        self._node = node
        self._sessions: dict[tuple[int, Scheme], str] = {}
        self._models: dict[str, dict[str, Any]] = {}

    def session(self, keys: ClientKeys, node: PartnerClient | None = None) -> str:
        """Register the public context at a node once; returns its SM3 digest."""
        target = node or self._node
        key = (id(target), keys.scheme)
        if key not in self._sessions:
            out = target._call(
                "POST",
                f"/v1/he/sessions?scheme={keys.scheme.value}",
                content=keys.public_context(),
                headers={"Content-Type": "application/octet-stream"},
            )
            self._sessions[key] = str(out["session"])
        return self._sessions[key]

    def model(self, product_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._node._call("GET", f"/v1/he/models/{product_id}")
        return out

    def contract_model(self, contract_id: str) -> dict[str, Any]:
        """The public description of the risk model a scoring contract's product serves."""
        if contract_id not in self._models:
            product_id = str(self._node.contract(contract_id)["product_id"])
            self._models[contract_id] = self.model(product_id)
        return self._models[contract_id]

    def prepare(
        self, contract_id: str, rows: Sequence[Sequence[float]], columns: Sequence[str] | None = None
    ) -> tuple[list[list[float]], int]:
        """Rows in the model's feature order (by ``columns`` names when given), each value clipped to
        its feature's published bounds: the node cannot clip what it cannot read. Returns the rows and
        how many applicants had a value clipped."""
        model = self.contract_model(contract_id)
        features = model["features"]
        if columns is not None:
            order = column_order(features, columns)
            rows = [[row[i] for i in order] for row in rows]
        x = np.asarray(rows, dtype=float).reshape(len(rows), -1)
        if x.shape[1] != len(features):
            raise InvalidInput(
                f"the model reads {len(features)} features; rows hold {x.shape[1]} values",
                code="he_columns_mismatch",
            )
        if "clip" not in features[0]:
            raise InvalidInput("the node serves a risk model without input bounds", code="he_model_outdated")
        bounds = np.array([f["clip"] for f in features], dtype=float)
        clipped = np.clip(x, bounds[:, 0], bounds[:, 1])
        return clipped.tolist(), int((clipped != x).any(axis=1).sum())

    def _scores(self, contract_id: str, raw: Sequence[float], inputs_clipped: int) -> Scores:
        values = np.asarray(raw, dtype=float)
        out = np.flatnonzero((values < -SCORE_TOLERANCE) | (values > 1 + SCORE_TOLERANCE))
        served = np.clip(values, 0.0, 1.0)
        platt = self.contract_model(contract_id).get("calibration")
        risk = 1 / (1 + np.exp(-(platt["a"] * served + platt["b"]))) if platt else served
        return Scores(risk.tolist(), served.tolist(), inputs_clipped, [int(i) for i in out])

    def score(
        self,
        keys: ClientKeys,
        contract_id: str,
        rows: Sequence[Sequence[float]],
        columns: Sequence[str] | None = None,
    ) -> Scores:
        """Scores of applicants (raw features, in the model's order or named by ``columns``), decrypted
        here."""
        prepared, clipped = self.prepare(contract_id, rows, columns)
        session = self.session(keys)
        features = [_b64(c) for c in keys.encrypt_columns(prepared)]
        out = self._node._call(
            "POST",
            "/v1/he/score",
            json={"contract_id": contract_id, "session": session, "features": features},
        )
        return self._scores(contract_id, keys.decrypt(base64.b64decode(out["scores"]))[: len(rows)], clipped)

    def score_many(
        self,
        keys: ClientKeys,
        contract_id: str,
        rows: Sequence[Sequence[float]],
        on_progress: Callable[[int, int], None] | None = None,
        poll_s: float = 0.2,
        columns: Sequence[str] | None = None,
    ) -> Scores:
        """Any number of applicants (up to 8 batches) as one job; ``on_progress(done, total)`` batches."""
        prepared, clipped = self.prepare(contract_id, rows, columns)
        slots = PARAMETERS[keys.scheme].slots
        chunks = [prepared[i : i + slots] for i in range(0, len(prepared), slots)]
        session = self.session(keys)
        batches = [[_b64(c) for c in keys.encrypt_columns(chunk)] for chunk in chunks]
        job = self._node._call(
            "POST",
            "/v1/he/jobs/score",
            json={"contract_id": contract_id, "session": session, "batches": batches},
        )
        while job["state"] not in ("done", "failed"):
            if on_progress:
                on_progress(job["progress"]["done"], job["progress"]["total"])
            time.sleep(poll_s)
            job = self._node._call("GET", f"/v1/he/jobs/{job['id']}")
        if job["state"] == "failed":
            raise NodeError(f"the scoring job failed: {job['error']}", code=str(job["error"]))
        if on_progress:
            on_progress(job["progress"]["total"], job["progress"]["total"])
        scores: list[float] = []
        for chunk, blob in zip(chunks, job["scores"], strict=True):
            scores += keys.decrypt(base64.b64decode(blob))[: len(chunk)]
        return self._scores(contract_id, scores, clipped)

    def aggregate(
        self,
        counts_keys: ClientKeys,
        sums_keys: ClientKeys,
        hospitals: Sequence[tuple[PartnerClient, str]],
        coordinator: PartnerClient,
        condition: str,
        epsilon: float,
    ) -> he.Aggregate:
        """Ask each hospital (client, contract id) for its encrypted contribution, have the coordinator
        add them, and decrypt only the total (the light client's ``hnode_partner.he``)."""
        with node_errors():
            counts = he.HeKeys.load(counts_keys.secret_blob(), counts_keys.scheme.value)
            sums = he.HeKeys.load(sums_keys.secret_blob(), sums_keys.scheme.value)
            parts = [he.contribution(node, ct, counts, sums, condition, epsilon) for node, ct in hospitals]
            return he.combine(coordinator, counts, sums, parts)
