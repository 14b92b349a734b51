"""Hash chaining and Merkle roots, independent of storage."""

from __future__ import annotations

from node.audit.model import GENESIS_HASH, AuditEvent, Outcome, chain, merkle_root
from node.crypto.sm import sm3


def test_chain_links_and_hash_covers_every_field() -> None:
    e1 = chain(AuditEvent("alice", "x.do", "thing", "t1"), 1, 1000, GENESIS_HASH)
    e2 = chain(
        AuditEvent("bob", "x.do", "thing", "t2", Outcome.DENIED, {"reason": "r"}), 2, 1001, e1.entry_hash
    )
    assert e2.prev_hash == e1.entry_hash and e1.computed_hash() == e1.entry_hash
    for field, value in [
        ("actor", "mallory"),
        ("outcome", "success"),
        ("details", {}),
        ("seq", 3),
        ("ts_us", 1),
    ]:
        forged = type(e2)(**{**e2.__dict__, field: value})
        assert forged.computed_hash() != e2.entry_hash, field


def test_merkle_root_by_hand() -> None:
    leaves = [sm3(bytes([i])).hex() for i in range(3)]
    l0, l1, l2 = (sm3(b"\x00" + bytes.fromhex(h)) for h in leaves)
    expected = sm3(b"\x01" + sm3(b"\x01" + l0 + l1) + l2).hex()
    assert merkle_root(leaves) == expected
    assert merkle_root(leaves[:1]) == l0.hex()
    assert merkle_root(leaves) != merkle_root([leaves[1], leaves[0], leaves[2]])
