"""Dataspace Protocol 2025-1, HTTPS binding of the provider side (``/.well-known/dspace-version`` and
``/dsp/2025-1/...``). Authentication by the node's bearer tokens; consumers are partners. Errors are
the protocol's error objects (ContractNegotiationError, CatalogError, TransferError), not problem+json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from node.api.deps import ANY_ROLE, bearer, container, public, require
from node.api.problems import audit_failure
from node.api.schemas import Out
from node.api.schemas_dataspace import (
    CatalogRequestMessage,
    ContractAgreementVerificationMessage,
    ContractNegotiationEventMessage,
    ContractNegotiationTerminationMessage,
    ContractRequestMessage,
    DspAgreement,
    DspCatalog,
    DspDataset,
    DspNegotiation,
    DspTransfer,
    DspVersions,
    TransferCompletionMessage,
    TransferExtractOut,
    TransferRequestMessage,
    TransferTerminationMessage,
    request_body,
)
from node.bootstrap import Container
from node.dataspace.messages import PATH, error_body
from node.dataspace.model import DspError
from node.errors import NodeError, PolicyDenied, Unauthorized
from node.identity.model import PARTNER_ROLES, Principal

router = APIRouter(tags=["dataspace"])
CONSUMERS = tuple(sorted(PARTNER_ROLES))
_transfer_token = HTTPBearer(
    auto_error=False,
    scheme_name="TransferToken",
    description="the single-use token of the TransferStartMessage's data address (not a node token)",
)


def _answer(model: type[Out], status_code: int = 200) -> dict[str, Any]:
    """The protocol message a route answers with, documented (the route returns the protocol's JSON)."""
    return {
        "response_model": None,
        "status_code": status_code,
        "responses": {status_code: {"model": model, "description": " ".join((model.__doc__ or "").split())}},
    }


def caller(action: str, kind: str, *roles: Any) -> Callable[..., Principal]:
    """``require`` with the protocol's answers: 401 without a valid token, 404 for a caller not allowed.
    The API description reads ``roles`` and ``binding`` off it (the DSP error objects, not problem+json)."""
    check = require(action, *roles)

    def dependency(
        request: Request,
        creds: HTTPAuthorizationCredentials | None = Depends(bearer),
        c: Container = Depends(container),
    ) -> Principal:
        try:
            return check(request, creds, c)
        except Unauthorized as exc:
            raise _dsp(exc, 401, kind) from None
        except PolicyDenied as exc:
            raise _dsp(exc, 404, kind) from None

    dependency.roles = check.roles  # type: ignore[attr-defined]
    dependency.settings = ()  # type: ignore[attr-defined]
    dependency.binding = "dsp"  # type: ignore[attr-defined]
    return dependency


def _dsp(exc: NodeError, status_code: int, kind: str) -> DspError:
    error = DspError(exc.message, code=exc.code, status=status_code, kind=kind)
    error.audited = exc.audited
    return error


def body(kind: str) -> Callable[[Request], Awaitable[Any]]:
    async def parse(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise DspError("the body must be JSON", code="message_invalid", kind=kind) from None

    return parse


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/.well-known/dspace-version", summary="Dataspace Protocol versions and paths", **_answer(DspVersions)
)
def versions(
    _: Principal = Depends(caller("dsp.version", "catalog", *ANY_ROLE)), c: Container = Depends(container)
) -> dict[str, Any]:
    return c.dataspace.versions()


@router.post(
    f"{PATH}/catalog/request",
    summary="CatalogRequestMessage -> Catalog",
    **_answer(DspCatalog),
    openapi_extra=request_body(CatalogRequestMessage),
)
def catalog(
    request: Request,
    message: Any = Depends(body("catalog")),
    me: Principal = Depends(caller("dsp.catalog", "catalog", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.catalog(me, message, _base(request))


@router.get(
    f"{PATH}/catalog/datasets/{{dataset_id:path}}", summary="A Dataset with its offers", **_answer(DspDataset)
)
def dataset(
    dataset_id: str,
    request: Request,
    me: Principal = Depends(caller("dsp.dataset", "catalog", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.dataset(me, dataset_id, _base(request))


@router.post(
    f"{PATH}/negotiations/request",
    **_answer(DspNegotiation, status.HTTP_201_CREATED),
    openapi_extra=request_body(ContractRequestMessage),
)
def negotiation_request(
    message: Any = Depends(body("negotiation")),
    me: Principal = Depends(caller("dsp.negotiation.request", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """ContractRequestMessage: a new negotiation, REQUESTED while the officer (and for level 4+ the
    ethics reviewer) decide; the answer arrives at the callbackAddress."""
    return c.dataspace.request(me, message)


@router.get(f"{PATH}/negotiations/{{provider_pid}}", **_answer(DspNegotiation))
def negotiation(
    provider_pid: str,
    me: Principal = Depends(caller("dsp.negotiation.show", "negotiation", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.negotiation(me, provider_pid)


@router.get(f"{PATH}/negotiations/{{provider_pid}}/agreement", **_answer(DspAgreement))
def negotiation_agreement(
    provider_pid: str,
    me: Principal = Depends(caller("dsp.negotiation.agreement", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """Extension (not a DSP binding): the ContractAgreementMessage of this negotiation, for consumers
    that poll instead of receiving callbacks (the partner client)."""
    return c.dataspace.agreement(me, provider_pid)


@router.post(
    f"{PATH}/negotiations/{{provider_pid}}/request",
    **_answer(DspNegotiation),
    openapi_extra=request_body(ContractRequestMessage),
)
def negotiation_counter_request(
    provider_pid: str,
    message: Any = Depends(body("negotiation")),
    me: Principal = Depends(caller("dsp.negotiation.request", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.counter_request(me, provider_pid, message)


@router.post(
    f"{PATH}/negotiations/{{provider_pid}}/events",
    **_answer(DspNegotiation),
    openapi_extra=request_body(ContractNegotiationEventMessage),
)
def negotiation_event(
    provider_pid: str,
    message: Any = Depends(body("negotiation")),
    me: Principal = Depends(caller("dsp.negotiation.event", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.event(me, provider_pid, message)


@router.post(
    f"{PATH}/negotiations/{{provider_pid}}/agreement/verification",
    **_answer(DspNegotiation),
    openapi_extra=request_body(ContractAgreementVerificationMessage),
)
def negotiation_verification(
    provider_pid: str,
    message: Any = Depends(body("negotiation")),
    me: Principal = Depends(caller("dsp.negotiation.verify", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """ContractAgreementVerificationMessage carrying ``urn:hnode:vocab#signature``: the partner's SM2
    signature over the agreement's canonical contract; the node countersigns and anchors it."""
    return c.dataspace.verify(me, provider_pid, message)


@router.post(
    f"{PATH}/negotiations/{{provider_pid}}/termination",
    **_answer(DspNegotiation),
    openapi_extra=request_body(ContractNegotiationTerminationMessage),
)
def negotiation_termination(
    provider_pid: str,
    message: Any = Depends(body("negotiation")),
    me: Principal = Depends(caller("dsp.negotiation.terminate", "negotiation", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.terminate(me, provider_pid, message)


@router.post(
    f"{PATH}/transfers/request",
    **_answer(DspTransfer, status.HTTP_201_CREATED),
    openapi_extra=request_body(TransferRequestMessage),
)
def transfer_request(
    request: Request,
    message: Any = Depends(body("transfer")),
    me: Principal = Depends(caller("dsp.transfer.request", "transfer", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """TransferRequestMessage (HttpData-PULL, anonymized extracts): the TransferStartMessage brings
    the HTTP data address and its short-lived, single-use token."""
    return c.dataspace.transfer_request(me, message, _base(request))


@router.get(f"{PATH}/transfers/{{provider_pid}}", **_answer(DspTransfer))
def transfer(
    provider_pid: str,
    me: Principal = Depends(caller("dsp.transfer.show", "transfer", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.transfer(me, provider_pid)


@router.post(
    f"{PATH}/transfers/{{provider_pid}}/completion",
    **_answer(DspTransfer),
    openapi_extra=request_body(TransferCompletionMessage),
)
def transfer_completion(
    provider_pid: str,
    message: Any = Depends(body("transfer")),
    me: Principal = Depends(caller("dsp.transfer.complete", "transfer", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.transfer_end(me, provider_pid, message, "completion")


@router.post(
    f"{PATH}/transfers/{{provider_pid}}/termination",
    **_answer(DspTransfer),
    openapi_extra=request_body(TransferTerminationMessage),
)
def transfer_termination(
    provider_pid: str,
    message: Any = Depends(body("transfer")),
    me: Principal = Depends(caller("dsp.transfer.terminate", "transfer", *CONSUMERS)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return c.dataspace.transfer_end(me, provider_pid, message, "termination")


@router.post(f"{PATH}/transfers/{{provider_pid}}/{{step}}", **_answer(DspTransfer))
def transfer_unsupported(
    provider_pid: str,
    step: str,
    _: Principal = Depends(caller("dsp.transfer.step", "transfer", *CONSUMERS)),
) -> dict[str, Any]:
    raise DspError(
        f"'{step[:20]}' is not supported: pulled extracts neither suspend nor restart",
        code="step_unsupported",
        kind="transfer",
        provider_pid=provider_pid,
    )


@router.get(
    f"{PATH}/transfers/{{provider_pid}}/data",
    summary="The data address of a started transfer (its own single-use token, not a node token)",
    response_model=TransferExtractOut,
    openapi_extra=public("the transfer's single-use token is the credential", 401, 403, 404, 409, 503),
)
def data(
    provider_pid: str,
    creds: HTTPAuthorizationCredentials | None = Depends(_transfer_token),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """The anonymized extract: one metered use of the contract; the token works once."""
    if creds is None:
        raise Unauthorized("missing bearer token", code="token_missing")
    out, report = c.dataspace.pull(provider_pid, creds.credentials)
    return {"report": report.as_dict(), "columns": list(out.columns), "rows": out.astype(str).values.tolist()}


def install(app: FastAPI) -> None:
    @app.exception_handler(DspError)
    def _dsp_error(request: Request, exc: DspError) -> Response:
        if not exc.audited:
            audit_failure(request, exc.code)
        headers = {"WWW-Authenticate": 'Bearer realm="hnode"'} if exc.status == 401 else None
        return JSONResponse(error_body(exc), status_code=exc.status, headers=headers)
