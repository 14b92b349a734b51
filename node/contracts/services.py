"""Contract negotiation: request, approval (officer, then ethics for level 4+), counter-offers,
signatures of both sides, and the hand-off to anchoring. Every step is audited in the same
transaction as the state change; every refusal is audited on its own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from node.asset_registry.model import ProductStatus
from node.asset_registry.offers import offer_limits
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.contracts.model import Contract, Signature, State, Terms
from node.contracts.ports import ContractFilter, ContractsUnitOfWork, OutboxItem, UsageRecord
from node.crypto.sm import PublicKey
from node.errors import Conflict, InvalidInput, NodeError, NotFound
from node.identity.model import Principal
from node.ports import Clock, PolicyEngine, Signer


def principal_view(p: Principal) -> dict[str, Any]:
    return {"id": p.id, "roles": sorted(r.value for r in p.roles)}


class ContractService:
    def __init__(
        self,
        uow_factory: Callable[[], ContractsUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        policy: PolicyEngine,
        signer: Signer,
        node_id: str,
        on_ended: Callable[[Contract], None] | None = None,
    ) -> None:
        self._on_ended = on_ended  # told after a contract ends here (terminated, revoked)
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._policy = policy
        self._signer = signer
        self._node_id = node_id

    # -- partner side ----------------------------------------------------------------------------
    def request(
        self,
        partner: Principal,
        product_id: str,
        raw_terms: dict[str, Any],
        within: Callable[[ContractsUnitOfWork, Contract], None] | None = None,
    ) -> Contract:
        """A partner asks for a product under terms. Terms the negotiation policy refuses are
        rejected at once, with the policy's reasons; acceptable ones wait for the officer.
        ``within`` runs in the same transaction before it commits (e.g. to record the Dataspace
        Protocol negotiation that carries the request), so both are written or neither."""
        terms = Terms.parse(raw_terms)
        now = self._clock.now_us()
        with self._uow() as uow:
            product = uow.products.get(product_id)
            if product is None or (product.status != ProductStatus.PUBLISHED):
                error = NotFound(f"product {product_id} is not offered", code="product_not_found")
                raise self._refuse(uow, partner.id, "contract.request", product_id, error)
            assets = [uow.assets.get(a) for a in product.asset_ids]
            level = max(a.grade.level for a in assets if a is not None)
            decision = self._policy.decide(
                "negotiation",
                {
                    "principal": principal_view(partner),
                    "product": {
                        "id": product.id,
                        "status": product.status.value,
                        "access_mode": product.access_mode.value,
                        "level": level,
                        "visible_to": product.visible_to,
                        "offer": offer_limits(product.policy_template),
                    },
                    "terms": terms.as_dict(),
                },
            )
            contract = Contract(
                id="ct_" + secrets.token_hex(8),
                product_id=product.id,
                partner_id=partner.id,
                node_id=self._node_id,
                node_public_key=self._signer.public_key_hex,
                asset_ids=tuple(product.asset_ids),
                level=level,
                terms=terms,
                state=State.REQUESTED,
                version=1,
                requested_at_us=now,
                updated_at_us=now,
                needs_ethics=bool(decision.obligations.get("ethics_review", level >= 4)),
            )
            if decision.allow:
                contract = contract.submit(now)
            else:
                contract = contract.reject("policy: " + ", ".join(decision.reasons), now)
            uow.contracts.add(contract)
            self._audit.record(
                uow,
                AuditEvent(
                    partner.id,
                    "contract.request",
                    "contract",
                    contract.id,
                    Outcome.SUCCESS if decision.allow else Outcome.DENIED,
                    {
                        "product": product.id,
                        "mode": terms.access_mode.value,
                        "purpose": terms.purpose,
                        "state": contract.state.name,
                        "reasons": decision.reasons,
                    },
                ),
            )
            if within is not None:
                within(uow, contract)
            uow.commit()
        return contract

    def accept_counter_offer(self, partner: Principal, contract_id: str) -> Contract:
        return self._transition(
            partner, contract_id, "contract.accept", lambda c, now: c.accept_counter_offer(now), party=True
        )

    def decline(self, partner: Principal, contract_id: str, reason: str) -> Contract:
        return self._transition(
            partner,
            contract_id,
            "contract.decline",
            lambda c, now: c.reject("declined by partner: " + _reason(reason), now),
            party=True,
        )

    def sign(self, partner: Principal, contract_id: str, signature_hex: str) -> Contract:
        """Accept the partner's SM2 signature over the canonical contract, add the node's, and queue
        the digest for anchoring, all in one transaction."""
        with self._uow() as uow:
            contract = self._party_contract(uow, partner, contract_id, "contract.sign", party=True)
            if contract.state != State.AGREED:
                error = InvalidInput(
                    f"the contract is {contract.state.name}, not AGREED: nothing to sign",
                    code="contract_not_signable",
                )
                raise self._refuse(uow, partner.id, "contract.sign", contract_id, error)
            key = uow.principals.get(partner.id)
            public_key = key.public_key if key else None
            if not public_key or not _verifies(public_key, signature_hex, contract.canonical()):
                error = InvalidInput(
                    "the signature does not verify against your registered SM2 key over the contract's "
                    "canonical bytes (GET the document again: it may have changed)",
                    code="signature_invalid",
                )
                raise self._refuse(uow, partner.id, "contract.sign", contract_id, error)
            now = self._clock.now_us()
            canonical = contract.canonical()
            contract = contract.sign(
                Signature(partner.id, public_key, signature_hex.lower(), now),
                Signature(
                    self._node_id, self._signer.public_key_hex, self._signer.sign(canonical).hex(), now
                ),
                now,
            ).start_anchoring(now)
            uow.contracts.save(contract)
            uow.outbox.add(
                OutboxItem(
                    id="ob_" + secrets.token_hex(8),
                    kind="contract",
                    ref=contract.id,
                    digest=contract.digest,
                    created_at_us=now,
                )
            )
            self._audit.record(
                uow,
                AuditEvent(
                    partner.id, "contract.sign", "contract", contract.id, details={"digest": contract.digest}
                ),
            )
            uow.commit()
        return contract

    def terminate(self, partner: Principal, contract_id: str, reason: str) -> Contract:
        return self._ended(
            self._transition(
                partner,
                contract_id,
                "contract.terminate",
                lambda c, now: c.terminate("terminated by partner: " + _reason(reason), now),
                party=True,
            )
        )

    def _ended(self, contract: Contract) -> Contract:
        if self._on_ended is not None:
            self._on_ended(contract)
        return contract

    # -- hospital side ---------------------------------------------------------------------------
    def approve(self, officer: Principal, contract_id: str) -> Contract:
        return self._transition(
            officer, contract_id, "contract.approve", lambda c, now: c.approve(officer.id, now)
        )

    def approve_ethics(self, reviewer: Principal, contract_id: str) -> Contract:
        return self._transition(
            reviewer,
            contract_id,
            "contract.ethics_approve",
            lambda c, now: c.approve_ethics(reviewer.id, now),
        )

    def reject(self, staff: Principal, contract_id: str, reason: str) -> Contract:
        return self._transition(
            staff, contract_id, "contract.reject", lambda c, now: c.reject(_reason(reason), now)
        )

    def counter_offer(self, officer: Principal, contract_id: str, raw_terms: dict[str, Any]) -> Contract:
        terms = Terms.parse(raw_terms)
        with self._uow() as uow:
            current = self._load(uow, contract_id)
            if terms.access_mode != current.terms.access_mode:
                raise InvalidInput("a counter-offer keeps the product's access mode", code="terms_invalid")
        return self._transition(
            officer,
            contract_id,
            "contract.counter_offer",
            lambda c, now: c.counter_offer(terms, officer.id, now),
        )

    def revoke(self, officer: Principal, contract_id: str, reason: str) -> Contract:
        return self._ended(
            self._transition(
                officer, contract_id, "contract.revoke", lambda c, now: c.revoke(_reason(reason), now)
            )
        )

    # -- reading ---------------------------------------------------------------------------------
    def get(self, viewer: Principal, contract_id: str) -> Contract:
        with self._uow() as uow:
            contract = self._load(uow, contract_id)
        if viewer.kind == "partner" and contract.partner_id != viewer.id:
            raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
        return contract

    def list_for(self, viewer: Principal, states: set[State] | None = None) -> list[Contract]:
        with self._uow() as uow:
            return uow.contracts.query(
                partner_id=viewer.id if viewer.kind == "partner" else None, states=states
            )

    def page(
        self, viewer: Principal, where: ContractFilter, offset: int = 0, limit: int = 20
    ) -> tuple[list[Contract], int]:
        """A page of what ``viewer`` may see (partners: their own) and the number matching in all."""
        if viewer.kind == "partner":
            where = replace(where, partner_id=viewer.id)
        with self._uow() as uow:
            return uow.contracts.page(where, offset, limit)

    def usage_page(
        self, viewer: Principal, access_mode: str, offset: int = 0, limit: int = 20
    ) -> tuple[list[UsageRecord], int]:
        """A page of the uses in ``access_mode`` that ``viewer`` may see (partners: their own), newest
        first, and how many there are."""
        partner = viewer.id if viewer.kind == "partner" else None
        with self._uow() as uow:
            return uow.contracts.usage_page(access_mode, partner, offset, limit)

    def usage_of(self, viewer: Principal, contract_id: str) -> list[UsageRecord]:
        self.get(viewer, contract_id)
        with self._uow() as uow:
            return uow.contracts.usage(contract_id)

    # -- internals -------------------------------------------------------------------------------
    def _transition(
        self,
        actor: Principal,
        contract_id: str,
        action: str,
        step: Callable[[Contract, int], Contract],
        party: bool = False,
    ) -> Contract:
        now = self._clock.now_us()
        with self._uow() as uow:
            contract = self._party_contract(uow, actor, contract_id, action, party)
            try:
                updated = step(contract, now)
            except Conflict as exc:
                raise self._refuse(uow, actor.id, action, contract_id, exc) from None
            uow.contracts.save(updated)
            self._audit.record(
                uow,
                AuditEvent(
                    actor.id,
                    action,
                    "contract",
                    contract_id,
                    details={
                        "from": contract.state.name,
                        "to": updated.state.name,
                        "version": updated.version,
                    },
                ),
            )
            uow.commit()
        return updated

    def _load(self, uow: ContractsUnitOfWork, contract_id: str, for_update: bool = False) -> Contract:
        contract = uow.contracts.get(contract_id, for_update=for_update)
        if contract is None:
            raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
        return contract

    def _party_contract(
        self, uow: ContractsUnitOfWork, actor: Principal, contract_id: str, action: str, party: bool
    ) -> Contract:
        """The contract, locked for a step by ``actor``; one that does not exist, or (for a step of the
        partner's) is another partner's, is refused as not found."""
        contract = uow.contracts.get(contract_id, for_update=True)
        if contract is None or (party and contract.partner_id != actor.id):
            error = NotFound(f"contract {contract_id} not found", code="contract_not_found")
            raise self._refuse(uow, actor.id, action, contract_id, error)
        return contract

    def _refuse(
        self, uow: ContractsUnitOfWork, actor: str, action: str, ref: str, error: NodeError
    ) -> NodeError:
        """Audit a refusal in the transaction that decided it (it has written nothing else) and commit
        it; the caller raises the returned error, marked as audited for the edges."""
        self._audit.record(
            uow, AuditEvent(actor, action, "contract", ref, Outcome.DENIED, {"reasons": [error.code]})
        )
        uow.commit()
        error.audited = True
        return error


def _reason(text: str) -> str:
    text = " ".join(text.split())
    if not 0 < len(text) <= 300:
        raise InvalidInput("a reason of 1-300 characters is required", code="reason_required")
    return text


def _verifies(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        return PublicKey.from_hex(public_key_hex).verify(bytes.fromhex(signature_hex), message)
    except (InvalidInput, ValueError):
        return False
