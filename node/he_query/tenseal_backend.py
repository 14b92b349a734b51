"""TenSEAL (Microsoft SEAL) behind the node's HE ports: the only module that imports tenseal.

Server side (``TenSealBackend``): load a partner's *public* context after checking its parameters,
evaluate on ciphertexts, encrypt statistics under the partner's key, add ciphertexts. Client side
(``ClientKeys``): what a partner runs to make keys, encrypt inputs and decrypt results; the secret key
never leaves it. TenSEAL objects are not thread-safe: each loaded context carries its own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tenseal as ts

from node.crypto.sm import sm3
from node.errors import InvalidInput, PolicyDenied
from node.he_query.params import (
    MAX_CIPHERTEXT_BYTES,
    MAX_CONTEXT_BYTES,
    PARAMETERS,
    ParameterSet,
    Scheme,
)

_SCHEME_TYPES = {Scheme.CKKS_SCORING: "CKKS", Scheme.BFV_COUNTS: "BFV", Scheme.CKKS_SUMS: "CKKS"}


@dataclass
class LoadedContext:
    """A partner's public context, identified by the SM3 digest of its serialized bytes."""

    digest: str
    scheme: Scheme
    ctx: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


def _new_context(p: ParameterSet) -> Any:
    if p.scheme == Scheme.BFV_COUNTS:
        ctx = ts.context(
            ts.SCHEME_TYPE.BFV,
            poly_modulus_degree=p.poly_modulus_degree,
            plain_modulus=p.plain_modulus,
            coeff_mod_bit_sizes=list(p.coeff_mod_bit_sizes),
        )
    else:
        ctx = ts.context(
            ts.SCHEME_TYPE.CKKS,
            poly_modulus_degree=p.poly_modulus_degree,
            coeff_mod_bit_sizes=list(p.coeff_mod_bit_sizes),
        )
        ctx.global_scale = 2**p.global_scale_bits
    return ctx


def check_parameters(ctx: Any, scheme: Scheme) -> None:
    """Refuse a context whose scheme, ring, modulus chain, scale or plain modulus differ from the node's."""
    p = PARAMETERS[scheme]
    data = ctx.seal_context().data
    key = data.key_context_data()
    parms = key.parms()
    problems = []
    if parms.scheme().name != _SCHEME_TYPES[scheme]:
        problems.append(f"scheme {parms.scheme().name}")
    if parms.poly_modulus_degree() != p.poly_modulus_degree:
        problems.append(f"poly_modulus_degree {parms.poly_modulus_degree()}")
    if key.total_coeff_modulus_bit_count() != p.total_bits:
        problems.append(f"coefficient modulus of {key.total_coeff_modulus_bit_count()} bits")
    levels, c = 0, data.first_context_data()
    while c is not None:
        levels, c = levels + 1, c.next_context_data()
    if levels != len(p.coeff_mod_bit_sizes) - 1:
        problems.append(f"{levels} levels")
    if p.scheme == Scheme.BFV_COUNTS:
        plain = 2 * data.first_context_data().plain_upper_half_threshold() - 1
        if plain != p.plain_modulus:
            problems.append(f"plain modulus {plain}")
    elif round(ctx.global_scale) != 2**p.global_scale_bits:
        problems.append("global scale")
    if problems:
        raise InvalidInput(
            f"context parameters differ from the node's {scheme.value} set: {', '.join(problems)}",
            code="he_parameters_mismatch",
        )


