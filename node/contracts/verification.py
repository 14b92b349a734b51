"""Verification anyone can run: a contract's digest, both signatures and its anchor on the chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from node.contracts.model import Contract
from node.contracts.ports import ContractsUnitOfWork
from node.crypto.canonical import canonical_json
from node.crypto.sm import PublicKey, sm3
from node.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from node.ports import AnchorReceipt, ChainAnchor


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerificationReport:
    contract_id: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "ok": self.ok,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def export(contract: Contract, anchor: AnchorReceipt | None) -> dict[str, Any]:
    """A self-contained copy: the signed document, the signatures and where the anchor is."""
    return {
        "contract_id": contract.id,
        "document": contract.document(),
        "digest": contract.digest,
        "signatures": {
            "partner": _sig(contract.partner_signature),
            "node": _sig(contract.node_signature),
        },
        "anchor": anchor.as_dict() if anchor else None,
    }


def _sig(s: Any) -> dict[str, Any] | None:
    return (
        None if s is None else {"signer": s.signer_id, "public_key": s.public_key, "signature": s.signature}
    )


def verify_copy(
    copy: dict[str, Any],
    partner_key: str | None,
    node_keys: set[str],
    chain: ChainAnchor | DependencyUnavailable | None,
) -> VerificationReport:
    """Check an exported contract against the registered keys and the chain; every check is reported."""
    checks: list[Check] = []
    cid = str(copy.get("contract_id", "?"))
    try:
        canonical = canonical_json(copy["document"])
    except (KeyError, InvalidInput, TypeError):
        return VerificationReport(cid, [Check("document", False, "no canonicalizable document")])
    digest = sm3(canonical).hex()
    checks.append(Check("digest", digest == copy.get("digest"), f"SM3 of the canonical document is {digest}"))
    sigs = copy.get("signatures") or {}
    checks.append(_check_sig("partner_signature", sigs.get("partner"), {partner_key} - {None}, canonical))
    checks.append(_check_sig("node_signature", sigs.get("node"), node_keys, canonical))
    checks.extend(_check_anchor(cid, digest, copy.get("anchor"), chain))
    return VerificationReport(cid, checks)


def _check_sig(
    name: str, sig: dict[str, Any] | None, trusted: set[str] | set[str | None], message: bytes
) -> Check:
    if not sig:
        return Check(name, False, "missing")
    key = sig.get("public_key")
    if key not in trusted:
        return Check(name, False, "signed with a key that is not the registered one")
    try:
        ok = PublicKey.from_hex(str(key)).verify(bytes.fromhex(str(sig.get("signature", ""))), message)
    except (InvalidInput, ValueError):
        ok = False
    return Check(name, ok, "SM2 signature verifies" if ok else "SM2 signature does not verify")


def _check_anchor(
    cid: str, digest: str, recorded: dict[str, Any] | None, chain: ChainAnchor | DependencyUnavailable | None
) -> list[Check]:
    if not recorded:
        return [Check("anchor", False, "no anchor recorded (still ANCHORING?)")]
    if chain is None:
        return [Check("anchor", False, "no chain configured")]
    if isinstance(chain, DependencyUnavailable):
        return [Check("anchor", False, f"chain unavailable [{chain.code}]: {chain.message}")]
    try:
        found = chain.find(digest)
    except DependencyUnavailable as exc:
        return [Check("anchor", False, exc.message)]
    if found is None:
        return [Check("anchor", False, f"digest {digest} is not anchored on chain {chain.chain_id}")]
    expect = {
        "digest": digest,
        "block_number": found.block_number,
        "contract_address": chain.contract_address,
        "chain_id": chain.chain_id,
        "tx_hash": found.tx_hash,
    }
    mismatched = [k for k, v in expect.items() if recorded.get(k) != v]
    return [
        Check(
            "anchor",
            not mismatched and found.ref == cid and found.kind == "contract",
            f"block {found.block_number}, tx {found.tx_hash}, registry {found.contract_address}"
            + (f"; recorded copy differs in: {', '.join(mismatched)}" if mismatched else ""),
        )
    ]


class ContractVerifier:
    """Verification against this node's records: registered keys, recorded anchors, the chain."""

    def __init__(
        self,
        uow_factory: Callable[[], ContractsUnitOfWork],
        chain: Callable[[], ChainAnchor],
        node_keys: Callable[[], set[str]],
    ) -> None:
        self._uow = uow_factory
        self._chain = chain
        self._node_keys = node_keys

    def export(self, contract_id: str) -> dict[str, Any]:
        with self._uow() as uow:
            contract = uow.contracts.get(contract_id)
            if contract is None:
                raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
            if not contract.digest:
                raise Conflict(
                    f"contract is {contract.state.name}: not agreed yet", code="contract_not_agreed"
                )
            return export(contract, uow.anchors.get(contract.digest))

    def verify(self, contract_id: str) -> VerificationReport:
        return self.verify_copy(self.export(contract_id))

    def verify_copy(self, copy: dict[str, Any]) -> VerificationReport:
        partner_id = str(((copy.get("document") or {}).get("assignee") or {}).get("partner", ""))
        with self._uow() as uow:
            partner = uow.principals.get(partner_id)
        try:
            chain: ChainAnchor | DependencyUnavailable = self._chain()
        except DependencyUnavailable as exc:
            chain = exc  # reported in the anchor check: what happened, not "no chain"
        return verify_copy(copy, partner.public_key if partner else None, self._node_keys(), chain)
