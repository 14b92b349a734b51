"""The audit log end to end: append, seal, verify, tampering, concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from node.audit.model import AuditEvent, chain
from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.errors import InvalidInput
from tests.conftest import make_container


def _fill(c: Container, n: int) -> None:
    for i in range(n):
        c.audit.record_now(AuditEvent("tester", "thing.touch", "thing", f"t{i}", details={"i": i}))


def _sql(c: Container, stmt: str) -> None:
    with c.engine.begin() as conn:
        conn.execute(text(stmt))


def test_append_seal_verify(container: Container) -> None:
    _fill(container, 120)
    seals = container.audit.seal()
    assert [(s.first_seq, s.last_seq) for s in seals] == [(1, 50), (51, 100), (101, 120)]
    assert container.audit.seal() == []
    _fill(container, 3)
    report = container.audit.verify(container.trusted_audit_keys())
    assert report.ok and report.entries == 123 and report.seals == 3 and report.sealed_through == 120


@pytest.mark.parametrize(
    ("stmt", "broken"),
    [
        ("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 7", 7),
        ("UPDATE audit_entries SET details = '[]' WHERE seq = 12", 12),
        ("DELETE FROM audit_entries WHERE seq = 5", 6),
        ("UPDATE audit_entries SET prev_hash = '" + "0" * 64 + "' WHERE seq = 9", 9),
    ],
)
def test_tampering_names_the_first_broken_entry(container: Container, stmt: str, broken: int) -> None:
    _fill(container, 20)
    container.audit.seal()
    _sql(container, stmt)
    report = container.audit.verify(container.trusted_audit_keys())
    assert not report.ok and report.first_broken_seq == broken, report


def test_rewritten_chain_is_caught_by_the_seals(container: Container) -> None:
    """An attacker with database access rewrites an entry and recomputes every later hash."""
    _fill(container, 10)
    container.audit.seal()
    with container.uow() as uow:
        entries = list(uow.audit.iter_entries())
    prev = entries[2].prev_hash
    forged = []
    for e in entries[2:]:
        ev = AuditEvent(
            "mallory" if e.seq == 3 else e.actor, e.action, e.object_type, e.object_id, details=e.details
        )
        f = chain(ev, e.seq, e.ts_us, prev)
        forged.append(f)
        prev = f.entry_hash
    with container.engine.begin() as conn:
        for f in forged:
            conn.execute(
                text("UPDATE audit_entries SET actor=:a, prev_hash=:p, entry_hash=:h WHERE seq=:s"),
                {"a": f.actor, "p": f.prev_hash, "h": f.entry_hash, "s": f.seq},
            )
    report = container.audit.verify(container.trusted_audit_keys())
    assert not report.ok and report.first_broken_seq == 1 and "does not match" in str(report.reason)


def test_seal_from_an_untrusted_key_is_rejected(container: Container) -> None:
    _fill(container, 3)
    container.audit.seal()
    other = PrivateKey.generate().public_key().to_hex()
    report = container.audit.verify({other})
    assert not report.ok and "not trusted" in str(report.reason)
    _sql(container, "UPDATE audit_seals SET signed_at_us = signed_at_us + 1")
    report = container.audit.verify(container.trusted_audit_keys())
    assert not report.ok and "invalid signature" in str(report.reason)


def test_entry_and_its_action_commit_or_vanish_together(container: Container) -> None:
    with pytest.raises(RuntimeError), container.uow() as uow:
        container.audit.record(uow, AuditEvent("a", "b", "c", "d"))
        raise RuntimeError("the action failed after auditing")
    assert container.audit.recent(10) == []


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_concurrent_writers_do_not_fork_the_chain(db_url: str, tmp_path: Path) -> None:
    writers, per_writer = 8, 40
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []
    c = make_container(db_url, tmp_path / "n")

    def write(w: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                c.audit.record_now(AuditEvent(f"writer-{w}", "race", "thing", f"{w}-{i}"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = c.audit.verify(c.trusted_audit_keys())
    assert report.ok and report.entries == writers * per_writer, report
    with c.uow() as uow:
        assert len({e.object_id for e in uow.audit.iter_entries()}) == writers * per_writer
    c.close()


def test_standalone_append_refuses_bad_details_and_writes_nothing(container: Container) -> None:
    with pytest.raises(InvalidInput):
        container.audit.record_now(AuditEvent("a", "b", "c", "d", details={"x": float("nan")}))
    assert container.audit.recent(10) == []
    entries = container.audit.record_now(AuditEvent("a", "b", "c", "1"), AuditEvent("a", "b", "c", "2"))
    assert [e.seq for e in entries] == [1, 2] and entries[1].prev_hash == entries[0].entry_hash
