"""One-stop settlement: the billing desk submits a claim for a consenting patient's encounter under an
ACTIVE settlement contract (one metered ``settlement`` use per contract, encounter and version); the
insurer pulls the sealed claims and returns signed ClaimResponses; the node verifies them against the
insurer's registered key and records the settlement (patient's own share = total - payable); a daily
reconciliation per insurer. Every step is audited with ids and counts, never patient data.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pandas as pd

from node.asset_registry.model import AccessMode, Asset, Product
from node.asset_registry.ports import AssetStore
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.consent.services import ConsentService
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.granted import contract_product, granted_product
from node.contracts.model import Contract
from node.contracts.services import ContractService
from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3_hex
from node.errors import Conflict, InvalidInput, NodeError, NotFound, PolicyDenied
from node.identity.model import Principal
from node.ports import Clock, Signer
from node.settlement.claim import OPTIONAL_FIELDS, Encounter, build_claim, claim_fields, read_response
from node.settlement.ports import PULLED, QUEUED, SETTLED, ClaimFilter, ClaimRecord, SettlementUnitOfWork
from node.settlement.sealing import response_verifies, seal_claim

CHINA = timezone(timedelta(hours=8))
MAX_PULL = 500
_ENCOUNTER_KEYS = ("encounter_id", "visit_number")
_PATIENT_KEYS = ("patient_id", "mrn")


class SettlementService:
    def __init__(
        self,
        uow_factory: Callable[[], SettlementUnitOfWork],
        store: AssetStore,
        contracts: ContractService,
        usage: UsageService,
        consents: ConsentService,
        audit: AuditLog,
        clock: Clock,
        signer: Signer,
        provider: str,
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._contracts = contracts
        self._usage = usage
        self._consents = consents
        self._audit = audit
        self._clock = clock
        self._signer = signer
        self._provider = provider

    # -- the billing desk ------------------------------------------------------------------------
    def submit(
        self,
        staff: Principal,
        contract_id: str,
        encounter_id: str,
        fields: list[str] | None = None,
        version: int = 1,
    ) -> ClaimRecord:
        """Build, sign, seal and queue the encounter's claim; a retry returns the first claim."""
        contract = self._contracts.get(staff, contract_id)
        if contract.terms.access_mode != AccessMode.SETTLEMENT:
            raise InvalidInput("this contract is not for claim settlement", code="mode_mismatch")
        if not 1 <= version <= 1000 or not 0 < len(encounter_id) <= 64:
            raise InvalidInput(
                "encounter id (1-64 characters) and version (1-1000) required", code="claim_invalid"
            )
        with self._uow() as uow:
            earlier = uow.claims.find(contract.id, encounter_id, version)
            partner = uow.principals.get(contract.partner_id)
        if earlier is not None:
            self._audit.record_now(_replay(staff, earlier))
            return earlier
        try:
            product, assets = contract_product(self._uow, contract)
            chosen = claim_fields(fields, allowed_fields(contract, product))
            if partner is None or not partner.public_key:
                raise InvalidInput("the insurer has no registered public key", code="insurer_key_missing")
            patient = self._patient_of(assets, encounter_id)
        except NodeError as exc:
            self._refused(staff, contract.id, exc)
            raise
        required = bool(product.policy_template.get("consent_required", True))
        consents = required and patient in self._consents.consenting(partner.id, contract.terms.purpose)
        facts = {"required": required, "subjects": 1, "without_consent": 0 if consents or not required else 1}
        claim_id = "cl-" + secrets.token_hex(8)
        use = UsageRequest.for_claim(
            contract.id, claim_id, encounter_id, version, {**facts, "excluded": False}
        )
        try:
            with self._usage.use_for_partner(use) as grant:
                if grant.replayed:  # another desk's submission holds the use: its claim is the outcome
                    done = self._await_claim(contract.id, encounter_id, version)
                    self._audit.record_now(_replay(staff, done))
                    return done
                _, granted = granted_product(self._uow, grant)
                enc = self._encounter(granted, encounter_id, patient)
                now = self._clock.now_us()
                claim = build_claim(
                    claim_id, enc, chosen, partner.name, self._provider, contract.id, _fhir_time(now)
                )
                record = ClaimRecord(
                    id=claim_id,
                    contract_id=contract.id,
                    partner_id=partner.id,
                    encounter_id=encounter_id,
                    version=version,
                    status=QUEUED,
                    total=enc.total,
                    currency=enc.currency,
                    package=seal_claim(claim, self._signer, partner.public_key, contract.id),
                    usage_id=grant.record.id,
                    submitted_by=staff.id,
                    created_at_us=now,
                )
                with self._uow() as uow:
                    if not uow.claims.add(record):
                        raise Conflict("the claim was submitted meanwhile", code="claim_exists")
                    self._audit.record(
                        uow,
                        _event(
                            staff,
                            "settlement.submit",
                            claim_id,
                            {
                                "contract": contract.id,
                                "usage": grant.record.id,
                                "version": version,
                                "fields": chosen,
                                "items": len(enc.charges),
                                "diagnoses": len(enc.diagnoses),
                                "procedures": len(enc.procedures),
                            },
                        ),
                    )
                    uow.commit()
                return record
        except NodeError as exc:
            self._refused(staff, contract.id, exc)
            raise

    def _await_claim(self, contract_id: str, encounter_id: str, version: int) -> ClaimRecord:
        """The claim another submission is storing under the same metered use (it takes milliseconds)."""
        for wait in (0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0):
            time.sleep(wait)
            with self._uow() as uow:
                done = uow.claims.find(contract_id, encounter_id, version)
            if done is not None:
                return done
        raise Conflict("the claim is being submitted: ask again shortly", code="claim_in_progress")

    def settlements(
        self, viewer: Principal, contract_id: str | None = None, day: str | None = None
    ) -> list[ClaimRecord]:
        """Claims with their settlement: the billing desk and the officer see all, a partner its own."""
        start, end = _day_bounds(day) if day else (0, 2**62)
        partner = viewer.id if viewer.kind == "partner" else None
        with self._uow() as uow:
            found = uow.claims.created_between(start, end, partner)
        return [c for c in found if contract_id is None or c.contract_id == contract_id]

    def page(
        self, viewer: Principal, day: str | None, status: str | None, offset: int, limit: int
    ) -> tuple[list[ClaimRecord], int]:
        """A page of the claims (of ``day``, China time, and in ``status`` if given), newest first: the
        billing desk and the officer see all, a partner its own; and how many match in all."""
        if status is not None and status not in (QUEUED, PULLED, SETTLED):
            raise InvalidInput("status must be queued, pulled or settled", code="claim_status_unknown")
        start, end = _day_bounds(day) if day else (0, 2**62)
        partner = viewer.id if viewer.kind == "partner" else None
        with self._uow() as uow:
            return uow.claims.page(ClaimFilter(start, end, partner, status), offset, limit)

    def reconcile(self, viewer: Principal, day: str) -> list[dict[str, Any]]:
        """Per insurer, the claims submitted on ``day`` (China time): counts and sums."""
        out: dict[str, dict[str, Any]] = {}
        for c in self.settlements(viewer, day=day):
            r = out.setdefault(
                c.partner_id,
                {
                    "date": day,
                    "partner_id": c.partner_id,
                    "currency": c.currency,
                    "claims": 0,
                    "settled": 0,
                    "pending": 0,
                    "total": 0.0,
                    "payable": 0.0,
                    "patient_share": 0.0,
                    "pending_total": 0.0,
                },
            )
            r["claims"] += 1
            r["total"] += c.total
            if c.status == SETTLED:
                r["settled"] += 1
                r["payable"] += c.payable or 0.0
                r["patient_share"] += c.patient_share or 0.0
            else:
                r["pending"] += 1
                r["pending_total"] += c.total
        rows = [
            {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}
            for _, r in sorted(out.items())
        ]
        self._event(
            viewer,
            "settlement.reconcile",
            day,
            {"insurers": len(rows), "claims": sum(r["claims"] for r in rows)},
            kind="day",
        )
        return rows

    # -- the insurer -----------------------------------------------------------------------------
    def pull(self, partner: Principal, contract_id: str | None = None, limit: int = 100) -> list[ClaimRecord]:
        """The partner's unsettled claims (sealed packages), marked pulled."""
        if not 1 <= limit <= MAX_PULL:
            raise InvalidInput(f"limit must be 1-{MAX_PULL}", code="limit_invalid")
        now = self._clock.now_us()
        with self._uow() as uow:
            found = uow.claims.unsettled(partner.id, contract_id, limit)
            fresh = [c.id for c in found if c.status == QUEUED]
            uow.claims.mark_pulled(fresh, now)
            self._audit.record(
                uow,
                _event(
                    partner,
                    "settlement.pull",
                    contract_id or partner.id,
                    {"claims": len(found), "first_pull": len(fresh)},
                    kind="contract" if contract_id else "principal",
                ),
            )
            uow.commit()
        return [replace(c, status=PULLED, pulled_at_us=c.pulled_at_us or now) for c in found]

    def respond(self, partner: Principal, claim_id: str, response: Any, signature: str) -> ClaimRecord:
        """Record the insurer's signed ClaimResponse: verified against its registered key first."""
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
            me = uow.principals.get(partner.id)
        try:
            if claim is None or claim.partner_id != partner.id:
                raise NotFound(f"claim {claim_id} not found", code="claim_not_found")
            if me is None or not me.public_key or not response_verifies(response, signature, me.public_key):
                raise PolicyDenied(
                    "the claim response is not signed by the insurer's registered key, or was altered",
                    code="claim_response_signature_invalid",
                )
            adj = read_response(response)
            if adj.claim_id != claim.id:
                raise InvalidInput("the response answers another claim", code="claim_response_mismatch")
            if abs(adj.submitted - claim.total) > 0.005 or adj.currency != claim.currency:
                raise InvalidInput(
                    "the response's submitted total or currency differs from the claim's",
                    code="claim_response_mismatch",
                )
            if not 0 <= adj.payable <= claim.total + 0.005:
                raise InvalidInput(
                    "the payable amount must lie between 0 and the claim's total",
                    code="claim_response_invalid",
                )
            digest = _digest(response)
            if claim.status == SETTLED:
                if claim.response is not None and _digest(claim.response) == digest:
                    return claim  # a retry of the same answer
                raise Conflict("the claim is already settled", code="claim_already_settled")
        except NodeError as exc:
            self._refused(partner, claim_id, exc, kind="claim", action="settlement.respond")
            raise
        payable = round(adj.payable, 2)
        settled = replace(
            claim,
            status=SETTLED,
            payable=payable,
            patient_share=round(claim.total - payable, 2),
            response=response,
            response_signature=signature,
            settled_at_us=self._clock.now_us(),
        )
        with self._uow() as uow:
            if not uow.claims.settle(settled):
                raise Conflict("the claim was settled meanwhile", code="claim_already_settled")
            self._audit.record(
                uow,
                _event(
                    partner,
                    "settlement.respond",
                    claim.id,
                    {"contract": claim.contract_id, "outcome": adj.outcome},
                ),
            )
            uow.commit()
        return settled

    def node_key(self) -> str:
        return self._signer.public_key_hex

    # -- internals -------------------------------------------------------------------------------
    def _patient_of(self, assets: list[Asset], encounter_id: str) -> str:
        for asset in _tables(assets, "encounters"):
            for row in self._matching(asset, encounter_id):
                patient = _first(row, _PATIENT_KEYS)
                if patient:
                    return str(patient)
        raise NotFound("the encounter is not in the contract's tables", code="encounter_not_found")

    def _encounter(self, assets: list[Asset], encounter_id: str, patient: str) -> Encounter:
        enc = next((r for a in _tables(assets, "encounters") for r in self._matching(a, encounter_id)), {})
        diagnoses = [
            (str(_first(r, ("icd10", "code"))), _text(r.get("display")))
            for a in _tables(assets, "conditions")
            for r in self._matching(a, encounter_id)
            if _first(r, ("icd10", "code"))
        ]
        if not diagnoses:  # conditions recorded for the patient without an encounter (problem list)
            diagnoses = [
                (str(_first(r, ("icd10", "code"))), _text(r.get("display")))
                for a in _tables(assets, "conditions")
                for r in self._matching(a, patient, keys=_PATIENT_KEYS)
                if _first(r, ("icd10", "code")) and not _first(r, _ENCOUNTER_KEYS)
            ]
        procedures = [
            (
                str(_first(r, ("snomed_ct", "code"))),
                _text(r.get("code_system")) if not r.get("snomed_ct") else None,
                _text(r.get("display")),
            )
            for a in _tables(assets, "procedures")
            for r in self._matching(a, encounter_id)
            if _first(r, ("snomed_ct", "code"))
        ]
        charges = [
            r
            for a in _tables(assets, "charges")
            for r in self._matching(a, encounter_id)
            if r.get("code") and r.get("amount") is not None
        ]
        if not charges:
            raise InvalidInput("the encounter has no itemized charges to claim", code="claim_no_charges")
        klass = str(enc.get("class") or "").upper()
        return Encounter(
            encounter_id=encounter_id,
            patient_id=patient,
            inpatient=klass in ("IMP", "I", "ACUTE", "NONAC"),
            start=_time(_first(enc, ("start", "admitted"))),
            end=_time(_first(enc, ("end", "discharged"))),
            diagnoses=diagnoses,
            procedures=procedures,
            charges=charges,
        )

    def _matching(
        self, asset: Asset, value: str, keys: tuple[str, ...] = _ENCOUNTER_KEYS
    ) -> Iterator[dict[str, Any]]:
        key = next((c.name for c in asset.columns if c.name in keys), None)
        if key is None:
            return
        for part in self._store.read(asset.storage_ref):
            hit = part[part[key].astype(str) == value]
            for rec in hit.to_dict("records"):
                yield {k: (None if _missing(v) else v) for k, v in rec.items()}

    def _refused(
        self,
        actor: Principal,
        ref: str,
        exc: NodeError,
        kind: str = "contract",
        action: str = "settlement.submit",
    ) -> None:
        details: dict[str, Any] = {"code": exc.code}
        reasons = getattr(exc, "reasons", None)
        if reasons:
            details["reasons"] = reasons
        outcome = Outcome.DENIED if isinstance(exc, PolicyDenied) else Outcome.FAILED
        self._audit.record_now(AuditEvent(actor.id, action, kind, ref, outcome, details))
        exc.audited = True

    def _event(
        self, actor: Principal, action: str, ref: str, details: dict[str, Any], kind: str = "claim"
    ) -> None:
        self._audit.record_now(_event(actor, action, ref, details, kind))


