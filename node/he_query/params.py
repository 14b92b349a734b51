"""The homomorphic-encryption parameter sets the node accepts, and the size limits on what it reads.

The node fixes the parameters: a partner's context with any other parameters is refused, so that
every evaluation has known depth, precision and security (128-bit per the HE standard's tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scheme(StrEnum):
    CKKS_SCORING = "ckks-scoring"  # encrypted risk scores: linear model + degree-3 sigmoid polynomial
    BFV_COUNTS = "bfv-counts"  # exact integer counts and histograms
    CKKS_SUMS = "ckks-sums"  # real-valued sums


@dataclass(frozen=True)
class ParameterSet:
    scheme: Scheme
    poly_modulus_degree: int
    coeff_mod_bit_sizes: tuple[int, ...]
    global_scale_bits: int = 0  # CKKS only
    plain_modulus: int = 0  # BFV only

    @property
    def slots(self) -> int:
        return self.poly_modulus_degree // (2 if self.scheme != Scheme.BFV_COUNTS else 1)

    @property
    def total_bits(self) -> int:
        return sum(self.coeff_mod_bit_sizes)


PARAMETERS: dict[Scheme, ParameterSet] = {
    # depth 3: weights (plain multiply), z^2, a3*z^3; 240 bits <= 438 allowed for N=16384
    Scheme.CKKS_SCORING: ParameterSet(Scheme.CKKS_SCORING, 16384, (60, 40, 40, 40, 60), global_scale_bits=40),
    # 33832961 = 2065 * 2^14 + 1: a prime that allows batching at N=8192 and holds sums up to 16.9 million
    Scheme.BFV_COUNTS: ParameterSet(Scheme.BFV_COUNTS, 8192, (43, 43, 44, 44, 44), plain_modulus=33832961),
    Scheme.CKKS_SUMS: ParameterSet(Scheme.CKKS_SUMS, 8192, (60, 40, 40, 60), global_scale_bits=40),
}

MAX_CONTEXT_BYTES = 16 * 1024 * 1024  # a public context with relinearization keys, no Galois keys
MAX_CIPHERTEXT_BYTES = 2 * 1024 * 1024
MAX_FEATURE_CIPHERTEXTS = 32
MAX_JOB_BATCHES = 8  # up to 8 x 8,192 applicants per scoring job
MAX_JOB_BYTES = 96 * 1024 * 1024  # base64 JSON of such a job
MAX_SESSIONS = 64  # public contexts kept in memory (each several MiB)
SESSION_TTL_S = 8 * 3600
