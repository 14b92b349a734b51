"""Staff sign-in with an SM2 key instead of a bearer secret: the node hands out a challenge that it
signs itself (so it keeps no state for it), the staff member signs the challenge with the private key
whose public key is registered for them (e.g. ``hnode crypto sign officer.pem challenge.txt``), and
a valid pair buys a short-lived token. Challenges expire after two minutes and are single-use within
this process; unknown names get a challenge like any other (no name enumeration) that can never
succeed."""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.crypto.canonical import canonical_json
from node.crypto.sm import PublicKey
from node.errors import InvalidInput, NotFound, Unauthorized
from node.identity.model import STAFF_ROLES, Principal
from node.identity.services import IdentityService, IssuedToken
from node.ports import Clock, Signer

PURPOSE = "hnode-console-login"
TTL_US = 120 * 1_000_000
# The node signs ``DOMAIN + challenge``: bytes that no contract, seal or other document it signs can
# start with, so an unauthenticated caller cannot make it sign anything usable elsewhere.
DOMAIN = b"hnode console login challenge\x00"


@dataclass(frozen=True)
class Challenge:
    text: str  # canonical JSON; the exact bytes (UTF-8) the staff member signs
    node_signature: str  # hex, by the node's key: proves the node issued it
    expires_at_us: int


class ChallengeLogin:
    def __init__(
        self,
        identity: IdentityService,
        signer: Callable[[], Signer],
        clock: Clock,
        audit: AuditLog,
        node_name: str,
        used: OrderedDict[str, int],
    ) -> None:
        self._identity = identity
        self._signer = signer
        self._clock = clock
        self._audit = audit
        self._node = node_name
        self._used = used  # nonce -> expiry, shared by the process

    def challenge(self, name: str) -> Challenge:
        if not 2 <= len(name) <= 64:
            raise InvalidInput("name must be 2-64 characters", code="name_invalid")
        expires = self._clock.now_us() + TTL_US
        body = {
            "purpose": PURPOSE,
            "node": self._node,
            "principal": name,
            "nonce": secrets.token_hex(16),
            "expires_at_us": expires,
        }
        text = canonical_json(body).decode()
        return Challenge(text, self._signer().sign(DOMAIN + text.encode()).hex(), expires)

    def redeem(
        self, text: str, node_signature: str, signature: str, label: str
    ) -> tuple[Principal, IssuedToken]:
        """The token for a correctly signed, unexpired, unused challenge; else ``Unauthorized``."""
        message = text.encode()
        if not _verifies(self._signer().public_key_hex, node_signature, DOMAIN + message):
            raise Unauthorized("challenge was not issued by this node", code="challenge_invalid")
        body = json.loads(text)
        now = self._clock.now_us()
        if body.get("purpose") != PURPOSE or body.get("node") != self._node:
            raise Unauthorized("challenge is for another purpose or node", code="challenge_invalid")
        if int(body["expires_at_us"]) <= now:
            raise Unauthorized("challenge has expired", code="challenge_expired")
        nonce = str(body["nonce"])
        self._forget_expired(now)
        if nonce in self._used:
            raise Unauthorized("challenge was already used", code="challenge_used")
        try:
            principal = self._identity.resolve(str(body["principal"]))
        except NotFound:
            raise Unauthorized(
                "signature does not match a registered staff key", code="signature_invalid"
            ) from None
        staff = bool(principal.roles & STAFF_ROLES) and not principal.disabled
        if not (staff and principal.public_key and _verifies(principal.public_key, signature, message)):
            self._audit.record_now(
                AuditEvent(
                    principal.id,
                    "auth.sm2",
                    "principal",
                    principal.id,
                    Outcome.DENIED,
                    {"reason": "signature"},
                )
            )
            raise Unauthorized("signature does not match a registered staff key", code="signature_invalid")
        self._used[nonce] = int(body["expires_at_us"])
        issued = self._identity.issue_token(principal.id, principal.id, ttl_hours=1, label=label)
        return principal, issued

    def _forget_expired(self, now: int) -> None:
        while self._used and next(iter(self._used.values())) <= now:
            self._used.popitem(last=False)


def _verifies(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        return PublicKey.from_hex(public_key_hex).verify(bytes.fromhex(signature_hex), message)
    except (ValueError, InvalidInput):
        return False
