"""The Dataspace Protocol 2025-1 messages the provider answers with, and its error objects (JSON-LD,
``application/json``). Documented as the binding defines them; the routes return the protocol's JSON
as built by ``node.dataspace`` (compacted JSON-LD, further terms pass through)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from node.api.schemas import Out

_CONTEXT = "https://w3id.org/dspace/2025/1/context.jsonld"


class DspMessage(Out):
    """A Dataspace Protocol message in compacted JSON-LD."""

    context: Any = Field(alias="@context", description=f"JSON-LD context, {_CONTEXT} first")
    type_: str = Field(alias="@type", description="the message type")

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ProtocolVersion(Out):
    version: str
    path: str
    binding: str
    identifierType: str | None = None
    serviceId: str | None = None
    auth: dict[str, Any] | None = None


class DspVersions(Out):
    """The versions of the Dataspace Protocol this node speaks (``/.well-known/dspace-version``)."""

    protocolVersions: list[ProtocolVersion]


class DspCatalog(DspMessage):
    """Catalog: the node's published data products as DCAT Datasets with their ODRL offers
    (``dataset``) and the data services (``service``)."""


class DspDataset(DspMessage):
    """Dataset: one published data product with its ODRL offers (``hasPolicy``) and distributions."""


class DspNegotiation(DspMessage):
    """ContractNegotiation: the state of one negotiation (REQUESTED, OFFERED, AGREED, VERIFIED,
    FINALIZED or TERMINATED)."""

    providerPid: str
    consumerPid: str
    state: str


class DspAgreement(DspMessage):
    """ContractAgreementMessage: the ODRL Agreement (``agreement``) of a negotiation."""

    providerPid: str
    consumerPid: str
    agreement: dict[str, Any]


class DspTransfer(DspMessage):
    """TransferProcess: the state of one transfer (REQUESTED, STARTED, COMPLETED or TERMINATED)."""

    providerPid: str
    consumerPid: str
    state: str


class DspErrorObject(DspMessage):
    """The protocol's error object: CatalogError, ContractNegotiationError or TransferError, with the
    process identifiers (negotiation and transfer errors), a code and the reasons."""

    code: str
    reason: list[str]
    providerPid: str | None = None
    consumerPid: str | None = None

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "@context": [_CONTEXT],
                    "@type": "ContractNegotiationError",
                    "providerPid": "urn:uuid:0b5b7c0e-8f1e-4b8a-9c55-2f7a0a1d2e3f",
                    "consumerPid": "urn:uuid:7d1f2c3b-4a5e-4f60-8b71-9c0d1e2f3a4b",
                    "code": "negotiation_not_found",
                    "reason": ["no such negotiation"],
                }
            ]
        },
    )


class TransferExtractOut(Out):
    """An anonymized extract: its de-identification report and the table, every value as text."""

    report: dict[str, Any] = Field(description="what de-identification did, per column")
    columns: list[str]
    rows: list[list[str]]


# Request messages: documented for clients and the fuzzer; the routes read the JSON themselves and answer
# an invalid message with the protocol's 400 error object (never a 422 problem).

_PIDS = {
    "providerPid": "urn:uuid:0b5b7c0e-8f1e-4b8a-9c55-2f7a0a1d2e3f",
    "consumerPid": "urn:uuid:7d1f2c3b-4a5e-4f60-8b71-9c0d1e2f3a4b",
}


def _example(type_: str, **fields: Any) -> ConfigDict:
    return ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={"examples": [{"@context": [_CONTEXT], "@type": type_, **fields}]},
    )


class DspRequest(BaseModel):
    context: list[str] = Field(alias="@context", description=f"must contain {_CONTEXT}")
    type_: str = Field(alias="@type")


class CatalogFilter(BaseModel):
    accessMode: str | None = Field(default=None, description="one access mode of the node's products")
    text: str | None = Field(default=None, description="name or description contains")

    model_config = ConfigDict(extra="forbid")


class CatalogRequestMessage(DspRequest):
    """CatalogRequestMessage: the catalog, optionally filtered."""

    filter: list[CatalogFilter] | None = Field(default=None, max_length=1)

    model_config = _example("CatalogRequestMessage", filter=[{"text": "糖尿病"}])


class OdrlConstraint(BaseModel):
    leftOperand: str = Field(description="purpose, dateTime, count, elapsedTime, ... (the node's profile)")
    operator: str
    rightOperand: Any

    model_config = ConfigDict(extra="allow")


class OdrlPermission(BaseModel):
    action: str = Field(description='"use"')
    constraint: list[OdrlConstraint] = Field(default_factory=list)

    model_config = ConfigDict(extra="allow")


class OdrlOffer(BaseModel):
    id: str = Field(alias="@id", description="an offer of the node's catalog")
    type_: str = Field(default="Offer", alias="@type")
    target: str = Field(description="the Dataset's @id")
    permission: list[OdrlPermission] = Field(default_factory=list)

    model_config = ConfigDict(extra="allow", populate_by_name=True)


_OFFER = {
    "@id": "urn:hnode:cq-hospital-1:offer:pd_01J9Z8",
    "@type": "Offer",
    "target": "urn:hnode:cq-hospital-1:product:pd_01J9Z8",
    "permission": [
        {"action": "use", "constraint": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": "x"}]}
    ],
}


class ContractRequestMessage(DspRequest):
    """ContractRequestMessage: a new negotiation (``callbackAddress``) or a counter-request
    (``providerPid``) for an offer."""

    consumerPid: str
    providerPid: str | None = None
    callbackAddress: str | None = Field(default=None, description="required for a new negotiation")
    offer: OdrlOffer

    model_config = _example(
        "ContractRequestMessage",
        consumerPid=_PIDS["consumerPid"],
        callbackAddress="https://institute.example/dsp/callback",
        offer=_OFFER,
    )


class ContractNegotiationEventMessage(DspRequest):
    """ContractNegotiationEventMessage: the consumer accepts an offer (``ACCEPTED``)."""

    providerPid: str
    consumerPid: str
    eventType: str

    model_config = _example("ContractNegotiationEventMessage", eventType="ACCEPTED", **_PIDS)


class ContractAgreementVerificationMessage(DspRequest):
    """ContractAgreementVerificationMessage with ``urn:hnode:vocab#signature``: the partner's SM2
    signature over the agreement's canonical contract."""

    providerPid: str
    consumerPid: str

    model_config = _example(
        "ContractAgreementVerificationMessage", **{**_PIDS, "urn:hnode:vocab#signature": "3045022100..."}
    )


