"""The anchoring outbox under chain outages and crashes, audit batches and their proofs, and quotas
under 50 concurrent requests on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.adapters.chain import ChainConnector
from node.anchoring.services import AnchorService
from node.bootstrap import Container
from node.contracts.enforcement import UsageDenied, UsageRequest
from node.contracts.model import State
from node.errors import DependencyUnavailable, NotFound
from node.ports import ChainAnchor
from tests.chain_support import free_port
from tests.conftest import make_container
from tests.contract_world import World, build_world


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("anchor-samples")


@pytest.fixture
def world(db_url: str, tmp_path: Path, samples: Path) -> Iterator[World]:
    c = make_container(db_url, tmp_path / "node")
    yield build_world(c, samples)
    c.close()


def _signed(w: World) -> str:
    ct = w.c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    ct = w.c.contracts.approve(w.officer, ct.id)
    return w.sign_as(w.insurer_key, w.insurer, ct).id


def test_chain_outage_delays_activation_and_loses_nothing(world: World) -> None:
    w, c = world, world.c
    settings_down = c.settings.model_copy(
        update={"chain_rpc_url": f"http://127.0.0.1:{free_port()}", "chain_timeout_s": 1.0}
    )
    down = AnchorService(c.uow, c.audit, c.clock, ChainConnector(settings_down, lambda label, n: b"\x01" * n))
    contract_id = _signed(w)
    report = down.deliver()
    assert report.delivered == [] and [e for _, e in report.failed] == ["chain_unavailable"]
    assert report.pending == 1
    assert c.contracts.get(w.officer, contract_id).state == State.ANCHORING
    [item] = c.anchoring.pending()
    assert item.attempts == 1 and item.last_error == "chain_unavailable"
    assert item.next_attempt_us > c.clock.now_us()  # backed off
    assert c.audit.recent(1, action="anchor.deliver")[0].outcome == "failed"
    with c.uow() as uow:  # due again now, as if the backoff had passed
        uow.outbox.failed(item.id, "chain_unavailable", 0)
        uow.commit()
    report = c.anchoring.deliver()  # the embedded chain is up
    assert len(report.delivered) == 1 and report.pending == 0
    assert c.contracts.get(w.officer, contract_id).state == State.ACTIVE
    assert c.anchoring.deliver().delivered == []  # nothing left, nothing repeated
    # issue 15: a chain that cannot be asked is said to be so, not reported as "not anchored"
    c.anchoring.batch_audit()
    c.anchoring.deliver()
    with pytest.raises(DependencyUnavailable) as err:
        down.check_proof(c.anchoring.prove(1))
    assert err.value.code == "chain_unavailable" and settings_down.chain_rpc_url in err.value.message
    assert report.reasons == {}
    _signed(w)
    failed = down.deliver()  # and a delivery that failed says why, beside its code
    assert "did not answer" in failed.reasons["chain_unavailable"]


def test_a_crash_after_the_chain_write_does_not_anchor_twice(world: World) -> None:
    w, c = world, world.c
    contract_id = _signed(w)
    [item] = c.anchoring.pending()
    chain: ChainAnchor = c.chain()
    first = chain.anchor(item.digest, item.kind, item.ref)  # the worker died before recording this
    report = c.anchoring.deliver()
    assert report.delivered == [first]
    assert c.contracts.get(w.officer, contract_id).state == State.ACTIVE
    with c.uow() as uow:
        assert uow.anchors.get(item.digest) == first


def test_audit_batches_anchor_and_prove_inclusion(world: World) -> None:
    c = world.c
    with pytest.raises(NotFound):
        c.anchoring.prove(3)
    batch = c.anchoring.batch_audit()
    assert batch is not None and batch.first_seq == 1
    c.anchoring.deliver()
    for seq in (1, batch.last_seq // 2, batch.last_seq):
        proof = c.anchoring.prove(seq)
        assert proof.verifies()
        assert proof.anchor is not None and proof.anchor.digest == batch.merkle_root
        assert c.chain().find(proof.merkle_root) == proof.anchor
    forged = c.anchoring.prove(2)
    assert not type(forged)(**{**forged.__dict__, "entry_hash": "00" * 32}).verifies()
    second = c.anchoring.batch_audit()  # the entries written since
    assert second is not None and second.first_seq == batch.last_seq + 1


@pytest.mark.postgres
def test_fifty_concurrent_uses_against_a_quota_of_ten(pg_url: str, tmp_path: Path, samples: Path) -> None:
    c: Container = make_container(pg_url, tmp_path / "node")
    try:
        w = build_world(c, samples)
        ct = w.active(
            w.insurer,
            w.insurer_key,
            "aggregate",
            w.terms("aggregate_query", "actuarial_statistics", max_uses=10),
        )
        req = UsageRequest(ct.id, ct.terms.access_mode, "actuarial_statistics", epsilon=0.01, cohort_size=100)

        def one(_: int) -> str:
            try:
                c.usage.check(w.insurer, req)
                return "ok"
            except UsageDenied as exc:
                return ",".join(exc.reasons)

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(one, range(50)))
        assert results.count("ok") == 10, results
        assert all(r in ("ok", "contract_active,uses_left") for r in results), set(results)
        final = c.contracts.get(w.officer, ct.id)
        assert (final.state, final.uses, round(final.epsilon_spent, 6)) == (State.EXHAUSTED, 10, 0.1)
        with c.uow() as uow:
            assert len(uow.contracts.usage(ct.id)) == 10
        uses = c.audit.recent(100, action="contract.use")
        assert (
            sum(e.outcome == "success" for e in uses) == 10 and sum(e.outcome == "denied" for e in uses) == 40
        )
        assert c.audit.verify(c.trusted_audit_keys()).ok
    finally:
        c.close()


@pytest.mark.postgres
def test_concurrent_uses_from_two_processes_mix_contracts_denials_and_unknown_ids(
    pg_url: str, tmp_path: Path, samples: Path
) -> None:
    """Two containers stand for two worker processes: each batches its own threads' uses, and the
    contract row locks keep the quotas exact between them. One batch can hold uses of several
    contracts, another partner's or an unknown contract id, and uses past the quota."""
    a: Container = make_container(pg_url, tmp_path / "node")
    b: Container = make_container(pg_url, tmp_path / "node")
    try:
        w = build_world(a, samples)
        terms = w.terms("aggregate_query", "actuarial_statistics", max_uses=7)
        first, second = (w.active(w.insurer, w.insurer_key, "aggregate", terms) for _ in range(2))
        before = a.audit.recent(1)[0].seq
        ids = [first.id, second.id, "ct_unknown"]

        def one(i: int) -> str:
            node = (a, b)[i % 2]
            req = UsageRequest(ids[i % 3], None, "actuarial_statistics", epsilon=0.01, cohort_size=100)
            try:
                return "ok:" + node.usage.check(w.insurer, req).contract.id
            except UsageDenied as exc:
                return ",".join(exc.reasons)
            except NotFound as exc:
                return exc.code

        with ThreadPoolExecutor(max_workers=60) as pool:
            results = list(pool.map(one, range(60)))
        assert results.count(f"ok:{first.id}") == 7 and results.count(f"ok:{second.id}") == 7, results
        assert results.count("contract_not_found") == 20
        assert results.count("contract_active,uses_left") == 26
        for ct in (first, second):
            final = a.contracts.get(w.officer, ct.id)
            assert (final.state, final.uses, round(final.epsilon_spent, 6)) == (State.EXHAUSTED, 7, 0.07)
        assert max(a.usage.largest_batch, b.usage.largest_batch) > 1
        entries = a.audit.recent(200, action="contract.use")
        assert len([e for e in entries if e.seq > before]) == 60  # one entry per use or denial
        assert a.audit.verify(a.trusted_audit_keys()).ok
    finally:
        a.close()
        b.close()
