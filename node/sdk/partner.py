"""A partner's client of a hospital node, as the node's own tools use it: the light client's
``hnode_partner.node_api.PartnerClient`` (the partner-side HTTP logic lives there, once), whose
refusals become the node's error categories so that ``hnode partner ...`` keeps its exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from hnode_partner import node_api
from hnode_partner.client import PartnerError

from node.errors import (
    Conflict,
    DependencyUnavailable,
    InvalidInput,
    NodeError,
    NotFound,
    PolicyDenied,
    Unauthorized,
)

_BY_STATUS: dict[int, type[NodeError]] = {
    401: Unauthorized,
    403: PolicyDenied,
    404: NotFound,
    409: Conflict,
    422: InvalidInput,
    503: DependencyUnavailable,
}


class ApiError(NodeError):
    """A problem+json answer; also an instance of the matching error category (``PolicyDenied``...)."""

    reasons: list[str]
    problem: dict[str, Any]  # the whole problem+json body (extension members such as a job's state)


# one subclass per category, so callers can catch e.g. PolicyDenied from the node's 403
_API_ERRORS: dict[int, type[ApiError]] = {
    status: type(f"Api{cat.__name__}", (ApiError, cat), {}) for status, cat in _BY_STATUS.items()
}

# the checks the light client makes itself, by code
_LOCAL: dict[str, type[NodeError]] = {
    "document_mismatch": InvalidInput,
    "terms_changed": Conflict,
    "psi_list_too_large": PolicyDenied,
    "psi_list_too_small": PolicyDenied,
    "extra_missing": DependencyUnavailable,
}


def node_error(error: PartnerError) -> Exception:
    """The node's error for a light-client refusal (``ApiError`` for the node's problem+json)."""
    if isinstance(error, node_api.NodeApiError):
        err = _API_ERRORS.get(error.status, ApiError)(str(error), code=error.code)
        err.reasons, err.problem = error.reasons, error.problem
        return err
    if error.code == "model_digest_mismatch":
        return ValueError(str(error))
    return _LOCAL.get(error.code, InvalidInput)(str(error), code=error.code)


@contextmanager
def node_errors() -> Iterator[None]:
    """Raise the node's error for a refusal of the light client's own functions (psi, he...)."""
    try:
        yield
    except PartnerError as exc:
        raise node_error(exc) from None


class PartnerClient(node_api.PartnerClient):
    """``hnode_partner.node_api.PartnerClient`` raising the node's errors."""

    def _fail(self, error: PartnerError) -> NoReturn:
        raise node_error(error) from None
