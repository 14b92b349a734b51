"""ODRL policies of the Dataspace Protocol <-> our contract terms.

A product's catalog offer states every limit a request is judged against (``offer_limits``, the
node's defaults included). A request's offer may restate those limits or narrow them; a limit it leaves
out is taken at the catalog offer's value, so requesting the catalog offer as published is a valid
request. Operands: numbers and times as typed literals (``{"@value": ..., "@type": "xsd:..."}``),
durations as ISO 8601 days (``P30D``); plain strings are read too.

Left operands (our profile ``urn:hnode:odrl:v1``): ``purpose`` (eq; isAnyOf in the catalog),
``accessMode`` (eq), ``dateTime`` (gteq: start, lt/lteq: end), ``elapsedTime`` (lteq: the longest
validity), ``count`` (lteq: uses), ``privacyBudgetEpsilon`` (lteq), ``minCohortSize`` (gteq),
``kAnonymity`` (gteq). Prohibitions and obligations are ODRL actions named as in our terms.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from node.asset_registry.model import AccessMode, Product
from node.asset_registry.offers import offer_limits
from node.contracts.model import DAY_US, REQUIRED_PROHIBITIONS, Contract, Terms
from node.dataspace.model import DspError

PROFILE = "urn:hnode:odrl:v1"
HNODE = "urn:hnode:vocab#"  # extension properties are absolute IRIs: the DSP context must come alone
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = re.compile(r"^P(\d{1,5})D$")
_KNOWN = {
    "purpose",
    "accessMode",
    "dateTime",
    "elapsedTime",
    "count",
    "privacyBudgetEpsilon",
    "minCohortSize",
    "kAnonymity",
}

# modes whose rows leave the node, de-identified: their offers state k
ROW_LEVEL = frozenset({AccessMode.ANONYMIZED_EXTRACT, AccessMode.RESEARCH_DATASET})


def dataset_id(node: str, product_id: str) -> str:
    return f"urn:hnode:{node}:product:{product_id}"


def offer_id(node: str, product_id: str) -> str:
    return f"urn:hnode:{node}:offer:{product_id}"


def agreement_id(node: str, contract_id: str) -> str:
    """The agreement's @id: the uid of the contract document both sides sign."""
    return f"urn:hnode:contract:{node}:{contract_id}"


def integer(value: int) -> dict[str, Any]:
    return {"@value": str(value), "@type": "xsd:integer"}


def decimal(value: float) -> dict[str, Any]:
    return {"@value": repr(float(value)), "@type": "xsd:decimal"}


