"""The contract state machine and term parsing: every legal path, every illegal jump."""

from __future__ import annotations

import pytest

from node.asset_registry.model import AccessMode
from node.contracts.model import DAY_US, FINAL, Contract, IllegalTransition, Signature, State, Terms
from node.errors import InvalidInput

T0 = 1_800_000_000_000_000


def terms(**over: object) -> Terms:
    raw: dict[str, object] = {
        "purpose": "clinical_research",
        "access_mode": "aggregate_query",
        "valid_from_us": T0,
        "valid_to_us": T0 + 10 * DAY_US,
        "max_uses": 2,
        "epsilon": 1.0,
        "min_cohort": 20,
    }
    return Terms.parse(raw | over)


def contract(needs_ethics: bool = False) -> Contract:
    return Contract(
        id="ct_1",
        product_id="pd_1",
        partner_id="pr_1",
        node_id="h1",
        node_public_key="04" + "ab" * 64,
        asset_ids=("as_1",),
        level=4 if needs_ethics else 3,
        terms=terms(),
        state=State.REQUESTED,
        version=1,
        requested_at_us=T0,
        updated_at_us=T0,
        needs_ethics=needs_ethics,
    )


SIG = Signature("x", "04" + "cd" * 64, "30", T0)


def test_happy_path_without_ethics() -> None:
    c = contract().submit(T0).approve("officer", T0)
    assert c.state == State.AGREED and c.digest == c.computed_digest()
    c = c.sign(SIG, SIG, T0).start_anchoring(T0).activate(T0)
    assert c.state == State.ACTIVE
    c = c.record_use(0.5, T0)
    assert (c.uses, c.epsilon_spent, c.state) == (1, 0.5, State.ACTIVE)
    c = c.record_use(0.5, T0)
    assert c.state == State.EXHAUSTED and c.uses_left == 0
    c = c.refund_use(0.5, T0)
    assert (c.state, c.uses, c.epsilon_spent) == (State.ACTIVE, 1, 0.5)


def test_level_4_waits_for_ethics_and_the_document_names_both_approvers() -> None:
    c = contract(needs_ethics=True).submit(T0).approve("officer", T0)
    assert c.state == State.PENDING_ETHICS and c.digest == ""
    with pytest.raises(IllegalTransition):
        c.sign(SIG, SIG, T0)
    c = c.approve_ethics("reviewer", T0)
    assert c.state == State.AGREED
    assert [a["role"] for a in c.document()["approvals"]] == ["data_officer", "ethics_reviewer"]


def test_counter_offer_changes_terms_and_version_and_needs_acceptance() -> None:
    c = contract().submit(T0).counter_offer(terms(max_uses=1), "officer", T0)
    assert (c.state, c.version, c.terms.max_uses) == (State.COUNTER_OFFERED, 2, 1)
    with pytest.raises(IllegalTransition):
        c.approve("officer", T0)
    agreed = c.accept_counter_offer(T0)
    assert agreed.state == State.AGREED and agreed.document()["version"] == 2
    assert agreed.digest != contract().submit(T0).approve("o", T0).digest


def test_rejection_from_every_approval_step_and_not_after() -> None:
    for c in (
        contract(),
        contract().submit(T0),
        contract(True).submit(T0).approve("o", T0),
        contract().submit(T0).counter_offer(terms(), "o", T0),
    ):
        assert c.reject("不符合用途", T0).state == State.REJECTED
    agreed = contract().submit(T0).approve("o", T0)
    with pytest.raises(IllegalTransition):
        agreed.reject("late", T0)


def test_final_states_are_final() -> None:
    active = contract().submit(T0).approve("o", T0).sign(SIG, SIG, T0).start_anchoring(T0).activate(T0)
    ended = [
        active.expire(T0),
        active.revoke("breach", T0),
        active.terminate("done", T0),
        active.record_use(0, T0).record_use(0, T0),
    ]
    assert {c.state for c in ended} == {State.EXPIRED, State.REVOKED, State.TERMINATED, State.EXHAUSTED}
    for c in ended:
        assert c.state in FINAL
        for step in (
            lambda c: c.activate(T0),
            lambda c: c.record_use(0, T0),
            lambda c: c.approve("o", T0),
            lambda c: c.revoke("x", T0),
        ):
            with pytest.raises(IllegalTransition) as err:
                step(c)
            assert err.value.code == "illegal_transition"


def test_digest_covers_every_term() -> None:
    base = contract().submit(T0).approve("o", T0)
    for change in ({"max_uses": 3}, {"epsilon": 1.5}, {"purpose": "drug_research"}, {"k": 7}):
        other = Contract(**{**base.__dict__, "terms": terms(**change)})
        assert other.computed_digest() != base.digest, change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access_mode": "teleport"}, "access_mode"),
        ({"max_uses": -1}, "max_uses"),
        ({"max_uses": True}, "max_uses"),
        ({"valid_to_us": "tomorrow"}, "valid_to_us"),
        ({"epsilon": -0.1}, "epsilon"),
        ({"purpose": ""}, "purpose"),
        ({"prohibitions": ["nothing"]}, "prohibitions"),
        ({"duties": {"dance": 1}}, "duties"),
        ({"colour": "red"}, "unknown term"),
    ],
)
def test_terms_are_validated_field_by_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        terms(**change)
    assert err.value.code == "terms_invalid" and message in err.value.message


def test_terms_round_trip() -> None:
    t = terms(duties={"delete_after_days": 30}, prohibitions=["onward_transfer", "re_identification"])
    assert Terms.parse(t.as_dict()) == t and t.access_mode == AccessMode.AGGREGATE_QUERY
