"""Checks of incoming protocol messages and the envelopes of outgoing ones (DSP 2025-1).

The normative JSON schemas are not shipped with the node (the tests validate every message and error
against them); these checks cover what the provider relies on, with a message naming the field."""

from __future__ import annotations

from typing import Any

from node.dataspace.model import DspError

DSP_CONTEXT = "https://w3id.org/dspace/2025/1/context.jsonld"
CONTEXT = [DSP_CONTEXT]
VERSION = "2025-1"
PATH = "/dsp/2025-1"


def check(
    body: Any,
    type_: str,
    strings: tuple[str, ...] = (),
    objects: tuple[str, ...] = (),
    kind: str = "negotiation",
) -> dict[str, Any]:
    """``body`` as a ``type_`` message with the required string and object properties, or a DspError."""
    pids: dict[str, Any] = body if isinstance(body, dict) else {}
    provider = str(pids["providerPid"]) if isinstance(pids.get("providerPid"), str) else ""
    consumer = str(pids["consumerPid"]) if isinstance(pids.get("consumerPid"), str) else ""

    def bad(message: str) -> DspError:
        return DspError(
            message, code="message_invalid", kind=kind, provider_pid=provider, consumer_pid=consumer
        )

    if not isinstance(body, dict):
        raise bad("the message must be a JSON object")
    context = body.get("@context")
    if (
        not isinstance(context, list)
        or DSP_CONTEXT not in context
        or not all(isinstance(c, str) for c in context)
    ):
        raise bad(f"@context must be an array of strings containing {DSP_CONTEXT}")
    if body.get("@type") != type_:
        raise bad(f"@type must be {type_}")
    for name in strings:
        value = body.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= 512:
            raise bad(f"{name} is required (a string of 1-512 characters)")
    for name in objects:
        if not isinstance(body.get(name), dict):
            raise bad(f"{name} is required (an object)")
    return body


def error_body(error: DspError) -> dict[str, Any]:
    """The error object the binding prescribes for ``error``."""
    reason = [error.message]
    if error.kind == "catalog":
        return {"@context": CONTEXT, "@type": "CatalogError", "code": error.code, "reason": reason}
    name = "TransferError" if error.kind == "transfer" else "ContractNegotiationError"
    return {
        "@context": CONTEXT,
        "@type": name,
        "providerPid": error.provider_pid,
        "consumerPid": error.consumer_pid,
        "code": error.code,
        "reason": reason,
    }


def envelope(type_: str, **fields: Any) -> dict[str, Any]:
    return {"@context": CONTEXT, "@type": type_, **fields}
