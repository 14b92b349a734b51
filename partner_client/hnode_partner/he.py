"""Encrypted multi-hospital statistics (TenSEAL, the ``[he]`` extra): the partner's keys stay here; each
hospital encrypts its cohort's counts and sums under the partner's public context, a coordinator adds the
ciphertexts (it can read neither them nor the total) and only the total is decrypted here.

The parameter sets are the ones the nodes accept (``node/he_query/params.py``; a test keeps them equal):
a context with other parameters is refused by every node."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from hnode_partner.client import NodeCaller, PartnerError

# scheme -> (poly modulus degree, coefficient modulus bit sizes, CKKS scale bits, BFV plain modulus)
PARAMETERS: dict[str, tuple[int, tuple[int, ...], int, int]] = {
    "bfv-counts": (8192, (43, 43, 44, 44, 44), 0, 33832961),
    "ckks-sums": (8192, (60, 40, 40, 60), 40, 0),
}


def _tenseal() -> Any:
    try:
        import tenseal
    except ImportError:
        raise PartnerError(
            "homomorphic encryption needs TenSEAL: pip install 'hnode-partner[he]'", "extra_missing"
        ) from None
    return tenseal


class HeKeys:
    """The partner's keys for one scheme (a TenSEAL context with its secret key)."""

    def __init__(self, scheme: str, context: Any) -> None:
        self.scheme = scheme
        self._ctx = context

    @classmethod
    def generate(cls, scheme: str) -> HeKeys:
        if scheme not in PARAMETERS:
            raise PartnerError(f"--scheme must be one of {', '.join(PARAMETERS)}", "scheme_invalid")
        ts = _tenseal()
        degree, bits, scale, plain = PARAMETERS[scheme]
        if scheme == "bfv-counts":
            ctx = ts.context(
                ts.SCHEME_TYPE.BFV,
                poly_modulus_degree=degree,
                plain_modulus=plain,
                coeff_mod_bit_sizes=list(bits),
            )
        else:
            ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=degree, coeff_mod_bit_sizes=list(bits))
            ctx.global_scale = 2**scale
            ctx.generate_relin_keys()
        return cls(scheme, ctx)

    @classmethod
    def load(cls, blob: bytes, scheme: str) -> HeKeys:
        """Keys written by ``hnode-partner he keygen`` (or the node's ``hnode he keygen``)."""
        ctx = _tenseal().context_from(blob)
        if not ctx.has_secret_key():
            raise PartnerError("this key file holds no secret key", "he_secret_key_missing")
        return cls(scheme, ctx)

    def secret_blob(self) -> bytes:
        return bytes(self._ctx.serialize(save_secret_key=True, save_galois_keys=False))

    def public_context(self) -> bytes:
        public = self._ctx.copy()
        public.make_context_public()
        return bytes(public.serialize(save_secret_key=False, save_galois_keys=False, save_relin_keys=True))

    def decrypt(self, blob: bytes) -> list[float]:
        ts = _tenseal()
        if self.scheme == "bfv-counts":
            plain = PARAMETERS["bfv-counts"][3]  # residues mod t: the upper half are negatives (DP noise)
            return [
                float(v - plain if v > plain // 2 else v)
                for v in ts.bfv_vector_from(self._ctx, blob).decrypt()
            ]
        return [float(v) for v in ts.ckks_vector_from(self._ctx, blob).decrypt()]


@dataclass
class Aggregate:
    counts: dict[str, int]
    sums: dict[str, float]
    hospitals: list[str]
    noise: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"hospitals": self.hospitals, "counts": self.counts, "sums": self.sums, "noise": self.noise}


def session(node: NodeCaller, keys: HeKeys) -> str:
    """Register the public context at a node (never the secret key); returns its session id."""
    out = node.call(
        "POST",
        f"/v1/he/sessions?scheme={keys.scheme}",
        content=keys.public_context(),
        headers={"Content-Type": "application/octet-stream"},
    )
    return str(out["session"])


def contribution(
    node: NodeCaller, contract_id: str, counts: HeKeys, sums: HeKeys, condition: str, epsilon: float
) -> dict[str, Any]:
    """One hospital's encrypted cohort statistics under its he_query contract (one metered use)."""
    body = {
        "contract_id": contract_id,
        "counts_session": session(node, counts),
        "sums_session": session(node, sums),
        "condition": condition,
        "epsilon": epsilon,
    }
    return dict(node.call("POST", "/v1/he/aggregate", json=body))


def combine(coordinator: NodeCaller, counts: HeKeys, sums: HeKeys, parts: list[dict[str, Any]]) -> Aggregate:
    """The coordinator adds the hospitals' ciphertexts; only the totals are decrypted, here."""
    if not parts:
        raise PartnerError("no hospital contributed", "no_hospitals")
    totals = {}
    for keys, field in ((counts, "counts"), (sums, "sums")):
        body = {
            "session": session(coordinator, keys),
            "scheme": keys.scheme,
            "parts": [p[field] for p in parts],
        }
        totals[field] = base64.b64decode(coordinator.call("POST", "/v1/he/combine", json=body)["total"])
    names_c, names_s = parts[0]["count_names"], parts[0]["sum_names"]
    count_values = counts.decrypt(totals["counts"])[: len(names_c)]
    sum_values = sums.decrypt(totals["sums"])[: len(names_s)]
    return Aggregate(
        {n: round(v) for n, v in zip(names_c, count_values, strict=True)},
        dict(zip(names_s, sum_values, strict=True)),
        [p["hospital"] for p in parts],
        [p["noise"] for p in parts],
    )
