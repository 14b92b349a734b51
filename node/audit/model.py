"""Audit entries, their SM3 hash chain, Merkle batching and seals."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it has a place in the chain. ``details`` must never hold patient data."""

    actor: str
    action: str
    object_type: str
    object_id: str
    outcome: Outcome = Outcome.SUCCESS
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts_us: int
    actor: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts_us": self.ts_us,
            "actor": self.actor,
            "action": self.action,
            "object": {"type": self.object_type, "id": self.object_id},
            "outcome": self.outcome,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        return sm3(canonical_json(self.body())).hex()


def chain(event: AuditEvent, seq: int, ts_us: int, prev_hash: str) -> AuditEntry:
    draft = AuditEntry(
        seq=seq,
        ts_us=ts_us,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=str(event.outcome),
        details=dict(event.details),
        prev_hash=prev_hash,
        entry_hash="",
    )
    return AuditEntry(**{**draft.__dict__, "entry_hash": draft.computed_hash()})


def merkle_root(leaf_hashes: list[str]) -> str:
    """SM3 Merkle root with domain-separated leaves (0x00) and nodes (0x01); an odd node is promoted."""
    if not leaf_hashes:
        raise ValueError("no leaves")
    level = [sm3(b"\x00" + bytes.fromhex(h)) for h in leaf_hashes]
    while len(level) > 1:
        nxt = [sm3(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def merkle_proof(leaf_hashes: list[str], index: int) -> list[tuple[str, str]]:
    """The inclusion proof of leaf ``index`` for ``merkle_root``: (side, sibling hash) pairs, bottom up,
    where side "L" means the sibling is on the left. Promoted odd nodes contribute no step."""
    if not 0 <= index < len(leaf_hashes):
        raise ValueError("leaf index out of range")
    level = [sm3(b"\x00" + bytes.fromhex(h)) for h in leaf_hashes]
    proof: list[tuple[str, str]] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling].hex()))
        nxt = [sm3(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level, index = nxt, index // 2
    return proof


def verify_merkle_proof(leaf_hash: str, proof: list[tuple[str, str]], root: str) -> bool:
    node = sm3(b"\x00" + bytes.fromhex(leaf_hash))
    for side, sibling in proof:
        s = bytes.fromhex(sibling)
        node = sm3(b"\x01" + (s + node if side == "L" else node + s))
    return node.hex() == root


@dataclass(frozen=True)
class AuditSeal:
    """The node's SM2 signature over a contiguous batch of entries."""

    first_seq: int
    last_seq: int
    merkle_root: str
    last_hash: str
    signer_public_key: str
    signed_at_us: int
    signature: str

    def signed_message(self) -> bytes:
        return seal_message(
            self.first_seq,
            self.last_seq,
            self.merkle_root,
            self.last_hash,
            self.signer_public_key,
            self.signed_at_us,
        )


def seal_message(
    first: int, last: int, root: str, last_hash: str, public_key: str, signed_at_us: int
) -> bytes:
    return canonical_json(
        {
            "type": "audit-seal/v1",
            "first_seq": first,
            "last_seq": last,
            "merkle_root": root,
            "last_hash": last_hash,
            "signer": public_key,
            "signed_at_us": signed_at_us,
        }
    )
