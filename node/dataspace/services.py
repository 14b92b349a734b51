"""The Dataspace Protocol 2025-1 provider side: catalog, contract negotiation and transfer process
over our products and contracts. Domain logic only; the HTTP binding is ``node.api.routes.dataspace``.

Consumer messages are checked, then carried out by the contract service (which audits and enforces
the contract state machine); the negotiation's DSP state then follows its contract. Provider-driven
steps (an officer's counter-offer, approval after ethics review, anchoring, an end) are picked up by
``sync`` (the worker runs it; reading a negotiation runs it for that one), which writes the step and
its callback message to the consumer in one transaction; ``deliver`` posts the callbacks with retries.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from node.anonymization.tabular import TableReport
from node.asset_registry.model import AccessMode, Product, ProductStatus
from node.asset_registry.services import ProductService
from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.contracts.extracts import ContractExtracts
from node.contracts.model import Contract, State
from node.contracts.ports import ContractsUnitOfWork
from node.contracts.services import ContractService
from node.crypto.canonical import canonical_json
from node.crypto.sm import sm3_hex
from node.dataspace import odrl
from node.dataspace.messages import CONTEXT, PATH, VERSION, check, envelope
from node.dataspace.model import (
    DSP_FINAL,
    DspError,
    DspState,
    Negotiation,
    Transfer,
    TransferState,
)
from node.dataspace.ports import Callback, CallbackSender, DataspaceUnitOfWork
from node.errors import NodeError, NotFound, Unauthorized
from node.identity.model import Principal
from node.ports import Clock, Signer

PULL_FORMAT = "HttpData-PULL"
HTTP_ENDPOINT = "https://w3id.org/idsa/v4.1/HTTP"
# distribution formats of the compute modes: how each is used once a contract is FINALIZED (docs/dataspace.md)
FORMATS = {
    AccessMode.ANONYMIZED_EXTRACT: PULL_FORMAT,
    AccessMode.AGGREGATE_QUERY: "urn:hnode:format:aggregate-query",
    AccessMode.HE_QUERY: "urn:hnode:format:he-query",
    AccessMode.FEDERATED_TRAINING: "urn:hnode:format:flower-federated-training",
    AccessMode.PSI: "urn:hnode:format:private-set-intersection",
    AccessMode.RESEARCH_DATASET: "urn:hnode:format:research-dataset",
    AccessMode.SETTLEMENT: "urn:hnode:format:claim-settlement",
}
_RETRY_US = (5_000_000, 30_000_000, 120_000_000, 600_000_000)


@dataclass
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


class DataspaceService:
    def __init__(
        self,
        uow_factory: Callable[[], DataspaceUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        contracts: ContractService,
        products: ProductService,
        extracts: ContractExtracts,
        signer: Signer,
        node_id: str,
        token_ttl_s: int = 300,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._contracts = contracts
        self._products = products
        self._extracts = extracts
        self._signer = signer
        self._node = node_id
        self._token_ttl_us = token_ttl_s * 1_000_000

    # -- version and catalog ---------------------------------------------------------------------
    def versions(self) -> dict[str, Any]:
        return {
            "protocolVersions": [
                {
                    "version": VERSION,
                    "path": PATH,
                    "binding": "HTTPS",
                    "identifierType": "urn:hnode",
                    "serviceId": self._service_id(),
                    "auth": {"protocol": "bearer", "version": "RFC6750", "profile": ["hnode-token"]},
                }
            ]
        }

    def catalog(self, caller: Principal, message: Any, base_url: str) -> dict[str, Any]:
        body = check(message, "CatalogRequestMessage", kind="catalog")
        wanted = _catalog_filter(body.get("filter"))
        datasets = [
            self._dataset(p, base_url)
            for p in self._offered(caller)
            if all(_matches(p, key, value) for key, value in wanted.items())
        ]
        catalog: dict[str, Any] = {
            "@context": CONTEXT,
            "@id": f"urn:hnode:{self._node}:catalog",
            "@type": "Catalog",
            "participantId": self.participant_id,
            "dct:title": f"{self._node} 数据产品目录",
            "service": self._services(base_url),
        }
        if datasets:  # the schema wants at least one item where the property is present
            catalog["dataset"] = datasets
        return catalog

    def dataset(self, caller: Principal, dataset_id: str, base_url: str) -> dict[str, Any]:
        for p in self._offered(caller):
            if dataset_id in (odrl.dataset_id(self._node, p.id), p.id):
                return {"@context": CONTEXT, **self._dataset(p, base_url)}
        raise DspError(
            "no such dataset in this catalog", code="dataset_not_found", status=404, kind="catalog"
        )

    @property
    def participant_id(self) -> str:
        return f"urn:hnode:node:{self._node}"

    def _service_id(self) -> str:
        return f"urn:hnode:{self._node}:dsp"

    def _services(self, base_url: str) -> list[dict[str, Any]]:
        return [
            {"@id": self._service_id(), "@type": "DataService", "endpointURL": base_url + PATH},
            {"@id": f"urn:hnode:{self._node}:api", "@type": "DataService", "endpointURL": base_url + "/v1"},
        ]

    def _offered(self, caller: Principal) -> list[Product]:
        roles = None if caller.kind == "staff" else frozenset(r.value for r in caller.roles)
        return [p for p in self._products.visible(roles) if p.status == ProductStatus.PUBLISHED]

    def _dataset(self, p: Product, base_url: str) -> dict[str, Any]:
        service = (
            self._service_id()
            if p.access_mode == AccessMode.ANONYMIZED_EXTRACT
            else f"urn:hnode:{self._node}:api"
        )
        return {
            "@id": odrl.dataset_id(self._node, p.id),
            "@type": "Dataset",
            "dct:identifier": p.id,
            "dct:title": p.name,
            "dct:description": p.description,
            f"{odrl.HNODE}accessMode": p.access_mode.value,
            "hasPolicy": [odrl.catalog_offer(self._node, p)],
            "distribution": [
                {"@type": "Distribution", "format": FORMATS[p.access_mode], "accessService": service}
            ],
        }

    # -- contract negotiation ------------------------------------------------------------------
    def request(self, partner: Principal, message: Any) -> dict[str, Any]:
        """ContractRequestMessage without a providerPid: a new negotiation (and contract request)."""
        body = check(message, "ContractRequestMessage", ("consumerPid", "callbackAddress"), ("offer",))
        if "providerPid" in body:
            raise DspError(
                "a new negotiation has no providerPid; POST to negotiations/{providerPid}/request",
                code="message_invalid",
                consumer_pid=body["consumerPid"],
            )
        consumer_pid, callback = body["consumerPid"], _callback(body["callbackAddress"], body["consumerPid"])
        product = self._target(partner, body["offer"], consumer_pid)
        with self._uow() as uow:
            if uow.negotiations.by_consumer(partner.id, consumer_pid) is not None:
                raise DspError(
                    "a negotiation with this consumerPid exists: a replayed request changes nothing",
                    code="replayed",
                    consumer_pid=consumer_pid,
                )
        terms = self._terms(body["offer"], product, consumer_pid)
        now = self._clock.now_us()
        made: list[Negotiation] = []

        def record(uow: ContractsUnitOfWork, contract: Contract) -> None:
            negotiation = Negotiation(
                provider_pid=f"urn:uuid:{uuid.uuid4()}",
                consumer_pid=consumer_pid,
                partner_id=partner.id,
                contract_id=contract.id,
                callback_address=callback,
                state=DspState.REQUESTED,
                created_at_us=now,
                updated_at_us=now,
            )
            _dsp(uow).negotiations.add(negotiation)
            made.append(negotiation)

        try:
            self._contracts.request(partner, product.id, terms, within=record)
        except DspError:
            raise
        except NodeError as exc:
            raise _as_dsp(exc, "", consumer_pid) from None
        return self.negotiation(partner, made[0].provider_pid)

    def negotiation(self, partner: Principal, provider_pid: str) -> dict[str, Any]:
        self._sync_one(provider_pid)
        return _negotiation_body(self._own(partner, provider_pid))

    def agreement(self, partner: Principal, provider_pid: str) -> dict[str, Any]:
        """Extension for consumers without a callback endpoint: the ContractAgreementMessage the
        provider sent (or queued) for this negotiation, while it is AGREED or later."""
        self._sync_one(provider_pid)
        n = self._own(partner, provider_pid)
        with self._uow() as uow:
            sent = [cb.body for cb in uow.callbacks.for_process(provider_pid)]
        agreements = [b for b in sent if b.get("@type") == "ContractAgreementMessage"]
        if not agreements or n.state not in (DspState.AGREED, DspState.VERIFIED, DspState.FINALIZED):
            raise n.refuse("no agreement in this negotiation yet", code="agreement_not_found")
        return agreements[-1]

    def counter_request(self, partner: Principal, provider_pid: str, message: Any) -> dict[str, Any]:
        """A consumer's counter-request to our offer: the offered contract is declined and a new one
        requested under the consumer's terms, in the same negotiation (REQUESTED again)."""
        body = check(message, "ContractRequestMessage", ("consumerPid", "providerPid"), ("offer",))
        n = self._for_message(partner, provider_pid, body)
        n.by_consumer(DspState.REQUESTED, 0)  # only in OFFERED
        product = self._target(partner, body["offer"], n.consumer_pid, n.provider_pid)
        terms = self._terms(body["offer"], product, n.consumer_pid, n.provider_pid)
        old = n.contract_id
        now = self._clock.now_us()

        def rebind(uow: ContractsUnitOfWork, contract: Contract) -> None:
            current = _dsp(uow).negotiations.get(provider_pid, for_update=True)
            if current is None or current.state != DspState.OFFERED:
                raise n.refuse("the negotiation changed meanwhile", code="state_invalid")
            _dsp(uow).negotiations.save(
                replace(current, contract_id=contract.id, state=DspState.REQUESTED, updated_at_us=now)
            )

        try:
            self._contracts.request(partner, product.id, terms, within=rebind)
            self._contracts.decline(partner, old, "superseded by the partner's counter-request")
        except DspError:
            raise
        except NodeError as exc:
            raise _as_dsp(exc, n.provider_pid, n.consumer_pid) from None
        return self.negotiation(partner, provider_pid)

    def event(self, partner: Principal, provider_pid: str, message: Any) -> dict[str, Any]:
        body = check(message, "ContractNegotiationEventMessage", ("consumerPid", "providerPid", "eventType"))
        n = self._for_message(partner, provider_pid, body)
        if body["eventType"] != "ACCEPTED":
            raise n.refuse("a consumer may only send the ACCEPTED event", code="event_invalid")
        if n.state != DspState.OFFERED:
            raise n.refuse(f"the negotiation is {n.state.value}: there is no offer of ours to accept")
        self._carry(n, lambda: self._contracts.accept_counter_offer(partner, n.contract_id))
        self._consumer_step(provider_pid, DspState.ACCEPTED)
        return self.negotiation(partner, provider_pid)

    def verify(self, partner: Principal, provider_pid: str, message: Any) -> dict[str, Any]:
        """ContractAgreementVerificationMessage; extension ``urn:hnode:vocab#signature``: the consumer's
        SM2 signature (DER, hex) over the agreement's canonical contract document."""
        body = check(message, "ContractAgreementVerificationMessage", ("consumerPid", "providerPid"))
        n = self._for_message(partner, provider_pid, body)
        if n.state != DspState.AGREED:
            raise n.refuse(f"the negotiation is {n.state.value}: there is no agreement to verify")
        signature = body.get(f"{odrl.HNODE}signature")
        if not isinstance(signature, str) or not 16 <= len(signature) <= 200:
            raise n.refuse(
                f"the verification must carry {odrl.HNODE}signature: your SM2 signature (DER, hex) over "
                "the agreement's canonical contract",
                code="signature_missing",
            )
        self._carry(n, lambda: self._contracts.sign(partner, n.contract_id, signature))
        return self.negotiation(partner, provider_pid)

    def terminate(self, partner: Principal, provider_pid: str, message: Any) -> dict[str, Any]:
        body = check(message, "ContractNegotiationTerminationMessage", ("consumerPid", "providerPid"))
        n = self._for_message(partner, provider_pid, body)
        n.by_consumer(DspState.TERMINATED, 0)  # refuses a finalized or terminated negotiation
        raw = body.get("reason")
        reasons: list[Any] = raw if isinstance(raw, list) else []
        reason = (" ".join(str(r)[:100] for r in reasons[:3]) or str(body.get("code", ""))[:100]).strip()
        reason = "DSP termination" + (f": {reason}" if reason else "")
        contract = self._contracts.get(partner, n.contract_id)
        if contract.state in (State.AGREED, State.SIGNED, State.ANCHORING, State.ACTIVE):
            self._carry(n, lambda: self._contracts.terminate(partner, n.contract_id, reason))
        elif contract.state not in (State.REJECTED, State.REVOKED, State.TERMINATED, State.EXPIRED):
            self._carry(n, lambda: self._contracts.decline(partner, n.contract_id, reason))
        self._consumer_step(provider_pid, DspState.TERMINATED)
        return self.negotiation(partner, provider_pid)

    # -- provider-driven steps and callbacks ---------------------------------------------------------
    def sync(self) -> int:
        """Let every open negotiation follow its contract, queueing the callbacks; start requested
        transfers. Returns how many processes moved."""
        with self._uow() as uow:
            open_ids, transfer_ids = uow.negotiations.open_ids(), uow.transfers.requested_ids()
        moved = sum(1 for pid in open_ids if self._sync_one(pid) is not None)
        return moved + sum(1 for pid in transfer_ids if self._start_transfer(pid))

    def _sync_one(self, provider_pid: str) -> Negotiation | None:
        """The negotiation after following its contract, or None if it did not move (or is unknown)."""
        with self._uow() as uow:
            n = uow.negotiations.get(provider_pid, for_update=True)
            if n is None or n.state in DSP_FINAL:
                return None
            contract = uow.contracts.get(n.contract_id)
            if contract is None:
                return None
            moved = n.follow(contract.state, self._clock.now_us())
            if moved is None:
                return None
            uow.negotiations.save(moved)
            message = self._callback_for(moved, contract, uow)
            if message is not None:
                uow.callbacks.add(message)
            uow.commit()
        return moved

    def _callback_for(self, n: Negotiation, c: Contract, uow: DataspaceUnitOfWork) -> Callback | None:
        pids = {"providerPid": n.provider_pid, "consumerPid": n.consumer_pid}
        dataset = odrl.dataset_id(self._node, c.product_id)
        if n.state == DspState.OFFERED:
            body = envelope("ContractOfferMessage", **pids, offer=odrl.offer_of_terms(self._node, c, dataset))
            return self._queue(n, "offers", body)
        if n.state == DspState.AGREED:
            partner = uow.principals.get(c.partner_id)
            signature = {
                "signer": self.participant_id,
                "publicKey": self._signer.public_key_hex,
                "value": self._signer.sign(c.canonical()).hex(),
            }
            assignee = f"urn:hnode:partner:{partner.name if partner else c.partner_id}"
            body = envelope(
                "ContractAgreementMessage",
                **pids,
                agreement=odrl.agreement(self._node, c, dataset, assignee, signature),
            )
            return self._queue(n, "agreement", body)
        if n.state == DspState.FINALIZED:
            return self._queue(
                n, "events", envelope("ContractNegotiationEventMessage", **pids, eventType="FINALIZED")
            )
        if n.state == DspState.TERMINATED:
            body = envelope(
                "ContractNegotiationTerminationMessage",
                **pids,
                code=c.state.name.lower(),
                reason=[c.reason or c.state.name.lower()],
            )
            return self._queue(n, "termination", body)
        return None

    def _queue(self, n: Negotiation, what: str, body: dict[str, Any]) -> Callback:
        return Callback(
            id="cb_" + secrets.token_hex(8),
            process=n.provider_pid,
            url=f"{n.callback_address}/negotiations/{n.consumer_pid}/{what}",
            body=body,
            created_at_us=self._clock.now_us(),
        )

    def deliver(self, sender: CallbackSender, limit: int = 100) -> DeliveryReport:
        """POST due callbacks (signed by the node: header ``X-Hnode-Signature``, SM2 over the RFC 8785
        body); a failure is retried later with backoff. A delivered start message forgets its token."""
        report = DeliveryReport()
        with self._uow() as uow:
            due = uow.callbacks.due(self._clock.now_us(), limit)
        for cb in due:
            headers = {
                "Content-Type": "application/json",
                "X-Hnode-Node": self._node,
                "X-Hnode-Signature": self._signer.sign(canonical_json(cb.body)).hex(),
            }
            try:
                status = sender.post(cb.url, cb.body, headers)
                error = "" if 200 <= status < 300 else f"HTTP {status}"
            except Exception as exc:  # noqa: BLE001 - any transport failure is retried
                error = type(exc).__name__
            with self._uow() as uow:
                now = self._clock.now_us()
                if error:
                    wait = _RETRY_US[min(cb.attempts, len(_RETRY_US) - 1)]
                    uow.callbacks.failed(cb.id, error, now + wait)
                    report.failed.append((cb.id, error))
                else:
                    uow.callbacks.delivered(cb.id, now, _without_token(cb.body))
                    report.delivered.append(cb.id)
                uow.commit()
        return report

    # -- transfer process (anonymized extracts, pull) ---------------------------------------------
    def transfer_request(self, partner: Principal, message: Any, base_url: str) -> dict[str, Any]:
        body = check(
            message,
            "TransferRequestMessage",
            ("consumerPid", "agreementId", "format", "callbackAddress"),
            kind="transfer",
        )
        consumer_pid = body["consumerPid"]

        def bad(text: str, code: str) -> DspError:
            return DspError(text, code=code, kind="transfer", consumer_pid=consumer_pid)

        if body["format"] != PULL_FORMAT:
            raise bad(
                f"only {PULL_FORMAT} transfers exist here (compute modes: see the distribution)",
                "format_unsupported",
            )
        prefix = f"urn:hnode:contract:{self._node}:"
        contract_id = body["agreementId"].removeprefix(prefix)
        try:
            contract = self._contracts.get(partner, contract_id)
        except NotFound:
            raise bad("no agreement of yours has this id", "agreement_unknown") from None
        if contract.terms.access_mode != AccessMode.ANONYMIZED_EXTRACT:
            raise bad("the agreement is not for an anonymized extract", "mode_not_transferable")
        if contract.state != State.ACTIVE:
            raise bad(f"the agreement is {contract.state.name}, not ACTIVE", "agreement_inactive")
        now = self._clock.now_us()
        transfer = Transfer(
            provider_pid=f"urn:uuid:{uuid.uuid4()}",
            consumer_pid=consumer_pid,
            partner_id=partner.id,
            contract_id=contract.id,
            callback_address=_callback(body["callbackAddress"], consumer_pid, kind="transfer"),
            state=TransferState.REQUESTED,
            token_hash="",
            token_expires_at_us=0,
            created_at_us=now,
            updated_at_us=now,
            endpoint=f"{base_url}{PATH}/transfers",
        )
        with self._uow() as uow:
            if uow.transfers.by_consumer(partner.id, consumer_pid) is not None:
                raise bad(
                    "a transfer with this consumerPid exists: a replayed request changes nothing", "replayed"
                )
            uow.transfers.add(transfer)
            self._audit.record(
                uow,
                AuditEvent(
                    partner.id,
                    "dsp.transfer.request",
                    "contract",
                    contract.id,
                    details={"transfer": transfer.provider_pid},
                ),
            )
            uow.commit()
        return _transfer_body(transfer)

    def transfer(self, partner: Principal, provider_pid: str) -> dict[str, Any]:
        self._start_transfer(provider_pid)
        return _transfer_body(self._own_transfer(partner, provider_pid))

    def _start_transfer(self, provider_pid: str) -> bool:
        """Mint the short-lived token and queue the TransferStartMessage with the HTTP data address."""
        token = "dst_" + secrets.token_urlsafe(32)
        with self._uow() as uow:
            t = uow.transfers.get(provider_pid, for_update=True)
            if t is None or t.state != TransferState.REQUESTED:
                return False
            now = self._clock.now_us()
            started = t.start(sm3_hex(token.encode()), now + self._token_ttl_us, now)
            uow.transfers.save(started)
            address = {
                "@type": "DataAddress",
                "endpointType": HTTP_ENDPOINT,
                "endpoint": f"{t.endpoint}/{t.provider_pid}/data",
                "endpointProperties": [
                    {"@type": "EndpointProperty", "name": "authorization", "value": token},
                    {"@type": "EndpointProperty", "name": "authType", "value": "bearer"},
                    {
                        "@type": "EndpointProperty",
                        "name": "expiresAt",
                        "value": odrl.timestamp(started.token_expires_at_us),
                    },
                ],
            }
            body = envelope(
                "TransferStartMessage",
                providerPid=t.provider_pid,
                consumerPid=t.consumer_pid,
                dataAddress=address,
            )
            uow.callbacks.add(
                Callback(
                    id="cb_" + secrets.token_hex(8),
                    process=t.provider_pid,
                    url=f"{t.callback_address}/transfers/{t.consumer_pid}/start",
                    body=body,
                    created_at_us=now,
                )
            )
            uow.commit()
        return True

    def pull(self, provider_pid: str, token: str) -> tuple[pd.DataFrame, TableReport]:
        """The data address: the extract, one metered use of the contract; the token then expires."""
        with self._uow() as uow:
            t = uow.transfers.get(provider_pid)
            partner = uow.principals.get(t.partner_id) if t else None
        now = self._clock.now_us()
        if (
            t is None
            or partner is None
            or t.state != TransferState.STARTED
            or not t.token_hash
            or not secrets.compare_digest(t.token_hash, sm3_hex(token.encode()))
            or now >= t.token_expires_at_us
        ):
            raise Unauthorized(
                "the transfer token is unknown, used or expired", code="transfer_token_invalid"
            )
        with self._uow() as uow:  # the token is spent before the data leaves: one pull per token
            current = uow.transfers.get(provider_pid, for_update=True)
            if current is None or current.token_hash != t.token_hash:
                raise Unauthorized(
                    "the transfer token is unknown, used or expired", code="transfer_token_invalid"
                )
            uow.transfers.save(current.end(TransferState.COMPLETED, now))
            uow.callbacks.add(
                Callback(
                    id="cb_" + secrets.token_hex(8),
                    process=t.provider_pid,
                    url=f"{t.callback_address}/transfers/{t.consumer_pid}/completion",
                    body=envelope(
                        "TransferCompletionMessage", providerPid=t.provider_pid, consumerPid=t.consumer_pid
                    ),
                    created_at_us=now,
                )
            )
            uow.commit()
        return self._extracts.extract(partner, t.contract_id)

    def transfer_end(self, partner: Principal, provider_pid: str, message: Any, kind: str) -> dict[str, Any]:
        """TransferCompletionMessage or TransferTerminationMessage of the consumer; the token dies."""
        type_, target = {
            "completion": ("TransferCompletionMessage", TransferState.COMPLETED),
            "termination": ("TransferTerminationMessage", TransferState.TERMINATED),
        }[kind]
        body = check(message, type_, ("consumerPid", "providerPid"), kind="transfer")
        t = self._own_transfer(partner, provider_pid)
        if body["providerPid"] != provider_pid or body["consumerPid"] != t.consumer_pid:
            raise t.refuse("providerPid and consumerPid must be those of this transfer", code="pid_mismatch")
        if target == TransferState.COMPLETED and t.state != TransferState.STARTED:
            raise t.refuse(f"the transfer is {t.state.value}: only a started transfer completes")
        with self._uow() as uow:
            current = uow.transfers.get(provider_pid, for_update=True)
            assert current is not None
            ended = current.end(target, self._clock.now_us())
            uow.transfers.save(ended)
            self._audit.record(
                uow,
                AuditEvent(
                    partner.id,
                    f"dsp.transfer.{kind}",
                    "contract",
                    t.contract_id,
                    details={"transfer": provider_pid},
                ),
            )
            uow.commit()
        return _transfer_body(ended)

    # -- internals -------------------------------------------------------------------------------
    def _own(self, partner: Principal, provider_pid: str) -> Negotiation:
        with self._uow() as uow:
            n = uow.negotiations.get(provider_pid)
        if n is None or (partner.kind == "partner" and n.partner_id != partner.id):
            # another consumer's negotiation does not exist for this caller (DSP: 404 when unauthorized)
            raise DspError(
                "no such negotiation", code="negotiation_not_found", status=404, provider_pid=provider_pid
            )
        return n

    def _own_transfer(self, partner: Principal, provider_pid: str) -> Transfer:
        with self._uow() as uow:
            t = uow.transfers.get(provider_pid)
        if t is None or (partner.kind == "partner" and t.partner_id != partner.id):
            raise DspError(
                "no such transfer process",
                code="transfer_not_found",
                status=404,
                kind="transfer",
                provider_pid=provider_pid,
            )
        return t

    def _for_message(self, partner: Principal, provider_pid: str, body: dict[str, Any]) -> Negotiation:
        self._sync_one(provider_pid)
        n = self._own(partner, provider_pid)
        if body.get("providerPid") != provider_pid or body.get("consumerPid") != n.consumer_pid:
            raise n.refuse(
                "providerPid and consumerPid must be those of this negotiation", code="pid_mismatch"
            )
        return n

    def _consumer_step(self, provider_pid: str, target: DspState) -> None:
        with self._uow() as uow:
            n = uow.negotiations.get(provider_pid, for_update=True)
            if n is not None and n.state not in DSP_FINAL:
                uow.negotiations.save(n.by_consumer(target, self._clock.now_us()))
                uow.commit()

    def _carry(self, n: Negotiation, step: Callable[[], Contract]) -> Contract:
        try:
            return step()
        except NodeError as exc:
            raise _as_dsp(exc, n.provider_pid, n.consumer_pid) from None

    def _target(
        self, partner: Principal, offer: dict[str, Any], consumer_pid: str, provider_pid: str = ""
    ) -> Product:
        target = offer.get("target")
        for p in self._offered(partner):
            if target in (odrl.dataset_id(self._node, p.id), p.id):
                return p
        raise DspError(
            "offer.target must be a dataset of this catalog offered to you",
            code="target_unknown",
            provider_pid=provider_pid,
            consumer_pid=consumer_pid,
        )

    def _terms(
        self, offer: dict[str, Any], product: Product, consumer_pid: str, provider_pid: str = ""
    ) -> dict[str, Any]:
        try:
            return odrl.terms_from_offer(offer, product, self._clock.now_us())
        except DspError as exc:
            exc.consumer_pid, exc.provider_pid = consumer_pid, provider_pid
            raise


