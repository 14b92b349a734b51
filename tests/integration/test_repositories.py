"""Repository behaviour suite, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from node.adapters.db.engine import make_engine
from node.adapters.db.uow import SqlUnitOfWork
from node.audit.model import GENESIS_HASH, AuditEvent, AuditSeal, chain
from node.identity.model import Principal, Role, Token


@pytest.fixture
def uow_factory(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()


def _principal(pid: str, name: str) -> Principal:
    return Principal(pid, name, "partner", frozenset({Role.INSURER}), "org", "04" + "ab" * 64, 1)


def test_principals_round_trip_and_unique_names(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        uow.principals.add(_principal("pr_1", "insurer-a"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.principals.get("pr_1") == _principal("pr_1", "insurer-a")
        assert uow.principals.by_name("insurer-a") == _principal("pr_1", "insurer-a")
        assert uow.principals.get("pr_missing") is None
        assert [p.id for p in uow.principals.all()] == ["pr_1"]
    with pytest.raises(IntegrityError), uow_factory() as uow:
        uow.principals.add(_principal("pr_2", "insurer-a"))
        uow.commit()


def test_uncommitted_work_is_discarded(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), uow_factory() as uow:
        uow.principals.add(_principal("pr_1", "a1"))
        raise RuntimeError("boom")
    with uow_factory() as uow:
        uow.principals.add(_principal("pr_2", "a2"))  # never committed
    with uow_factory() as uow:
        assert uow.principals.all() == []


def test_tokens_by_hash_and_revoke(uow_factory) -> None:  # type: ignore[no-untyped-def]
    tok = Token("tk_1", "pr_1", "h" * 64, "label", 10, 20)
    with uow_factory() as uow:
        uow.principals.add(_principal("pr_1", "a1"))
        uow.tokens.add(tok)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tokens.by_hash("h" * 64) == tok
        uow.tokens.revoke("tk_1", 15)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tokens.get("tk_1").revoked_at_us == 15  # type: ignore[union-attr]
        assert [t.id for t in uow.tokens.for_principal("pr_1")] == ["tk_1"]


def test_audit_head_entries_and_seals(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        assert uow.audit.lock_head() == (0, GENESIS_HASH)
        e1 = chain(AuditEvent("a", "act", "obj", "1", details={"名": "值", "n": 1}), 1, 5, GENESIS_HASH)
        e2 = chain(AuditEvent("a", "act", "obj", "2"), 2, 6, e1.entry_hash)
        uow.audit.add([e1, e2])
        uow.commit()
    with uow_factory() as uow:
        assert uow.audit.lock_head() == (2, e2.entry_hash)
        assert list(uow.audit.iter_entries()) == [e1, e2]
        assert list(uow.audit.iter_entries(2, 2)) == [e2]
        assert uow.audit.recent(1) == [e2]
        assert uow.audit.last_sealed_seq() == 0
        seal = AuditSeal(1, 2, "r" * 64, e2.entry_hash, "04" + "ab" * 64, 7, "30" * 35)
        uow.audit.add_seal(seal)
        uow.commit()
    with uow_factory() as uow:
        assert uow.audit.last_sealed_seq() == 2
        assert list(uow.audit.iter_seals()) == [seal]


def test_duplicate_sequence_numbers_are_refused(uow_factory) -> None:  # type: ignore[no-untyped-def]
    e1 = chain(AuditEvent("a", "act", "obj", "1"), 1, 5, GENESIS_HASH)
    fork = chain(AuditEvent("b", "act", "obj", "1"), 1, 5, GENESIS_HASH)
    with uow_factory() as uow:
        uow.audit.add([e1])
        uow.commit()
    with pytest.raises(IntegrityError), uow_factory() as uow:
        uow.audit.add([fork])
        uow.commit()
