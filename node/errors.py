"""Error hierarchy shared by every module.

Each error carries a stable machine-readable ``code`` and a human message that never contains
patient data, tokens or key material. Edges map the category once: problem+json over HTTP,
exit codes in the CLI.
"""

from __future__ import annotations


class NodeError(Exception):
    """Root of all errors the node raises on purpose."""

    code = "node_error"
    # set by a service that wrote this error's audit entry itself (a refusal it decided): the edges
    # (the HTTP error handler) then add none of their own
    audited = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(NodeError):
    code = "not_found"


class Conflict(NodeError):
    code = "conflict"


class InvalidInput(NodeError):
    code = "invalid_input"


class TooLarge(InvalidInput):
    """A request, or a part of it, exceeds a configured size limit; the message names the setting."""

    code = "too_large"


class PolicyDenied(NodeError):
    """The caller is known but not allowed (role, policy, quota)."""

    code = "policy_denied"


class Unauthorized(NodeError):
    """The caller could not be identified (missing, unknown, expired or revoked credential)."""

    code = "unauthorized"


class DependencyUnavailable(NodeError):
    code = "dependency_unavailable"


class ConfigError(NodeError):
    """A setting is invalid; the message names the setting."""

    code = "invalid_setting"
