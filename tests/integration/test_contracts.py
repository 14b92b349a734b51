"""Contracts end to end on SQLite and PostgreSQL: negotiation, signatures, anchoring, metering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.contracts.enforcement import UsageDenied, UsageRequest
from node.contracts.model import State
from node.contracts.verification import export, verify_copy
from node.crypto.sm import PrivateKey
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from tests.conftest import FakeClock, make_container
from tests.contract_world import World, build_world


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contract-samples")


@pytest.fixture
def world(db_url: str, tmp_path: Path, samples: Path) -> Iterator[World]:
    c = make_container(db_url, tmp_path / "node", clock=FakeClock())
    yield build_world(c, samples)
    c.close()


def _last(w: World, action: str) -> tuple[str, dict[str, object]]:
    entry = w.c.audit.recent(1, action=action)[0]
    return entry.outcome, entry.details


def test_negotiation_signing_and_anchoring(world: World) -> None:
    w, c = world, world.c
    # an insurer never gets rows of a level-3 asset: refused by policy at request time
    refused = c.contracts.request(
        w.insurer, w.products["extract"], w.terms("anonymized_extract", "claims_verification")
    )
    assert refused.state == State.REJECTED and "row_level_allowed_for_role" in refused.reason
    assert _last(w, "contract.request")[0] == "denied"

    ct = c.contracts.request(
        w.researcher, w.products["extract"], w.terms("anonymized_extract", "clinical_research")
    )
    assert ct.state == State.PENDING_APPROVAL and not ct.needs_ethics
    # the officer counter-offers fewer uses; the partner accepts
    ct = c.contracts.counter_offer(w.officer, ct.id, {**ct.terms.as_dict(), "max_uses": 3})
    assert (ct.state, ct.version) == (State.COUNTER_OFFERED, 2)
    with pytest.raises(NotFound):  # another partner cannot touch it
        c.contracts.accept_counter_offer(w.insurer, ct.id)
    ct = c.contracts.accept_counter_offer(w.researcher, ct.id)
    assert ct.state == State.AGREED and ct.terms.max_uses == 3

    # a signature by another key, or over other bytes, changes nothing
    for bad in (PrivateKey.generate().sign(ct.canonical()), w.researcher_key.sign(ct.canonical() + b" ")):
        with pytest.raises(InvalidInput) as err:
            c.contracts.sign(w.researcher, ct.id, bad.hex())
        assert err.value.code == "signature_invalid"
        assert c.contracts.get(w.officer, ct.id).state == State.AGREED
    assert _last(w, "contract.sign") == ("denied", {"reasons": ["signature_invalid"]})

    signed = w.sign_as(w.researcher_key, w.researcher, ct)
    assert signed.state == State.ANCHORING and signed.node_signature is not None
    assert [i.ref for i in c.anchoring.pending()] == [ct.id]
    report = c.anchoring.deliver()
    assert [r.digest for r in report.delivered] == [ct.digest] and report.pending == 0
    active = c.contracts.get(w.researcher, ct.id)
    assert active.state == State.ACTIVE

    with c.uow() as uow:
        anchor = uow.anchors.get(ct.digest)
    copy = export(active, anchor)
    verdict = verify_copy(copy, w.researcher.public_key, {c.signer.public_key_hex}, c.chain())
    assert verdict.ok, verdict.as_dict()
    copy["document"]["terms"]["max_uses"] = 300  # a tampered copy
    tampered = verify_copy(copy, w.researcher.public_key, {c.signer.public_key_hex}, c.chain())
    failed = {ch.name for ch in tampered.checks if not ch.ok}
    assert failed == {"digest", "partner_signature", "node_signature", "anchor"}
    other_key = verify_copy(
        export(active, anchor), w.insurer.public_key, {c.signer.public_key_hex}, c.chain()
    )
    assert [ch.name for ch in other_key.checks if not ch.ok] == ["partner_signature"]


def test_level_4_needs_ethics_and_roles_are_checked_by_the_state_machine(world: World) -> None:
    w, c = world, world.c
    ct = c.contracts.request(
        w.researcher, w.products["federated"], w.terms("federated_training", "drug_research")
    )
    assert ct.needs_ethics and ct.level == 4
    ct = c.contracts.approve(w.officer, ct.id)
    assert ct.state == State.PENDING_ETHICS
    with pytest.raises(Conflict) as err:  # the officer cannot approve twice to skip ethics
        c.contracts.approve(w.officer, ct.id)
    assert err.value.code == "illegal_transition"
    assert _last(w, "contract.approve")[0] == "denied"
    with pytest.raises(InvalidInput):
        c.contracts.reject(w.ethics, ct.id, "   ")
    rejected = c.contracts.reject(w.ethics, ct.id, "知情同意范围不覆盖该研究")
    assert rejected.state == State.REJECTED and rejected.reason == "知情同意范围不覆盖该研究"


def test_extracts_are_metered_refunded_on_failure_and_stop_at_the_quota(world: World) -> None:
    w, c = world, world.c
    ct = w.active(
        w.researcher,
        w.researcher_key,
        "extract",
        w.terms("anonymized_extract", "clinical_research", max_uses=2),
    )
    impossible = w.active(
        w.researcher,
        w.researcher_key,
        "extract",
        w.terms("anonymized_extract", "clinical_research", k=100_000),
    )
    with pytest.raises(PolicyDenied) as err:  # k cannot be met: no rows, and the use is refunded
        c.contract_extracts.extract(w.researcher, impossible.id)
    assert err.value.code == "k_not_met"
    after = c.contracts.get(w.researcher, impossible.id)
    assert after.uses == 0 and after.state == State.ACTIVE
    with c.uow() as uow:
        assert uow.contracts.usage(impossible.id) == []
    assert _last(w, "contract.use")[1]["refunded"] is True

    for _ in range(2):
        table, report = c.contract_extracts.extract(w.researcher, ct.id)
        assert report.achieved_k >= 5 and len(table) > 0
    assert c.contracts.get(w.researcher, ct.id).state == State.EXHAUSTED
    with pytest.raises(UsageDenied) as denied:
        c.contract_extracts.extract(w.researcher, ct.id)
    assert denied.value.reasons == ["contract_active", "uses_left"]
    outcome, details = _last(w, "contract.use")
    assert outcome == "denied" and details["reasons"] == ["contract_active", "uses_left"]
    with pytest.raises(NotFound):
        c.contract_extracts.extract(w.insurer, ct.id)


def test_privacy_budget_purpose_and_cohort_are_enforced(world: World) -> None:
    w, c = world, world.c
    ct = w.active(
        w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics", epsilon=1.0)
    )
    use = UsageRequest(ct.id, ct.terms.access_mode, "actuarial_statistics", epsilon=0.4, cohort_size=50)
    for _ in range(2):
        c.usage.check(w.insurer, use)
    with pytest.raises(UsageDenied) as err:
        c.usage.check(w.insurer, use)
    assert err.value.reasons == ["privacy_budget_left"]
    cases = [
        (
            UsageRequest(ct.id, ct.terms.access_mode, "underwriting_risk_model", cohort_size=50),
            "purpose_matches",
        ),
        (
            UsageRequest(ct.id, ct.terms.access_mode, "actuarial_statistics", cohort_size=19),
            "cohort_large_enough",
        ),
    ]
    for req, reason in cases:
        with pytest.raises(UsageDenied) as err:
            c.usage.check(w.insurer, req)
        assert err.value.reasons == [reason]
    got = c.contracts.get(w.insurer, ct.id)
    assert (got.uses, round(got.epsilon_spent, 6)) == (2, 0.8)


def test_monitor_expires_contracts_and_tells_listeners(world: World) -> None:
    w, c = world, world.c
    ct = w.active(w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics"))
    ended: list[str] = []
    c.monitor.subscribe(lambda contract: ended.append(contract.id))
    assert c.monitor.run_once() == []
    assert isinstance(c.clock, FakeClock)
    c.clock.advance_hours(24 * 31)
    assert [x.id for x in c.monitor.run_once()] == [ct.id] and ended == [ct.id]
    assert c.contracts.get(w.insurer, ct.id).state == State.EXPIRED
    with pytest.raises(UsageDenied) as err:
        c.usage.check(w.insurer, UsageRequest(ct.id, ct.terms.access_mode, ct.terms.purpose, cohort_size=50))
    assert err.value.reasons == ["contract_active", "within_validity"]


def test_revocation_stops_use_and_illegal_steps_raise(world: World) -> None:
    w, c = world, world.c
    ct = w.active(w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics"))
    c.contracts.revoke(w.officer, ct.id, "合作方违反禁止再识别条款")
    with pytest.raises(UsageDenied):
        c.usage.check(w.insurer, UsageRequest(ct.id, ct.terms.access_mode, ct.terms.purpose, cohort_size=50))
    with pytest.raises(Conflict):
        c.contracts.revoke(w.officer, ct.id, "again")
    assert [x.id for x in c.contracts.list_for(w.insurer)] == [ct.id]
    assert c.contracts.list_for(w.researcher) == []
    assert len(c.contracts.list_for(w.officer, {State.REVOKED})) == 1


def test_every_negotiation_refusal_is_audited_once_by_the_service_itself(world: World) -> None:
    """issue 15: negotiation refusals were audited in a second transaction after the first rolled back,
    through ``denial``/``audited`` flags on the error, and some not at all (a contract id that does not
    exist, from the CLI, which has no error handler that audits). Each refusal is now written by the
    service, in the transaction that decided it, once, marked audited for the HTTP edge."""
    w, c = world, world.c
    ct = c.contracts.request(
        w.researcher, w.products["extract"], w.terms("anonymized_extract", "clinical_research")
    )
    refusals = [
        (
            lambda: c.contracts.approve(w.officer, "ct_missing"),
            "contract.approve",
            "ct_missing",
            "contract_not_found",
        ),
        (
            lambda: c.contracts.sign(w.researcher, ct.id, "00"),
            "contract.sign",
            ct.id,
            "contract_not_signable",
        ),
        (
            lambda: c.contracts.accept_counter_offer(w.insurer, ct.id),
            "contract.accept",
            ct.id,
            "contract_not_found",
        ),
        (
            lambda: c.contracts.request(w.researcher, "pd_missing", w.terms("anonymized_extract", "x")),
            "contract.request",
            "pd_missing",
            "product_not_found",
        ),
        (
            lambda: c.contracts.accept_counter_offer(w.researcher, ct.id),
            "contract.accept",
            ct.id,
            "illegal_transition",
        ),
    ]
    for call, action, ref, code in refusals:
        before = w.c.audit.recent(1)[0].seq
        with pytest.raises((NotFound, InvalidInput, Conflict)) as err:
            call()
        assert err.value.code == code and err.value.audited, (action, code)
        written = [e for e in w.c.audit.recent(5) if e.seq > before]
        assert [(e.action, e.object_id, e.outcome, e.details) for e in written] == [
            (action, ref, "denied", {"reasons": [code]})
        ], (action, code)
    assert c.contracts.get(w.officer, ct.id).state == State.PENDING_APPROVAL
