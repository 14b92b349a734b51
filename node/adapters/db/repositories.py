"""SQL implementations of the repository ports. They run inside a unit of work's connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from node.adapters.db import tables as t
from node.audit.model import AuditEntry, AuditSeal
from node.crypto.canonical import canonical_json
from node.identity.model import Principal, Role, Token

_HEAD_ID = 1
_PAGE = 5000


class SqlPrincipalRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, p: Principal) -> None:
        self._c.execute(
            insert(t.principals).values(
                id=p.id,
                name=p.name,
                kind=p.kind,
                roles=sorted(p.roles),
                organization=p.organization,
                public_key=p.public_key,
                created_at_us=p.created_at_us,
                disabled=p.disabled,
            )
        )

    def get(self, principal_id: str) -> Principal | None:
        row = self._c.execute(select(t.principals).where(t.principals.c.id == principal_id)).first()
        return _principal(row) if row else None

    def by_name(self, name: str) -> Principal | None:
        row = self._c.execute(select(t.principals).where(t.principals.c.name == name)).first()
        return _principal(row) if row else None

    def all(self) -> list[Principal]:
        rows = self._c.execute(select(t.principals).order_by(t.principals.c.created_at_us, t.principals.c.id))
        return [_principal(r) for r in rows]


def _principal(r: Row[Any]) -> Principal:
    return Principal(
        id=r.id,
        name=r.name,
        kind=r.kind,
        roles=frozenset(Role(x) for x in r.roles),
        organization=r.organization,
        public_key=r.public_key,
        created_at_us=r.created_at_us,
        disabled=bool(r.disabled),
    )


class SqlTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, tok: Token) -> None:
        self._c.execute(insert(t.tokens).values(**tok.__dict__))

    def get(self, token_id: str) -> Token | None:
        row = self._c.execute(select(t.tokens).where(t.tokens.c.id == token_id)).first()
        return Token(**row._mapping) if row else None

    def by_hash(self, token_hash: str) -> Token | None:
        row = self._c.execute(select(t.tokens).where(t.tokens.c.token_hash == token_hash)).first()
        return Token(**row._mapping) if row else None

    def revoke(self, token_id: str, at_us: int) -> None:
        self._c.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(revoked_at_us=at_us))

    def for_principal(self, principal_id: str) -> list[Token]:
        rows = self._c.execute(
            select(t.tokens).where(t.tokens.c.principal_id == principal_id).order_by(t.tokens.c.created_at_us)
        )
        return [Token(**r._mapping) for r in rows]


class SqlAuditRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def lock_head(self) -> tuple[int, str]:
        row = self._c.execute(
            select(t.audit_head.c.last_seq, t.audit_head.c.last_hash)
            .where(t.audit_head.c.id == _HEAD_ID)
            .with_for_update()
        ).first()
        if row is None:  # created by the migration; absent only if someone deleted it
            raise RuntimeError("audit head row is missing: run migrations")
        return int(row.last_seq), str(row.last_hash)

    def last_seq(self) -> int:
        row = self._c.execute(select(t.audit_head.c.last_seq).where(t.audit_head.c.id == _HEAD_ID)).first()
        return int(row.last_seq) if row else 0

    def add(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        self._c.execute(
            insert(t.audit_entries),
            [{**e.__dict__, "details": canonical_json(e.details).decode()} for e in entries],
        )
        last = entries[-1]
        self._c.execute(
            update(t.audit_head)
            .where(t.audit_head.c.id == _HEAD_ID)
            .values(last_seq=last.seq, last_hash=last.entry_hash)
        )

    def iter_entries(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditEntry]:
        cursor = first_seq
        while True:
            q = select(t.audit_entries).where(t.audit_entries.c.seq >= cursor)
            if last_seq is not None:
                q = q.where(t.audit_entries.c.seq <= last_seq)
            rows = self._c.execute(q.order_by(t.audit_entries.c.seq).limit(_PAGE)).all()
            for r in rows:
                yield _entry(r)
            if len(rows) < _PAGE:
                return
            cursor = rows[-1].seq + 1

    def recent(
        self,
        limit: int,
        actor: str | None = None,
        action: str | None = None,
        before_seq: int | None = None,
        object_id: str | None = None,
    ) -> list[AuditEntry]:
        q = select(t.audit_entries)
        if before_seq is not None:
            q = q.where(t.audit_entries.c.seq < before_seq)
        if object_id:
            q = q.where(t.audit_entries.c.object_id == object_id)
        if actor:
            q = q.where(t.audit_entries.c.actor == actor)
        if action:
            q = q.where(t.audit_entries.c.action == action)
        rows = self._c.execute(q.order_by(t.audit_entries.c.seq.desc()).limit(limit))
        return [_entry(r) for r in rows]

    def last_sealed_seq(self) -> int:
        row = self._c.execute(
            select(t.audit_seals.c.last_seq).order_by(t.audit_seals.c.last_seq.desc())
        ).first()
        return int(row.last_seq) if row else 0

    def add_seal(self, seal: AuditSeal) -> None:
        self._c.execute(insert(t.audit_seals).values(**seal.__dict__))

    def iter_seals(self) -> Iterator[AuditSeal]:
        for r in self._c.execute(select(t.audit_seals).order_by(t.audit_seals.c.first_seq)):
            yield AuditSeal(**r._mapping)


def _entry(r: Row[Any]) -> AuditEntry:
    m = dict(r._mapping)
    m["details"] = json.loads(m["details"])
    return AuditEntry(**m)
