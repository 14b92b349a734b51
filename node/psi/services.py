"""PSI under a contract: the insurer learns which of its members are the hospital's patients (or how
many, under a count-only contract); the hospital learns the size of the insurer's list. One metered
``psi`` use per run; the audit holds counts, never identifiers.

Before any cryptography the run is checked: the request is parsed (not decrypted) for its size and
what it asks to learn; a list larger (or smaller) than the product allows (``max_members``,
``min_members``), or asking for members under a count-only contract, is refused. Patients without
consent for this partner and purpose are left out of the hospital's set when the product requires
consent; the usage policy sees those counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from node.asset_registry.model import AccessMode, Asset, Product
from node.asset_registry.pii import PERSON_KEY
from node.asset_registry.ports import AssetStore, RegistryUnitOfWork
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.consent.services import ConsentService
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.granted import contract_product, granted_product
from node.contracts.model import Contract
from node.contracts.services import ContractService
from node.errors import InvalidInput, PolicyDenied
from node.identity.model import Principal
from node.psi.identifiers import patient_keys
from node.psi.protocol import request_facts, serve

DEFAULT_MAX_MEMBERS = 200_000


@dataclass(frozen=True)
class PsiTerms:
    max_members: int
    min_members: int
    reveal: bool  # False: only the size of the intersection

    def view(self) -> dict[str, Any]:
        return {
            "max_members": self.max_members,
            "min_members": self.min_members,
            "reveal": "members" if self.reveal else "count",
            "keys": ["resident_id", "name,birth_date"],
        }


@dataclass(frozen=True)
class PsiAnswer:
    setup: bytes
    response: bytes
    reveal: bool
    members: int


@dataclass(frozen=True)
class _PatientColumns:
    person: str | None
    resident_id: str | None
    name: str | None
    birth_date: str | None


class PsiService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        store: AssetStore,
        contracts: ContractService,
        usage: UsageService,
        consents: ConsentService,
        audit: AuditLog,
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._contracts = contracts
        self._usage = usage
        self._consents = consents
        self._audit = audit

    def terms(self, principal: Principal, contract_id: str) -> PsiTerms:
        contract = self._contract(principal, contract_id)
        product, _ = contract_product(self._uow, contract)
        return _terms(contract, product)

    def run(
        self, principal: Principal, contract_id: str, request: bytes, name_keys: bool = True
    ) -> PsiAnswer:
        """``name_keys``: also put patients' name-and-birth-date keys in the set (the member list uses the
        fallback); without them the hospital's set, and its cost, is half as large."""
        members, asks_members = request_facts(request)
        contract = self._contract(principal, contract_id)
        product, assets = contract_product(self._uow, contract)
        terms = _terms(contract, product)
        refusal = _refusal(terms, members, asks_members)
        if refusal is not None:
            self._audit.record_now(
                AuditEvent(
                    principal.id,
                    "psi.run",
                    "contract",
                    contract.id,
                    Outcome.DENIED,
                    {"code": refusal.code, "members": members, "max_members": terms.max_members},
                )
            )
            refusal.audited = True
            raise refusal
        required = bool(product.policy_template.get("consent_required", False))
        consenting = (
            self._consents.consenting(contract.partner_id, contract.terms.purpose) if required else set()
        )
        patients = sum(a.rows for a in assets)
        facts = {
            "required": required,
            "subjects": patients,
            "without_consent": max(0, patients - len(consenting)) if required else 0,
            "excluded": True,
        }
        use = UsageRequest.for_psi(contract.id, members, facts)
        with self._usage.use(principal, use) as grant:
            _, granted_assets = granted_product(self._uow, grant)
            keys, excluded = self._hospital_set(granted_assets, consenting if required else None, name_keys)
            setup, response = serve(keys, request, asks_members)
            self._audit.record_now(
                AuditEvent(
                    principal.id,
                    "psi.run",
                    "contract",
                    contract.id,
                    details={
                        "usage": grant.record.id,
                        "members": members,
                        "hospital_keys": len(keys),
                        "left_out_without_consent": excluded,
                        "reveal": "members" if asks_members else "count",
                        "name_keys": name_keys,
                    },
                )
            )
        return PsiAnswer(setup, response, asks_members, members)

    # -- internals -------------------------------------------------------------------------------
    def _contract(self, principal: Principal, contract_id: str) -> Contract:
        contract = self._contracts.get(principal, contract_id)
        if contract.terms.access_mode != AccessMode.PSI:
            raise InvalidInput("this contract is not for private set intersection", code="mode_mismatch")
        return contract

    def _hospital_set(
        self, assets: list[Asset], consenting: set[str] | None, name_keys: bool
    ) -> tuple[list[str], int]:
        """The keys of the patients in the product's tables (only consenting ones if ``consenting`` is
        given) and how many patients were left out for lack of consent."""
        keys: set[str] = set()
        excluded: set[str] = set()
        for asset in assets:
            cols = _columns(asset)
            if cols.resident_id is None and (cols.name is None or cols.birth_date is None):
                continue
            for part in self._store.read(asset.storage_ref):
                for row in _rows(part, cols):
                    person, rid, name, born = row
                    if consenting is not None and (person is None or str(person) not in consenting):
                        excluded.add(str(person))
                        continue
                    keys.update(patient_keys(rid, name if name_keys else None, born))
        if not keys and not excluded:
            raise InvalidInput(
                "the product's tables hold no resident ID or name and birth date column",
                code="psi_no_identifiers",
            )
        return sorted(keys), len(excluded)


def _terms(contract: Contract, product: Product) -> PsiTerms:
    t = product.policy_template
    count_only = t.get("psi_reveal") == "count" or "linkage" in contract.terms.prohibitions
    return PsiTerms(
        max_members=int(t.get("max_members", DEFAULT_MAX_MEMBERS)),
        min_members=max(1, int(t.get("min_members", 1))),
        reveal=not count_only,
    )


def _refusal(terms: PsiTerms, members: int, asks_members: bool) -> PolicyDenied | InvalidInput | None:
    if members == 0:
        return InvalidInput("the member list is empty", code="psi_request_invalid")
    if members < terms.min_members:
        return PolicyDenied(
            f"the list has {members} members; this product answers lists of at least {terms.min_members}",
            code="psi_list_too_small",
        )
    if members > terms.max_members:
        return PolicyDenied(
            f"the list has {members} members; this contract allows at most {terms.max_members} per run",
            code="psi_list_too_large",
        )
    if asks_members and not terms.reveal:
        return PolicyDenied(
            "this contract reveals only how many members are patients: ask for the count",
            code="psi_count_only",
        )
    return None


def _columns(asset: Asset) -> _PatientColumns:
    def first(pred: Callable[[Any], bool]) -> str | None:
        return next((c.name for c in asset.columns if pred(c)), None)

    return _PatientColumns(
        person=first(lambda c: PERSON_KEY.match(c.name) is not None),
        resident_id=first(lambda c: "CN_ID_CARD" in c.pii),
        name=first(lambda c: "PERSON" in c.pii),
        birth_date=first(lambda c: "DATE_OF_BIRTH" in c.pii),
    )


def _rows(part: pd.DataFrame, cols: _PatientColumns) -> zip[tuple[Any, Any, Any, Any]]:
    def col(name: str | None) -> list[Any]:
        if name is None or name not in part:
            return [None] * len(part)
        return [None if pd.isna(v) else v for v in part[name].tolist()]

    return zip(col(cols.person), col(cols.resident_id), col(cols.name), col(cols.birth_date), strict=True)
