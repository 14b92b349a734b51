"""Principals, roles and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    # partners: organisations outside the hospital, each with its own SM2 key
    INSURER = "insurer"
    RESEARCHER = "researcher"
    HOSPITAL = "hospital"
    COORDINATOR = "coordinator"
    # staff of the hospital
    DATA_OFFICER = "data_officer"
    ETHICS_REVIEWER = "ethics_reviewer"
    ADMIN = "admin"


PARTNER_ROLES = frozenset({Role.INSURER, Role.RESEARCHER, Role.HOSPITAL, Role.COORDINATOR})
STAFF_ROLES = frozenset({Role.DATA_OFFICER, Role.ETHICS_REVIEWER, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    kind: str  # "partner" or "staff"
    roles: frozenset[Role]
    organization: str
    public_key: str | None
    created_at_us: int
    disabled: bool = False

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class Token:
    """A bearer token's record. The secret itself is never stored: only its SM3 hash."""

    id: str
    principal_id: str
    token_hash: str
    label: str
    created_at_us: int
    expires_at_us: int
    revoked_at_us: int | None = None