def allowed_fields(contract: Contract, product: Product) -> list[str]:
    """The claim fields the product offers, narrowed by the contract's duties if it lists its own."""
    offered = product.policy_template.get("claim_fields")
    fields = [f for f in (offered if isinstance(offered, list) else OPTIONAL_FIELDS) if f in OPTIONAL_FIELDS]
    signed = contract.terms.duties.get("claim_fields")
    if isinstance(signed, list):
        fields = [f for f in fields if f in signed]
    return fields


def _event(
    actor: Principal, action: str, ref: str, details: dict[str, Any], kind: str = "claim"
) -> AuditEvent:
    return AuditEvent(actor.id, action, kind, ref, details=details)


def _replay(actor: Principal, claim: ClaimRecord) -> AuditEvent:
    return _event(actor, "settlement.submit", claim.id, {"contract": claim.contract_id, "replay": True})


def _tables(assets: list[Asset], name: str) -> list[Asset]:
    return [a for a in assets if a.table == name]


def _first(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((row[k] for k in keys if row.get(k) not in (None, "")), None)


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _text(v: Any) -> str | None:
    return None if v in (None, "") else str(v)


def _time(v: Any) -> str | None:
    if v in (None, ""):
        return None
    if isinstance(v, pd.Timestamp | datetime):
        t = v if v.tzinfo else v.replace(tzinfo=CHINA)
        return t.isoformat()
    return str(v)


def _fhir_time(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, CHINA).isoformat(timespec="seconds")


def _day_bounds(day: str) -> tuple[int, int]:
    try:
        d = date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("the date must be YYYY-MM-DD", code="date_invalid") from None
    start = datetime(d.year, d.month, d.day, tzinfo=CHINA)
    end = start + timedelta(days=1)
    return int(start.astimezone(UTC).timestamp() * 1e6), int(end.astimezone(UTC).timestamp() * 1e6)


def _digest(doc: Any) -> str:
    return sm3_hex(canonical_json(doc))
