"""Usage contracts: machine-readable terms and the negotiation state machine (EDC style).

States are integers with gaps so that states can be inserted later without renumbering. Each target
state has one guarded transition method; anything else raises ``IllegalTransition``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from node.asset_registry.model import AccessMode
from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3
from node.errors import Conflict, InvalidInput

DAY_US = 86_400_000_000
REQUIRED_PROHIBITIONS = ("re_identification", "onward_transfer")
KNOWN_PROHIBITIONS = frozenset({*REQUIRED_PROHIBITIONS, "linkage", "commercial_resale"})
# claim_fields: the FHIR Claim fields a settlement contract lets a claim carry (minimum necessary)
KNOWN_DUTIES = frozenset({"delete_after", "report_results", "cite_source", "notify_breach", "claim_fields"})


class State(IntEnum):
    REQUESTED = 100
    PENDING_APPROVAL = 200
    COUNTER_OFFERED = 250
    PENDING_ETHICS = 300
    AGREED = 400
    SIGNED = 500
    ANCHORING = 600
    ACTIVE = 700
    EXPIRED = 800
    EXHAUSTED = 810
    TERMINATED = 820
    REVOKED = 830
    REJECTED = 900


STATE_ZH = {
    State.REQUESTED: "已申请",
    State.PENDING_APPROVAL: "待数据管理员审批",
    State.COUNTER_OFFERED: "待对方确认修改条款",
    State.PENDING_ETHICS: "待伦理审查",
    State.AGREED: "已同意，待签署",
    State.SIGNED: "已签署",
    State.ANCHORING: "上链存证中",
    State.ACTIVE: "生效中",
    State.EXPIRED: "已到期",
    State.EXHAUSTED: "次数已用尽",
    State.TERMINATED: "已终止",
    State.REVOKED: "已撤销",
    State.REJECTED: "已拒绝",
}

FINAL = frozenset({State.EXPIRED, State.EXHAUSTED, State.TERMINATED, State.REVOKED, State.REJECTED})


class IllegalTransition(Conflict):
    def __init__(self, current: State, target: State) -> None:
        super().__init__(
            f"a contract in state {current.name} cannot move to {target.name}", code="illegal_transition"
        )


@dataclass(frozen=True)
class Terms:
    """What the partner may do: ODRL-like, all limits explicit, times in microseconds (UTC)."""

    purpose: str
    access_mode: AccessMode
    valid_from_us: int
    valid_to_us: int
    max_uses: int
    epsilon: float = 0.0  # total differential-privacy budget; 0 where no DP applies
    min_cohort: int = 0
    k: int = 0  # k-anonymity of extracts
    prohibitions: tuple[str, ...] = REQUIRED_PROHIBITIONS
    duties: dict[str, Any] = field(default_factory=dict)  # e.g. {"delete_after_days": 30}

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Terms:
        """Validate a partner's (or officer's) JSON terms; the message names the field, never values."""
        if not isinstance(raw, dict):
            raise InvalidInput("terms must be a JSON object", code="terms_invalid")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidInput(f"unknown term(s): {', '.join(unknown)}", code="terms_invalid")
        try:
            mode = AccessMode(raw["access_mode"])
        except KeyError:
            raise InvalidInput("terms.access_mode is required", code="terms_invalid") from None
        except ValueError:
            raise InvalidInput("terms.access_mode is not a known access mode", code="terms_invalid") from None
        ints = {
            n: _int(raw, n, required=n in ("valid_from_us", "valid_to_us", "max_uses"))
            for n in ("valid_from_us", "valid_to_us", "max_uses", "min_cohort", "k")
        }
        epsilon = raw.get("epsilon", 0.0)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not 0 <= epsilon < 1e6:
            raise InvalidInput("terms.epsilon must be a number >= 0", code="terms_invalid")
        purpose = raw.get("purpose")
        if not isinstance(purpose, str) or not 0 < len(purpose) <= 64:
            raise InvalidInput("terms.purpose is required (a purpose code)", code="terms_invalid")
        prohibitions = raw.get("prohibitions", list(REQUIRED_PROHIBITIONS))
        if not isinstance(prohibitions, list) or not set(prohibitions) <= KNOWN_PROHIBITIONS:
            raise InvalidInput(
                f"terms.prohibitions must be a list of: {', '.join(sorted(KNOWN_PROHIBITIONS))}",
                code="terms_invalid",
            )
        duties = raw.get("duties", {})
        if not isinstance(duties, dict) or not {d.rsplit("_days", 1)[0] for d in duties} <= KNOWN_DUTIES:
            raise InvalidInput(
                f"terms.duties keys must be among: {', '.join(sorted(KNOWN_DUTIES))}", code="terms_invalid"
            )
        fields = duties.get("claim_fields", [])
        if not isinstance(fields, list) or not all(isinstance(f, str) and len(f) <= 32 for f in fields):
            raise InvalidInput(
                "terms.duties.claim_fields must be a list of field names", code="terms_invalid"
            )
        return cls(
            purpose=purpose,
            access_mode=mode,
            valid_from_us=ints["valid_from_us"],
            valid_to_us=ints["valid_to_us"],
            max_uses=ints["max_uses"],
            epsilon=float(epsilon),
            min_cohort=ints["min_cohort"],
            k=ints["k"],
            prohibitions=tuple(sorted(set(prohibitions))),
            duties=dict(sorted(duties.items())),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "access_mode": self.access_mode.value,
            "valid_from_us": self.valid_from_us,
            "valid_to_us": self.valid_to_us,
            "max_uses": self.max_uses,
            "epsilon": self.epsilon,
            "min_cohort": self.min_cohort,
            "k": self.k,
            "prohibitions": list(self.prohibitions),
            "duties": dict(self.duties),
        }


def _int(raw: dict[str, Any], name: str, required: bool) -> int:
    value = raw.get(name, None if required else 0)
    if value is None:
        raise InvalidInput(f"terms.{name} is required", code="terms_invalid")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**62:
        raise InvalidInput(f"terms.{name} must be a non-negative integer", code="terms_invalid")
    return value


@dataclass(frozen=True)
class Signature:
    signer_id: str
    public_key: str
    signature: str  # DER hex
    signed_at_us: int


@dataclass(frozen=True)
class Contract:
    id: str
    product_id: str
    partner_id: str
    node_id: str  # the hospital node's name
    node_public_key: str
    asset_ids: tuple[str, ...]
    level: int
    terms: Terms
    state: State
    version: int  # increases with every counter-offer
    requested_at_us: int
    updated_at_us: int
    uses: int = 0
    epsilon_spent: float = 0.0
    needs_ethics: bool = False
    reason: str = ""  # why rejected, revoked or terminated
    approvals: tuple[tuple[str, str, int], ...] = ()  # (role, principal id, at_us)
    partner_signature: Signature | None = None
    node_signature: Signature | None = None
    digest: str = ""  # SM3 of the canonical document, once agreed

    # -- the signed document -------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """The contract as both sides sign it: ODRL-like JSON, canonicalized with RFC 8785."""
        t = self.terms
        constraints = [
            {"leftOperand": "purpose", "operator": "eq", "rightOperand": t.purpose},
            {"leftOperand": "accessMode", "operator": "eq", "rightOperand": t.access_mode.value},
            {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": t.valid_from_us},
            {"leftOperand": "dateTime", "operator": "lt", "rightOperand": t.valid_to_us},
            {"leftOperand": "count", "operator": "lteq", "rightOperand": t.max_uses},
            {"leftOperand": "privacyBudgetEpsilon", "operator": "lteq", "rightOperand": t.epsilon},
            {"leftOperand": "minCohortSize", "operator": "gteq", "rightOperand": t.min_cohort},
            {"leftOperand": "kAnonymity", "operator": "gteq", "rightOperand": t.k},
        ]
        return {
            "@context": "http://www.w3.org/ns/odrl.jsonld",
            "@type": "Agreement",
            "profile": "urn:hnode:contract:v1",
            "uid": f"urn:hnode:contract:{self.node_id}:{self.id}",
            "version": self.version,
            "assigner": {"node": self.node_id, "public_key": self.node_public_key},
            "assignee": {"partner": self.partner_id},
            "target": {"product": self.product_id, "assets": list(self.asset_ids), "level": self.level},
            "permission": [{"action": "use", "constraint": constraints}],
            "prohibition": [{"action": p} for p in t.prohibitions],
            "obligation": [{"action": k, "value": v} for k, v in t.duties.items()],
            "approvals": [{"role": r, "by": p} for r, p, _ in self.approvals],
            "terms": t.as_dict(),
        }

    def canonical(self) -> bytes:
        return canonical_json(self.document())

    def computed_digest(self) -> str:
        return sm3(self.canonical()).hex()

    # -- transitions ---------------------------------------------------------------------------
    def _to(self, target: State, allowed: set[State], now_us: int, **changes: Any) -> Contract:
        if self.state not in allowed:
            raise IllegalTransition(self.state, target)
        return replace(self, state=target, updated_at_us=now_us, **changes)

    def submit(self, now_us: int) -> Contract:
        return self._to(State.PENDING_APPROVAL, {State.REQUESTED}, now_us)

    def approve(self, officer_id: str, now_us: int) -> Contract:
        target = State.PENDING_ETHICS if self.needs_ethics else State.AGREED
        contract = self._to(
            target,
            {State.PENDING_APPROVAL},
            now_us,
            approvals=(*self.approvals, ("data_officer", officer_id, now_us)),
        )
        return contract._agreed() if target == State.AGREED else contract

    def approve_ethics(self, reviewer_id: str, now_us: int) -> Contract:
        return self._to(
            State.AGREED,
            {State.PENDING_ETHICS},
            now_us,
            approvals=(*self.approvals, ("ethics_reviewer", reviewer_id, now_us)),
        )._agreed()

    def _agreed(self) -> Contract:
        return replace(self, digest=self.computed_digest())

    def counter_offer(self, terms: Terms, officer_id: str, now_us: int) -> Contract:
        return self._to(
            State.COUNTER_OFFERED,
            {State.PENDING_APPROVAL, State.PENDING_ETHICS},
            now_us,
            terms=terms,
            version=self.version + 1,
            approvals=(("data_officer", officer_id, now_us),),
        )

    def accept_counter_offer(self, now_us: int) -> Contract:
        """The partner accepts the officer's terms, which the officer has approved by offering them."""
        target = State.PENDING_ETHICS if self.needs_ethics else State.AGREED
        contract = self._to(target, {State.COUNTER_OFFERED}, now_us)
        return contract._agreed() if target == State.AGREED else contract

    def reject(self, reason: str, now_us: int) -> Contract:
        return self._to(
            State.REJECTED,
            {State.REQUESTED, State.PENDING_APPROVAL, State.PENDING_ETHICS, State.COUNTER_OFFERED},
            now_us,
            reason=reason,
        )

    def sign(self, partner: Signature, node: Signature, now_us: int) -> Contract:
        return self._to(State.SIGNED, {State.AGREED}, now_us, partner_signature=partner, node_signature=node)

    def start_anchoring(self, now_us: int) -> Contract:
        return self._to(State.ANCHORING, {State.SIGNED}, now_us)

    def activate(self, now_us: int) -> Contract:
        return self._to(State.ACTIVE, {State.ANCHORING}, now_us)

    def expire(self, now_us: int) -> Contract:
        return self._to(State.EXPIRED, set(State) - FINAL, now_us)

    def record_use(self, epsilon: float, now_us: int) -> Contract:
        if self.state != State.ACTIVE:
            raise IllegalTransition(self.state, State.ACTIVE)
        uses = self.uses + 1
        state = State.EXHAUSTED if uses >= self.terms.max_uses else State.ACTIVE
        return replace(
            self, uses=uses, epsilon_spent=self.epsilon_spent + epsilon, state=state, updated_at_us=now_us
        )

    def refund_use(self, epsilon: float, now_us: int) -> Contract:
        """Undo a metered use whose work failed. An exhausted contract becomes active again."""
        if self.uses < 1:
            raise IllegalTransition(self.state, self.state)
        state = State.ACTIVE if self.state == State.EXHAUSTED else self.state
        return replace(
            self,
            uses=self.uses - 1,
            epsilon_spent=max(0.0, self.epsilon_spent - epsilon),
            state=state,
            updated_at_us=now_us,
        )

    def terminate(self, reason: str, now_us: int) -> Contract:
        return self._to(
            State.TERMINATED, {State.ACTIVE, State.ANCHORING, State.AGREED}, now_us, reason=reason
        )

    def revoke(self, reason: str, now_us: int) -> Contract:
        return self._to(
            State.REVOKED, {State.ACTIVE, State.ANCHORING, State.SIGNED, State.AGREED}, now_us, reason=reason
        )

    # -- views ---------------------------------------------------------------------------------
    @property
    def uses_left(self) -> int:
        return max(0, self.terms.max_uses - self.uses)

    @property
    def epsilon_left(self) -> float:
        return max(0.0, self.terms.epsilon - self.epsilon_spent)

    def policy_view(self) -> dict[str, Any]:
        """What the usage policy sees of the contract."""
        t = self.terms
        return {
            "id": self.id,
            "partner_id": self.partner_id,
            "product_id": self.product_id,
            "asset_ids": list(self.asset_ids),
            "state": self.state.name,
            "valid_from_us": t.valid_from_us,
            "valid_to_us": t.valid_to_us,
            "purpose": t.purpose,
            "access_mode": t.access_mode.value,
            "uses": self.uses,
            "max_uses": t.max_uses,
            "epsilon": t.epsilon,
            "epsilon_spent": self.epsilon_spent,
            "min_cohort": t.min_cohort,
        }


def contract_view(c: Contract) -> dict[str, Any]:
    """A contract as the API and CLI show it (no key material beyond public keys and signatures)."""
    return {
        "id": c.id,
        "product_id": c.product_id,
        "partner_id": c.partner_id,
        "node": c.node_id,
        "state": c.state.name,
        "state_zh": STATE_ZH[c.state],
        "version": c.version,
        "level": c.level,
        "needs_ethics": c.needs_ethics,
        "terms": c.terms.as_dict(),
        "uses": c.uses,
        "uses_left": c.uses_left,
        "epsilon_spent": c.epsilon_spent,
        "epsilon_left": c.epsilon_left,
        "reason": c.reason,
        "approvals": [{"role": r, "by": p, "at_us": t} for r, p, t in c.approvals],
        "digest": c.digest,
        "signed_by": [s.signer_id for s in (c.partner_signature, c.node_signature) if s],
        "requested_at_us": c.requested_at_us,
        "updated_at_us": c.updated_at_us,
    }
