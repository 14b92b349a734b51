"""Tamper-evident audit log: SM3 hash chain, Merkle-batched SM2 seals, verification."""