class TenSealBackend:
    def load_context(self, blob: bytes, scheme: Scheme) -> LoadedContext:
        if len(blob) > MAX_CONTEXT_BYTES:
            raise InvalidInput(
                f"context of {len(blob)} bytes exceeds {MAX_CONTEXT_BYTES} (send it without Galois keys)",
                code="he_payload_too_large",
            )
        try:
            ctx = ts.context_from(blob)
        except Exception:  # noqa: BLE001 - any parse failure of foreign bytes is bad input
            raise InvalidInput("the context does not deserialize", code="he_context_malformed") from None
        if ctx.has_secret_key() or ctx.is_private():
            raise PolicyDenied(
                "the context includes a secret key: the node must never hold it; send "
                "make_context_public() output",
                code="he_secret_key_refused",
            )
        check_parameters(ctx, scheme)
        if not ctx.has_relin_keys() and scheme == Scheme.CKKS_SCORING:
            raise InvalidInput(
                "scoring needs the relinearization keys in the context", code="he_keys_missing"
            )
        return LoadedContext(sm3(blob).hex(), scheme, ctx)

    def _vector(self, loaded: LoadedContext, blob: bytes) -> Any:
        if len(blob) > MAX_CIPHERTEXT_BYTES:
            raise InvalidInput(
                f"ciphertext of {len(blob)} bytes exceeds {MAX_CIPHERTEXT_BYTES}", code="he_payload_too_large"
            )
        try:
            if loaded.scheme == Scheme.BFV_COUNTS:
                return ts.bfv_vector_from(loaded.ctx, blob)
            return ts.ckks_vector_from(loaded.ctx, blob)
        except Exception:  # noqa: BLE001
            raise InvalidInput(
                "a ciphertext does not deserialize under the session's context",
                code="he_ciphertext_malformed",
            ) from None

    def score(
        self,
        loaded: LoadedContext,
        features: Sequence[bytes],
        weights: Sequence[float],
        bias: float,
        poly: Sequence[float],
    ) -> bytes:
        """sigmoid~(bias + sum_j w_j x_j) slot-wise: ciphertext j holds feature j of many applicants."""
        if loaded.scheme != Scheme.CKKS_SCORING:
            raise InvalidInput("scoring needs a ckks-scoring session", code="he_scheme_mismatch")
        if len(features) != len(weights):
            raise InvalidInput(
                f"the model has {len(weights)} features; {len(features)} ciphertexts were sent",
                code="he_feature_count",
            )
        with loaded.lock:
            vectors = [self._vector(loaded, b) for b in features]
            sizes = {v.size() for v in vectors}
            if len(sizes) != 1:
                raise InvalidInput(
                    "feature ciphertexts hold different numbers of applicants", code="he_shape"
                )
            z = vectors[0] * float(weights[0])
            for v, w in zip(vectors[1:], weights[1:], strict=True):
                z = z + v * float(w)
            z = z + float(bias)
            return bytes(z.polyval([float(c) for c in poly]).serialize())

    def encrypt_counts(self, loaded: LoadedContext, values: Sequence[int]) -> bytes:
        if loaded.scheme != Scheme.BFV_COUNTS:
            raise InvalidInput("counts need a bfv-counts session", code="he_scheme_mismatch")
        with loaded.lock:
            return bytes(ts.bfv_vector(loaded.ctx, [int(v) for v in values]).serialize())

    def encrypt_sums(self, loaded: LoadedContext, values: Sequence[float]) -> bytes:
        if loaded.scheme != Scheme.CKKS_SUMS:
            raise InvalidInput("sums need a ckks-sums session", code="he_scheme_mismatch")
        with loaded.lock:
            return bytes(ts.ckks_vector(loaded.ctx, [float(v) for v in values]).serialize())

    def add(self, loaded: LoadedContext, parts: Sequence[bytes]) -> bytes:
        """The coordinator's step: add the hospitals' ciphertexts without being able to read any."""
        if not parts:
            raise InvalidInput("nothing to add", code="he_no_parts")
        with loaded.lock:
            vectors = [self._vector(loaded, b) for b in parts]
            total = vectors[0]
            for v in vectors[1:]:
                if v.size() != total.size():
                    raise InvalidInput("parts hold different numbers of values", code="he_shape")
                total = total + v
            return bytes(total.serialize())


class ClientKeys:
    """A partner's keys for one scheme. ``public_context()`` is what the node receives."""

    def __init__(self, scheme: Scheme, ctx: Any | None = None) -> None:
        self.scheme = scheme
        self._ctx = ctx if ctx is not None else _new_context(PARAMETERS[scheme])
        if ctx is None and scheme != Scheme.BFV_COUNTS:
            self._ctx.generate_relin_keys()

    @classmethod
    def load(cls, blob: bytes, scheme: Scheme) -> ClientKeys:
        ctx = ts.context_from(blob)
        if not ctx.has_secret_key():
            raise InvalidInput("this key file holds no secret key", code="he_secret_key_missing")
        return cls(scheme, ctx)

    def secret_blob(self) -> bytes:
        """Serialized context *with* the secret key: store it encrypted, never send it."""
        return bytes(self._ctx.serialize(save_secret_key=True, save_galois_keys=False))

    def public_context(self) -> bytes:
        public = self._ctx.copy()
        public.make_context_public()
        return bytes(public.serialize(save_secret_key=False, save_galois_keys=False, save_relin_keys=True))

    def encrypt_columns(self, rows: Sequence[Sequence[float]]) -> list[bytes]:
        """One ciphertext per feature, each holding that feature of every applicant (SIMD packing)."""
        slots = PARAMETERS[self.scheme].slots
        if len(rows) > slots:
            raise InvalidInput(f"at most {slots} applicants per batch", code="he_batch_too_large")
        columns = list(zip(*rows, strict=True)) if rows else []
        return [bytes(ts.ckks_vector(self._ctx, [float(x) for x in col]).serialize()) for col in columns]

    def decrypt(self, blob: bytes) -> list[float]:
        if self.scheme == Scheme.BFV_COUNTS:
            return [float(v) for v in ts.bfv_vector_from(self._ctx, blob).decrypt()]
        return [float(v) for v in ts.ckks_vector_from(self._ctx, blob).decrypt()]

    def decrypt_counts(self, blob: bytes) -> list[int]:
        """BFV values are residues modulo t; map the upper half to negatives (DP noise may be negative)."""
        t = PARAMETERS[Scheme.BFV_COUNTS].plain_modulus
        out = [int(v) for v in ts.bfv_vector_from(self._ctx, blob).decrypt()]
        return [v - t if v > t // 2 else v for v in out]


class PerApplicantBaseline:
    """The naive way, for the benchmark only: one encrypted vector per applicant and one TenSEAL dot
    product each (rotations, so Galois keys), then the same sigmoid polynomial."""

    def __init__(self, keys: ClientKeys) -> None:
        self._ctx = keys._ctx.copy()
        self._ctx.generate_galois_keys()

    def encrypt(self, rows: Sequence[Sequence[float]]) -> list[Any]:
        return [ts.ckks_vector(self._ctx, [float(x) for x in row]) for row in rows]

    def evaluate(
        self, vectors: Sequence[Any], weights: Sequence[float], bias: float, poly: Sequence[float]
    ) -> list[Any]:
        w = [float(x) for x in weights]
        return [(v.dot(w) + float(bias)).polyval([float(c) for c in poly]) for v in vectors]

    @staticmethod
    def decrypt(results: Sequence[Any]) -> list[float]:
        return [float(r.decrypt()[0]) for r in results]