def timestamp(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def date_time(us: int) -> dict[str, Any]:
    return {"@value": timestamp(us), "@type": "xsd:dateTime"}


def catalog_offer(node: str, product: Product) -> dict[str, Any]:
    """The product's offer as the catalog publishes it: every limit explicit."""
    limits = offer_limits(product.policy_template)
    constraints: list[dict[str, Any]] = []
    if limits["purposes"]:
        constraints.append(
            {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": limits["purposes"]}
        )
    constraints += [
        {"leftOperand": "accessMode", "operator": "eq", "rightOperand": product.access_mode.value},
        {"leftOperand": "elapsedTime", "operator": "lteq", "rightOperand": f"P{int(limits['max_days'])}D"},
        {"leftOperand": "count", "operator": "lteq", "rightOperand": integer(limits["max_uses"])},
        {
            "leftOperand": "privacyBudgetEpsilon",
            "operator": "lteq",
            "rightOperand": decimal(limits["epsilon"]),
        },
        {"leftOperand": "minCohortSize", "operator": "gteq", "rightOperand": integer(limits["min_cohort"])},
    ]
    if product.access_mode in ROW_LEVEL:
        constraints.append(
            {"leftOperand": "kAnonymity", "operator": "gteq", "rightOperand": integer(limits["k"])}
        )
    offer: dict[str, Any] = {
        "@id": offer_id(node, product.id),
        "@type": "Offer",
        "profile": PROFILE,
        "permission": [{"action": "use", "constraint": constraints}],
        "prohibition": [{"action": p} for p in _prohibitions(product)],
    }
    duties = _duties(product)
    if duties:
        offer["obligation"] = [{"action": k, "constraint": _duty_constraint(v)} for k, v in duties.items()]
    return offer


def _prohibitions(product: Product) -> list[str]:
    listed = product.policy_template.get("prohibitions") or []
    return sorted({*REQUIRED_PROHIBITIONS, *listed})


def _duties(product: Product) -> dict[str, Any]:
    duties = product.policy_template.get("duties") or {}
    return dict(sorted(duties.items())) if isinstance(duties, dict) else {}


def _duty_constraint(value: Any) -> list[dict[str, Any]]:
    return [{"leftOperand": "value", "operator": "eq", "rightOperand": str(value)}]


def terms_from_offer(offer: dict[str, Any], product: Product, now_us: int) -> dict[str, Any]:
    """Our terms (``Terms.parse`` input) from a request's offer; what it leaves out is the catalog's."""
    limits = offer_limits(product.policy_template)
    permissions = offer.get("permission") or []
    if not isinstance(permissions, list):
        raise _bad("permission must be an array")
    constraints: list[dict[str, Any]] = []
    for permission in permissions:
        if not isinstance(permission, dict) or permission.get("action") != "use":
            raise _bad("each permission must be the action 'use'")
        found = permission.get("constraint") or []
        if not isinstance(found, list):
            raise _bad("constraint must be an array")
        for c in found:
            if not isinstance(c, dict) or not isinstance(c.get("leftOperand"), str):
                raise _bad("only atomic constraints (leftOperand, operator, rightOperand) are understood")
            if c["leftOperand"] not in _KNOWN:
                raise _bad(
                    f"unknown leftOperand '{str(c['leftOperand'])[:40]}'; known: {', '.join(sorted(_KNOWN))}"
                )
            constraints.append(c)
    purposes = limits["purposes"]
    terms: dict[str, Any] = {
        "purpose": purposes[0] if len(purposes) == 1 else None,
        "access_mode": product.access_mode.value,
        "valid_from_us": now_us,
        "valid_to_us": None,
        "max_uses": int(limits["max_uses"]),
        "epsilon": float(limits["epsilon"]),
        "min_cohort": int(limits["min_cohort"]),
        "k": int(limits["k"]) if product.access_mode in ROW_LEVEL else 0,
    }
    days = int(limits["max_days"])
    for c in constraints:
        left, op, right = c["leftOperand"], c.get("operator"), c.get("rightOperand")
        if left == "purpose" and op == "eq":
            terms["purpose"] = _text(right, left)
        elif left == "purpose" and op == "isAnyOf":
            chosen = right if isinstance(right, list) else []
            if len(chosen) != 1:
                raise _bad("a request names one purpose: purpose eq <code>")
            terms["purpose"] = _text(chosen[0], left)
        elif left == "accessMode" and op == "eq":
            terms["access_mode"] = _text(right, left)
        elif left == "dateTime" and op == "gteq":
            terms["valid_from_us"] = _time(right)
        elif left == "dateTime" and op in ("lt", "lteq"):
            terms["valid_to_us"] = _time(right)
        elif left == "elapsedTime" and op == "lteq":
            days = _days(right)
        elif left == "count" and op == "lteq":
            terms["max_uses"] = _int(right, left)
        elif left == "privacyBudgetEpsilon" and op == "lteq":
            terms["epsilon"] = _float(right, left)
        elif left == "minCohortSize" and op == "gteq":
            terms["min_cohort"] = _int(right, left)
        elif left == "kAnonymity" and op == "gteq":
            terms["k"] = _int(right, left)
        else:
            raise _bad(f"operator '{str(op)[:10]}' is not understood for {left}")
    if terms["purpose"] is None:
        raise _bad(
            "the request must name its purpose: a constraint purpose eq <code>", code="purpose_required"
        )
    if terms["valid_to_us"] is None:
        terms["valid_to_us"] = terms["valid_from_us"] + days * DAY_US
    prohibitions = [p.get("action") for p in offer.get("prohibition") or [] if isinstance(p, dict)]
    terms["prohibitions"] = prohibitions if offer.get("prohibition") else _prohibitions(product)
    duties = _duties(product)
    asked = sorted(str(d.get("action")) for d in offer.get("obligation") or [] if isinstance(d, dict))
    if offer.get("obligation") is not None and asked != sorted(duties):
        raise _bad("obligations are those of the catalog offer", code="obligations_differ")
    terms["duties"] = duties
    return terms


def offer_of_terms(node: str, contract: Contract, dataset: str) -> dict[str, Any]:
    """Our (counter-)offer for a contract's current terms: the offer of a ContractOfferMessage."""
    return {
        "@id": f"urn:hnode:{node}:offer:{contract.id}:v{contract.version}",
        "@type": "Offer",
        "profile": PROFILE,
        "target": dataset,
        **_rules(contract.terms),
    }


def agreement(
    node: str, contract: Contract, dataset: str, assignee: str, signature: dict[str, Any]
) -> dict[str, Any]:
    """The agreement of a ContractAgreementMessage. Extension ``urn:hnode:vocab#signedContract``: the
    contract document both sides sign (RFC 8785), its SM3 digest and the node's SM2 signature over it;
    the consumer returns its own signature over the same bytes in its verification message."""
    return {
        "@id": agreement_id(node, contract.id),
        "@type": "Agreement",
        "profile": PROFILE,
        "target": dataset,
        "assigner": f"urn:hnode:node:{node}",
        "assignee": assignee,
        "timestamp": timestamp(contract.updated_at_us),
        **_rules(contract.terms),
        f"{HNODE}signedContract": {
            "document": contract.document(),
            "digestSm3": contract.digest,
            "signing": "SM2/SM3, user ID 1234567812345678 (GM/T 0009); DER hex; over the RFC 8785 bytes",
            "signatures": [signature],
        },
    }


def _rules(t: Terms) -> dict[str, Any]:
    constraints = [
        {"leftOperand": "purpose", "operator": "eq", "rightOperand": t.purpose},
        {"leftOperand": "accessMode", "operator": "eq", "rightOperand": t.access_mode.value},
        {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": date_time(t.valid_from_us)},
        {"leftOperand": "dateTime", "operator": "lt", "rightOperand": date_time(t.valid_to_us)},
        {"leftOperand": "count", "operator": "lteq", "rightOperand": integer(t.max_uses)},
        {"leftOperand": "privacyBudgetEpsilon", "operator": "lteq", "rightOperand": decimal(t.epsilon)},
        {"leftOperand": "minCohortSize", "operator": "gteq", "rightOperand": integer(t.min_cohort)},
        {"leftOperand": "kAnonymity", "operator": "gteq", "rightOperand": integer(t.k)},
    ]
    rules: dict[str, Any] = {"permission": [{"action": "use", "constraint": constraints}]}
    if t.prohibitions:
        rules["prohibition"] = [{"action": p} for p in t.prohibitions]
    if t.duties:
        rules["obligation"] = [{"action": k, "constraint": _duty_constraint(v)} for k, v in t.duties.items()]
    return rules


def _bad(message: str, code: str = "offer_invalid") -> DspError:
    return DspError(message, code=code)


def _literal(value: Any) -> Any:
    return value.get("@value") if isinstance(value, dict) else value


def _text(value: Any, name: str) -> str:
    v = _literal(value)
    if not isinstance(v, str) or not 0 < len(v) <= 64:
        raise _bad(f"{name} must be a string")
    return v


def _int(value: Any, name: str) -> int:
    v = _literal(value)
    try:
        out = int(v) if not isinstance(v, bool | float) else None
    except (TypeError, ValueError):
        out = None
    if out is None:
        raise _bad(f"{name} must be an integer")
    return out


def _float(value: Any, name: str) -> float:
    v = _literal(value)
    try:
        out = float(v) if not isinstance(v, bool) else None
    except (TypeError, ValueError):
        out = None
    if out is None or out != out:
        raise _bad(f"{name} must be a number")
    return out


def _time(value: Any) -> int:
    v = _literal(value)
    try:
        moment = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        raise _bad("dateTime must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise _bad("dateTime must carry a time zone (Z or +08:00)")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _days(value: Any) -> int:
    m = _DAYS.match(str(_literal(value)))
    if not m:
        raise _bad("elapsedTime must be a duration in days, e.g. P30D")
    return int(m.group(1))
