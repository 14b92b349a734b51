"""The official Dataspace Protocol 2025-1 JSON schemas, read from the shared reference copy (never
copied into the project) into a ``referencing`` registry keyed by their ``$id``s.

Upstream defect handled here (see dsp-2025-1/SOURCE.md): the transfer schemas write ``#definitions/...``
without the slash of a JSON pointer; it is rewritten to ``#/definitions/...`` when loading."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

BASE = "https://w3id.org/dspace/2025/1/"


def schema_dir() -> Path | None:
    env = os.environ.get("DSP_SCHEMAS_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "dsp-2025-1" / "schemas"
        if candidate.is_dir():
            return candidate
    return None


@cache
def registry() -> Registry[Any]:
    root = schema_dir()
    if root is None:
        pytest.skip("the DSP 2025-1 schemas are not here (set DSP_SCHEMAS_DIR)")
    resources = []
    for path in sorted(root.rglob("*-schema.json")):
        text = path.read_text(encoding="utf-8").replace("#definitions/", "#/definitions/")
        contents = json.loads(text)
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)  # type: ignore[no-any-return]


SCHEMAS = {
    "Catalog": "catalog/catalog-schema.json",
    "Dataset": "catalog/dataset-schema.json",
    "CatalogError": "catalog/catalog-error-schema.json",
    "CatalogRequestMessage": "catalog/catalog-request-message-schema.json",
    "ContractNegotiation": "negotiation/contract-negotiation-schema.json",
    "ContractNegotiationError": "negotiation/contract-negotiation-error-schema.json",
    "ContractRequestMessage": "negotiation/contract-request-message-schema.json",
    "ContractOfferMessage": "negotiation/contract-offer-message-schema.json",
    "ContractAgreementMessage": "negotiation/contract-agreement-message-schema.json",
    "ContractAgreementVerificationMessage": "negotiation/contract-agreement-verification-message-schema.json",
    "ContractNegotiationEventMessage": "negotiation/contract-negotiation-event-message-schema.json",
    "ContractNegotiationTerminationMessage": "negotiation/"
    + "contract-negotiation-termination-message-schema.json",
    "TransferRequestMessage": "transfer/transfer-request-message-schema.json",
    "TransferStartMessage": "transfer/transfer-start-message-schema.json",
    "TransferCompletionMessage": "transfer/transfer-completion-message-schema.json",
    "TransferTerminationMessage": "transfer/transfer-termination-message-schema.json",
    "TransferProcess": "transfer/transfer-process-schema.json",
    "TransferError": "transfer/transfer-error-schema.json",
    "VersionResponse": "common/protocol-version-schema.json",
}


def validate(document: Any, name: str | None = None) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``document`` is a valid ``name`` (default: its @type)."""
    name = name or document["@type"]
    reg = registry()
    schema = reg.contents(BASE + SCHEMAS[name])
    Draft201909Validator(schema, registry=reg).validate(document)
