"""The Dataspace Protocol 2025-1 messages the provider answers with, and its error objects (JSON-LD,
``application/json``). Documented as the binding defines them; the routes return the protocol's JSON
as built by ``node.dataspace`` (compacted JSON-LD, further terms pass through)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

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
