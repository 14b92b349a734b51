"""One behaviour suite for every PolicyEngine: embedded regopy and a remote server over OPA's API.

Both must give the same decisions, and both must fail closed: undefined results, unknown scopes,
unreachable servers and garbage answers deny.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from node.adapters.policy.bundle import PolicyBundle
from node.adapters.policy.opa_engine import OpaServerEngine
from node.adapters.policy.regopy_engine import RegopyEngine
from node.errors import ConfigError
from node.ports import PolicyEngine
from tests.opa_compatible_server import OpaCompatibleServer

BUNDLE = PolicyBundle.load()
DAY = 86_400_000_000

CONTRACT = {
    "id": "ct_1",
    "partner_id": "pr_ins",
    "state": "ACTIVE",
    "valid_from_us": 0,
    "valid_to_us": 10 * DAY,
    "purpose": "claims_verification",
    "access_mode": "aggregate_query",
    "uses": 0,
    "max_uses": 3,
    "epsilon": 1.0,
    "epsilon_spent": 0.0,
    "min_cohort": 20,
    "product_id": "pd_1",
    "asset_ids": ["as_1"],
}
USE = {
    "principal": {"id": "pr_ins", "roles": ["insurer"]},
    "contract": CONTRACT,
    "product": {"id": "pd_1", "status": "published", "access_mode": "aggregate_query", "asset_ids": ["as_1"]},
    "request": {
        "purpose": "claims_verification",
        "access_mode": "aggregate_query",
        "epsilon": 0.1,
        "cohort_size": 40,
        "consent": None,
    },
    "now_us": DAY,
}
NEGOTIATE = {
    "principal": {"id": "pr_res", "roles": ["researcher"]},
    "product": {
        "id": "pd_1",
        "status": "published",
        "access_mode": "federated_training",
        "level": 4,
        "visible_to": ["researcher"],
        "offer": {"purposes": [], "max_uses": 50, "max_days": 365, "epsilon": 3.0, "min_cohort": 10, "k": 5},
    },
    "terms": {
        "purpose": "drug_research",
        "access_mode": "federated_training",
        "valid_from_us": 0,
        "valid_to_us": 30 * DAY,
        "max_uses": 20,
        "epsilon": 2.0,
        "min_cohort": 10,
        "k": 5,
        "prohibitions": ["onward_transfer", "re_identification"],
    },
}


def patch(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    return {**doc, head: patch(doc[head], rest, value) if rest else value}


BEHAVIOUR = [
    ("usage", USE, True, []),
    ("usage", patch(USE, "contract.state", "EXPIRED"), False, ["contract_active"]),
    ("usage", patch(USE, "contract.uses", 3), False, ["uses_left"]),
    ("usage", patch(USE, "now_us", 11 * DAY), False, ["within_validity"]),
    ("usage", patch(USE, "request.epsilon", 1.5), False, ["privacy_budget_left"]),
    ("usage", patch(USE, "request.cohort_size", 5), False, ["cohort_large_enough"]),
    ("usage", patch(USE, "principal.id", "pr_other"), False, ["requester_is_party"]),
    ("usage", patch(USE, "product.status", "retired"), False, ["product_in_force"]),
    ("usage", patch(USE, "product.asset_ids", ["as_1", "as_9"]), False, ["assets_covered"]),
    ("negotiation", NEGOTIATE, True, []),
    ("negotiation", patch(NEGOTIATE, "terms.epsilon", 4.0), False, ["epsilon_within_offer"]),
    (
        "negotiation",
        patch(NEGOTIATE, "principal.roles", ["insurer"]),
        False,
        ["product_visible", "purpose_allowed_for_role"],
    ),
    ("negotiation", patch(NEGOTIATE, "product.level", 7), False, ["policy_undefined"]),
    (
        "catalog",
        {"principal": {"roles": ["insurer"]}, "product": NEGOTIATE["product"]},
        False,
        ["product_visible"],
    ),
    ("catalog", {"principal": {"roles": ["researcher"]}, "product": NEGOTIATE["product"]}, True, []),
    ("usage", {}, False, None),  # nothing known: every check fails
    ("billing", USE, False, ["unknown_scope"]),
]


@pytest.fixture(params=["regopy", "opa-server"], scope="module")
def engine(request: pytest.FixtureRequest) -> Iterator[PolicyEngine]:
    if request.param == "regopy":
        yield RegopyEngine(BUNDLE)
        return
    with OpaCompatibleServer(BUNDLE) as server:
        yield OpaServerEngine(server.url)


@pytest.mark.parametrize(("scope", "doc", "allow", "reasons"), BEHAVIOUR)
def test_same_decisions_on_every_engine(
    engine: PolicyEngine, scope: str, doc: dict[str, Any], allow: bool, reasons: list[str] | None
) -> None:
    d = engine.decide(scope, doc)
    assert d.allow is allow
    if reasons is not None:
        assert d.reasons == reasons
    else:
        assert not d.allow and len(d.reasons) >= 5


def test_level_4_obligation_reaches_the_caller(engine: PolicyEngine) -> None:
    assert engine.decide("negotiation", NEGOTIATE).obligations == {"ethics_review": True}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_remote_engine_fails_closed_when_down_or_answering_garbage() -> None:
    down = OpaServerEngine(f"http://127.0.0.1:{_closed_port()}", timeout_s=0.5)
    assert down.decide("usage", USE).reasons == ["policy_engine_unavailable"]
    with OpaCompatibleServer(BUNDLE, garbage=True) as server:
        d = OpaServerEngine(server.url).decide("usage", USE)
    assert not d.allow and d.reasons == ["policy_engine_unavailable"]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigError):
        OpaServerEngine("ftp://opa")
    broken = PolicyBundle({"usage.rego": "package hnode.usage\nthis is not rego"}, {}, {})
    with pytest.raises(ConfigError) as err:
        RegopyEngine(broken)
    assert err.value.code == "policy_invalid"
