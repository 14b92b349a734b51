"""Storage ports of identity."""

from __future__ import annotations

from typing import Protocol

from node.audit.ports import AuditUnitOfWork
from node.identity.model import Principal, Token


class PrincipalRepository(Protocol):
    def add(self, principal: Principal) -> None: ...

    def get(self, principal_id: str) -> Principal | None: ...

    def by_name(self, name: str) -> Principal | None: ...

    def all(self) -> list[Principal]: ...


class TokenRepository(Protocol):
    def add(self, token: Token) -> None: ...

    def get(self, token_id: str) -> Token | None: ...

    def by_hash(self, token_hash: str) -> Token | None: ...

    def revoke(self, token_id: str, at_us: int) -> None: ...

    def for_principal(self, principal_id: str) -> list[Token]: ...


class IdentityUnitOfWork(AuditUnitOfWork, Protocol):
    @property
    def principals(self) -> PrincipalRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...