class ContractNegotiationTerminationMessage(DspRequest):
    """ContractNegotiationTerminationMessage: the consumer ends the negotiation."""

    providerPid: str
    consumerPid: str
    code: str | None = None
    reason: list[Any] | None = None

    model_config = _example("ContractNegotiationTerminationMessage", code="withdrawn", **_PIDS)


class TransferRequestMessage(DspRequest):
    """TransferRequestMessage: an HttpData-PULL transfer under an agreement."""

    consumerPid: str
    agreementId: str
    format: str = Field(description='"HttpData-PULL"')
    callbackAddress: str

    model_config = _example(
        "TransferRequestMessage",
        consumerPid=_PIDS["consumerPid"],
        agreementId="urn:hnode:contract:cq-hospital-1:ct_01J9Z8",
        format="HttpData-PULL",
        callbackAddress="https://institute.example/dsp/callback",
    )


class TransferCompletionMessage(DspRequest):
    """TransferCompletionMessage: the consumer has its data."""

    providerPid: str
    consumerPid: str

    model_config = _example("TransferCompletionMessage", **_PIDS)


class TransferTerminationMessage(DspRequest):
    """TransferTerminationMessage: the consumer ends the transfer."""

    providerPid: str
    consumerPid: str
    code: str | None = None
    reason: list[Any] | None = None

    model_config = _example("TransferTerminationMessage", code="cancelled", **_PIDS)


REQUESTS: tuple[type[DspRequest], ...] = (
    CatalogRequestMessage,
    ContractRequestMessage,
    ContractNegotiationEventMessage,
    ContractAgreementVerificationMessage,
    ContractNegotiationTerminationMessage,
    TransferRequestMessage,
    TransferCompletionMessage,
    TransferTerminationMessage,
)


def request_body(model: type[DspRequest]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the body a DSP route reads itself."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}