def _dsp(uow: ContractsUnitOfWork) -> DataspaceUnitOfWork:
    return uow  # type: ignore[return-value]  # the unit of work the contract service opened is ours


def _as_dsp(exc: NodeError, provider_pid: str, consumer_pid: str) -> DspError:
    status = 404 if isinstance(exc, NotFound) and not provider_pid else 400
    error = DspError(
        exc.message, code=exc.code, status=status, provider_pid=provider_pid, consumer_pid=consumer_pid
    )
    error.audited = exc.audited
    return error


def _callback(url: str, consumer_pid: str, kind: str = "negotiation") -> str:
    # https only: the node posts to this address, so a plain-http or other scheme is refused
    if not url.startswith("https://") or len(url) > 500:
        raise DspError(
            "callbackAddress must be an https URL",
            code="callback_invalid",
            kind=kind,
            consumer_pid=consumer_pid,
        )
    return url.rstrip("/")


def _catalog_filter(raw: Any) -> dict[str, str]:
    """Our filter: ``[{"accessMode": ..., "text": ...}]`` (one object; both keys optional)."""
    if raw is None:
        return {}
    if not isinstance(raw, list) or len(raw) > 1 or (raw and not isinstance(raw[0], dict)):
        raise DspError("filter must be [ {accessMode?, text?} ]", code="filter_invalid", kind="catalog")
    wanted = raw[0] if raw else {}
    unknown = set(wanted) - {"accessMode", "text"}
    if unknown or not all(isinstance(v, str) for v in wanted.values()):
        raise DspError("filter keys are accessMode and text (strings)", code="filter_invalid", kind="catalog")
    return dict(wanted)


def _matches(p: Product, key: str, value: str) -> bool:
    if key == "accessMode":
        return p.access_mode.value == value
    return value.lower() in f"{p.name} {p.description}".lower()


def _without_token(body: dict[str, Any]) -> dict[str, Any] | None:
    address = body.get("dataAddress")
    if not isinstance(address, dict):
        return None
    props = [
        {**p, "value": "(delivered)"} if p.get("name") == "authorization" else p
        for p in address.get("endpointProperties", [])
    ]
    return {**body, "dataAddress": {**address, "endpointProperties": props}}


def _negotiation_body(n: Negotiation) -> dict[str, Any]:
    return envelope(
        "ContractNegotiation", providerPid=n.provider_pid, consumerPid=n.consumer_pid, state=n.state.value
    )


def _transfer_body(t: Transfer) -> dict[str, Any]:
    return envelope(
        "TransferProcess", providerPid=t.provider_pid, consumerPid=t.consumer_pid, state=t.state.value
    )
