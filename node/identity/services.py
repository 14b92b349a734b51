"""Register principals, issue and revoke tokens, authenticate and authorize callers."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.crypto.sm import PublicKey, sm3_hex
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied, Unauthorized
from node.identity.model import PARTNER_ROLES, STAFF_ROLES, Principal, Role, Token
from node.identity.ports import IdentityUnitOfWork
from node.ports import Clock

TOKEN_PREFIX = "hnt_"  # noqa: S105 - a public prefix, not a secret
_US_PER_HOUR = 3_600_000_000
_SIGN_IN_WINDOW_US = 300_000_000
BOOTSTRAP_ACTOR_PREFIX = "host-bootstrap:"  # the audit's actor for the node's very first administrator
_NAME_RE = re.compile(r"^[\w.\-]{2,64}$")


def token_hash(secret: str) -> str:
    return sm3_hex(secret.encode())


@dataclass(frozen=True)
class IssuedToken:
    token: Token
    secret: str  # shown once to the caller, never stored or logged


class IdentityService:
    def __init__(
        self,
        uow_factory: Callable[[], IdentityUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        default_ttl_hours: int,
        token_cache_seconds: float = 0.0,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._ttl = default_ttl_hours
        self._verified = _VerifiedTokens(int(token_cache_seconds * 1_000_000))

    # ------------------------------------------------------------ principals

    def register(
        self,
        actor: str,
        name: str,
        roles: Iterable[str],
        organization: str,
        public_key: str | None = None,
    ) -> Principal:
        principal = self._new_principal(name, roles, organization, public_key)
        with self._uow() as uow:
            if uow.principals.by_name(name) is not None:
                raise Conflict(f"a principal named '{name}' already exists", code="principal_exists")
            uow.principals.add(principal)
            self._audit.record(uow, _register_event(actor, principal))
            uow.commit()
        return principal

    def bootstrap_admin(
        self,
        host_user: str,
        name: str,
        organization: str,
        public_key: str | None = None,
        ttl_hours: int | None = None,
    ) -> tuple[Principal, IssuedToken]:
        """The node's first administrator and their first token, in one transaction, recorded as a
        bootstrap by the host (actor ``host-bootstrap:<host_user>``). Refused (``admin_exists``,
        audited) once any administrator exists: from then on staff are added and tokens issued under
        an administrator's own token, and the audit names that person."""
        actor = f"{BOOTSTRAP_ACTOR_PREFIX}{host_user}"
        principal = self._new_principal(name, [Role.ADMIN.value], organization, public_key)
        issued = self._new_token(principal.id, ttl_hours, "bootstrap")
        with self._uow() as uow:
            # the audit head is locked before the check: concurrent bootstraps are decided one by one
            self._audit.record(uow, _register_event(actor, principal), _token_event(actor, issued.token))
            refusal = None
            if any(Role.ADMIN in p.roles for p in uow.principals.all()):
                refusal = Conflict(
                    "this node already has an administrator: add staff and issue tokens under an "
                    "administrator's own token (NODE_STAFF_TOKEN)",
                    code="admin_exists",
                )
            elif uow.principals.by_name(name) is not None:
                refusal = Conflict(f"a principal named '{name}' already exists", code="principal_exists")
            if refusal is None:
                uow.principals.add(principal)
                uow.tokens.add(issued.token)
                uow.commit()
        if refusal is not None:
            self._audit.record_now(
                AuditEvent(
                    actor, "principal.bootstrap", "principal", name, Outcome.DENIED, {"reason": refusal.code}
                )
            )
            raise refusal
        return principal, issued

    def _new_principal(
        self, name: str, roles: Iterable[str], organization: str, public_key: str | None
    ) -> Principal:
        role_set = _parse_roles(roles)
        if not _NAME_RE.match(name):
            raise InvalidInput("name must be 2-64 letters, digits, '.', '_' or '-'", code="name_invalid")
        is_partner = bool(role_set & PARTNER_ROLES)
        if is_partner and role_set & STAFF_ROLES:
            raise InvalidInput("a principal is either a partner or staff, not both", code="roles_mixed")
        if is_partner and not public_key:
            raise InvalidInput(
                "partners must be registered with their SM2 public key", code="public_key_required"
            )
        key_hex = PublicKey.from_hex(public_key).to_hex() if public_key else None
        return Principal(
            id="pr_" + secrets.token_hex(8),
            name=name,
            kind="partner" if is_partner else "staff",
            roles=role_set,
            organization=organization.strip()[:200],
            public_key=key_hex,
            created_at_us=self._clock.now_us(),
        )

    def get(self, principal_id: str) -> Principal:
        with self._uow() as uow:
            p = uow.principals.get(principal_id)
        if p is None:
            raise NotFound(f"principal {principal_id} not found", code="principal_not_found")
        return p

    def resolve(self, ref: str) -> Principal:
        """A principal by id or by name."""
        with self._uow() as uow:
            p = uow.principals.get(ref) or uow.principals.by_name(ref)
        if p is None:
            raise NotFound(f"principal {ref} not found", code="principal_not_found")
        return p

    def list_principals(self) -> list[Principal]:
        with self._uow() as uow:
            return uow.principals.all()

    # ------------------------------------------------------------ tokens

    def issue_token(
        self, actor: str, principal_id: str, ttl_hours: int | None = None, label: str = ""
    ) -> IssuedToken:
        issued = self._new_token(principal_id, ttl_hours, label)
        with self._uow() as uow:
            principal = uow.principals.get(principal_id)
            if principal is None:
                raise NotFound(f"principal {principal_id} not found", code="principal_not_found")
            if principal.disabled:
                raise Conflict("principal is disabled", code="principal_disabled")
            uow.tokens.add(issued.token)
            self._audit.record(uow, _token_event(actor, issued.token))
            uow.commit()
        return issued

    def _new_token(self, principal_id: str, ttl_hours: int | None, label: str) -> IssuedToken:
        ttl = self._ttl if ttl_hours is None else ttl_hours
        if not 1 <= ttl <= 24 * 366:
            raise InvalidInput("token lifetime must be between 1 hour and 366 days", code="ttl_out_of_range")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now_us()
        token = Token(
            id="tk_" + secrets.token_hex(8),
            principal_id=principal_id,
            token_hash=token_hash(secret),
            label=label.strip()[:100],
            created_at_us=now,
            expires_at_us=now + ttl * _US_PER_HOUR,
        )
        return IssuedToken(token, secret)

    def sign_in(self, node_name: str, statement: dict[str, object], signature_hex: str) -> IssuedToken:
        """A partner proves it holds its registered SM2 key and gets a one-hour token, with no token
        handed over beforehand (mutual recognition: partners registered at the region are registered on
        every node by their key). ``statement`` is ``{"type": "hnode/sign-in", "node", "partner",
        "at_us"}``, signed over its RFC 8785 bytes, at most five minutes old, and usable once."""
        from node.crypto.canonical import canonical_json

        name, at_us = statement.get("partner"), statement.get("at_us")
        if (
            statement.get("type") != "hnode/sign-in"
            or statement.get("node") != node_name
            or not isinstance(name, str)
            or not isinstance(at_us, int)
        ):
            raise Unauthorized("the sign-in statement is not for this node", code="sign_in_invalid")
        with self._uow() as uow:
            principal = uow.principals.by_name(name)
        if principal is None or principal.kind != "partner" or not principal.public_key:
            raise Unauthorized("no partner with this name is registered here", code="sign_in_invalid")
        fail = None
        if abs(self._clock.now_us() - at_us) > _SIGN_IN_WINDOW_US:
            fail = "sign_in_expired"
        else:
            try:
                good = PublicKey.from_hex(principal.public_key).verify(
                    bytes.fromhex(signature_hex), canonical_json(statement)
                )
            except (InvalidInput, ValueError):
                good = False
            fail = None if good else "signature_invalid"
        label = "sign-in " + sm3_hex(signature_hex.encode())[:40]
        if fail is None and any(t.label == label for t in self.tokens_of(principal.id)):
            fail = "sign_in_replayed"
        if fail is not None:
            self._audit.record_now(
                AuditEvent(
                    principal.id, "auth.sign_in", "principal", principal.id, Outcome.DENIED, {"reason": fail}
                )
            )
            raise Unauthorized("sign-in refused", code=fail)
        return self.issue_token(principal.id, principal.id, ttl_hours=1, label=label)

    def revoke_token(self, actor: str, token_id: str) -> Token:
        with self._uow() as uow:
            token = uow.tokens.get(token_id)
            if token is None:
                raise NotFound(f"token {token_id} not found", code="token_not_found")
            if token.revoked_at_us is not None:
                raise Conflict("token is already revoked", code="token_revoked")
            now = self._clock.now_us()
            uow.tokens.revoke(token_id, now)
            self._audit.record(uow, AuditEvent(actor, "token.revoke", "token", token_id))
            uow.commit()
        self._verified.forget(token_id)
        return Token(**{**token.__dict__, "revoked_at_us": now})

    def tokens_of(self, principal_id: str) -> list[Token]:
        with self._uow() as uow:
            return uow.tokens.for_principal(principal_id)

    # ------------------------------------------------------------ access

    def authenticate(self, secret: str) -> Principal:
        """The principal a token belongs to. Unknown tokens leave no trace; known-but-invalid ones do."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            raise Unauthorized("bearer token is malformed", code="token_malformed")
        digest = token_hash(secret)
        now = self._clock.now_us()
        cached = self._verified.get(digest, now)
        if cached is not None:
            return cached
        with self._uow() as uow:
            token = uow.tokens.by_hash(digest)
            principal = uow.principals.get(token.principal_id) if token else None
        if token is None or principal is None:
            raise Unauthorized("bearer token is unknown", code="token_unknown")
        reason = None
        if token.revoked_at_us is not None:
            reason = ("token_revoked", "bearer token was revoked")
        elif token.expires_at_us <= now:
            reason = ("token_expired", "bearer token has expired")
        elif principal.disabled:
            reason = ("principal_disabled", "principal is disabled")
        if reason:
            self._audit.record_now(
                AuditEvent(
                    principal.id, "auth.token", "token", token.id, Outcome.DENIED, {"reason": reason[0]}
                )
            )
            raise Unauthorized(reason[1], code=reason[0])
        self._verified.put(digest, token, principal, now)
        return principal

    def authorize(self, principal: Principal, allowed: frozenset[Role], action: str) -> None:
        if principal.has_any(allowed):
            return
        self._audit.record_now(
            AuditEvent(principal.id, action, "endpoint", action, Outcome.DENIED, {"reason": "role_forbidden"})
        )
        raise PolicyDenied(
            f"role {'/'.join(sorted(principal.roles))} may not perform {action}", code="role_forbidden"
        )


@dataclass(frozen=True)
class _Verified:
    token_id: str
    principal: Principal
    until_us: int


class _VerifiedTokens:
    """Tokens that passed every check in the last ``ttl_us`` microseconds, by token hash.

    A hit skips the database. The price is revocation latency: a token revoked through this process
    is forgotten at once, one revoked by another process (the CLI, another worker) stops working
    within ``ttl_us``. Never past the token's own expiry. ``ttl_us`` 0 turns the cache off.
    """

    _MAX = 10_000

    def __init__(self, ttl_us: int) -> None:
        self._ttl_us = ttl_us
        self._entries: dict[str, _Verified] = {}

    def get(self, digest: str, now_us: int) -> Principal | None:
        hit = self._entries.get(digest)
        if hit is None or hit.until_us <= now_us:
            return None
        return hit.principal

    def put(self, digest: str, token: Token, principal: Principal, now_us: int) -> None:
        if self._ttl_us <= 0:
            return
        if len(self._entries) >= self._MAX:
            self._entries = {}
        until = min(now_us + self._ttl_us, token.expires_at_us)
        self._entries[digest] = _Verified(token.id, principal, until)

    def forget(self, token_id: str) -> None:
        self._entries = {d: v for d, v in self._entries.items() if v.token_id != token_id}


def _register_event(actor: str, principal: Principal) -> AuditEvent:
    return AuditEvent(
        actor, "principal.register", "principal", principal.id, details={"roles": sorted(principal.roles)}
    )


def _token_event(actor: str, token: Token) -> AuditEvent:
    ttl_h = (token.expires_at_us - token.created_at_us) // _US_PER_HOUR
    return AuditEvent(
        actor, "token.issue", "token", token.id, details={"principal": token.principal_id, "ttl_h": ttl_h}
    )


def _parse_roles(roles: Iterable[str]) -> frozenset[Role]:
    out = set()
    for r in roles:
        try:
            out.add(Role(r.strip()))
        except ValueError:
            allowed = ", ".join(x.value for x in Role)
            raise InvalidInput(f"unknown role '{r}'; known roles: {allowed}", code="role_unknown") from None
    if not out:
        raise InvalidInput("at least one role is required", code="role_missing")
    return frozenset(out)
