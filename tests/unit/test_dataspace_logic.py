"""Dataspace Protocol logic without I/O: how a negotiation follows its contract, what a consumer may
move, and how a request's ODRL offer becomes our terms (with the catalog's limits where it is silent)."""

from __future__ import annotations

import pytest

from node.asset_registry.model import AccessMode, Product, ProductStatus
from node.contracts.model import DAY_US, State
from node.dataspace import odrl
from node.dataspace.model import DspError, DspState, Negotiation, provider_state

NOW = 1_800_000_000_000_000


def _product(mode: AccessMode = AccessMode.ANONYMIZED_EXTRACT, **template: object) -> Product:
    return Product(
        "pd_1", "p", "", ["as_1"], mode, dict(template), ["researcher"], ProductStatus.PUBLISHED, "o", 0
    )


def _negotiation(state: DspState) -> Negotiation:
    return Negotiation("urn:uuid:p", "urn:uuid:c", "pr_1", "ct_1", "https://c.example", state, 0, 0)


@pytest.mark.parametrize(
    ("current", "contract", "expected"),
    [
        (DspState.REQUESTED, State.PENDING_APPROVAL, DspState.REQUESTED),
        (DspState.REQUESTED, State.PENDING_ETHICS, DspState.REQUESTED),  # ethics review: still REQUESTED
        (DspState.ACCEPTED, State.PENDING_ETHICS, DspState.ACCEPTED),
        (DspState.OFFERED, State.PENDING_ETHICS, DspState.REQUESTED),
        (DspState.REQUESTED, State.COUNTER_OFFERED, DspState.OFFERED),
        (DspState.ACCEPTED, State.AGREED, DspState.AGREED),
        (DspState.AGREED, State.ANCHORING, DspState.VERIFIED),
        (DspState.VERIFIED, State.ACTIVE, DspState.FINALIZED),
        (DspState.AGREED, State.REVOKED, DspState.TERMINATED),
        (DspState.REQUESTED, State.REJECTED, DspState.TERMINATED),
        (DspState.FINALIZED, State.EXPIRED, DspState.FINALIZED),  # a finalized negotiation stays so
        (DspState.TERMINATED, State.ACTIVE, DspState.TERMINATED),
    ],
)
def test_a_negotiation_follows_its_contract(current: DspState, contract: State, expected: DspState) -> None:
    assert provider_state(current, contract) == expected


def test_a_consumer_moves_only_what_the_protocol_lets_it() -> None:
    assert _negotiation(DspState.OFFERED).by_consumer(DspState.ACCEPTED, 1).state == DspState.ACCEPTED
    assert _negotiation(DspState.AGREED).by_consumer(DspState.VERIFIED, 1).state == DspState.VERIFIED
    for state, target in [
        (DspState.REQUESTED, DspState.ACCEPTED),
        (DspState.REQUESTED, DspState.VERIFIED),
        (DspState.VERIFIED, DspState.VERIFIED),
        (DspState.FINALIZED, DspState.TERMINATED),
        (DspState.TERMINATED, DspState.TERMINATED),
    ]:
        with pytest.raises(DspError) as refused:
            _negotiation(state).by_consumer(target, 1)
        assert refused.value.status == 400 and refused.value.provider_pid == "urn:uuid:p"


def _offer(*constraints: dict[str, object], **more: object) -> dict[str, object]:
    return {
        "@id": "x",
        "@type": "Offer",
        "permission": [{"action": "use", "constraint": list(constraints)}],
        **more,
    }


def _c(left: str, op: str, right: object) -> dict[str, object]:
    return {"leftOperand": left, "operator": op, "rightOperand": right}


def test_a_request_silent_on_a_limit_gets_the_catalogs_and_the_catalog_states_it() -> None:
    product = _product(k=7, valid_days=30)
    terms = odrl.terms_from_offer(_offer(_c("purpose", "eq", "clinical_research")), product, NOW)
    assert terms == {
        "purpose": "clinical_research",
        "access_mode": "anonymized_extract",
        "valid_from_us": NOW,
        "valid_to_us": NOW + 30 * DAY_US,
        "max_uses": 100,
        "epsilon": 1.0,
        "min_cohort": 10,
        "k": 7,
        "prohibitions": ["onward_transfer", "re_identification"],
        "duties": {},
    }
    stated = {
        c["leftOperand"]: c["rightOperand"]
        for c in odrl.catalog_offer("n", product)["permission"][0]["constraint"]
    }
    assert stated["kAnonymity"]["@value"] == "7" and stated["elapsedTime"] == "P30D"
    assert stated["minCohortSize"]["@value"] == "10"  # the default, stated


def test_a_request_narrows_with_typed_literals_dates_and_durations() -> None:
    terms = odrl.terms_from_offer(
        _offer(
            _c("purpose", "isAnyOf", ["drug_research"]),
            _c("dateTime", "gteq", {"@value": "2027-01-01T00:00:00+08:00", "@type": "xsd:dateTime"}),
            _c("elapsedTime", "lteq", "P10D"),
            _c("count", "lteq", {"@value": "3", "@type": "xsd:integer"}),
            _c("privacyBudgetEpsilon", "lteq", "0.5"),
        ),
        _product(AccessMode.FEDERATED_TRAINING, purposes=["drug_research"]),
        NOW,
    )
    start = 1798732800 * 1_000_000  # 2027-01-01T00:00:00+08:00
    assert (terms["valid_from_us"], terms["valid_to_us"]) == (start, start + 10 * DAY_US)
    assert (terms["max_uses"], terms["epsilon"], terms["k"], terms["purpose"]) == (3, 0.5, 0, "drug_research")


@pytest.mark.parametrize(
    ("offer", "code"),
    [
        (_offer(), "purpose_required"),
        (_offer(_c("purpose", "eq", "x"), _c("spatial", "eq", "EU")), "offer_invalid"),
        (_offer(_c("purpose", "eq", "x"), _c("count", "lteq", "many")), "offer_invalid"),
        (_offer(_c("purpose", "eq", "x"), _c("count", "gt", "3")), "offer_invalid"),
        (_offer(_c("purpose", "eq", "x"), _c("dateTime", "gteq", "2027-01-01T00:00:00")), "offer_invalid"),
        (_offer(_c("purpose", "eq", "x"), _c("elapsedTime", "lteq", "1 month")), "offer_invalid"),
        (_offer(_c("purpose", "isAnyOf", ["a", "b"])), "offer_invalid"),
        ({"permission": [{"action": "sell"}]}, "offer_invalid"),
        (_offer(_c("purpose", "eq", "x"), obligation=[{"action": "pay"}]), "obligations_differ"),
    ],
)
def test_a_bad_offer_is_refused_naming_the_problem(offer: dict[str, object], code: str) -> None:
    with pytest.raises(DspError) as refused:
        odrl.terms_from_offer(offer, _product(), NOW)
    assert refused.value.code == code and refused.value.status == 400


def test_every_access_mode_has_a_distribution_format() -> None:
    """A product of any mode can be published in the DSP catalog (a new mode must say how it is used)."""
    from node.asset_registry.model import AccessMode
    from node.dataspace.services import FORMATS

    assert set(FORMATS) == set(AccessMode)


def test_the_region_accepts_every_access_mode() -> None:
    from node.asset_registry.model import AccessMode
    from region.service import _MODES

    assert {m.value for m in AccessMode} == _MODES
