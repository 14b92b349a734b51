"""The regional registry's use cases. Nodes are known by their SM2 keys: a node joins with a request
signed by its key (proof of possession), the region's operator approves it and the key's SM3 digest is
anchored on the chain; catalog pushes are signed by the node's key and verified before anything is kept.
Searches read what the nodes pushed, so a node that is down never blocks one: it is shown as stale."""

from __future__ import annotations

import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from node.audit.model import GENESIS_HASH, AuditEntry, AuditEvent, Outcome, chain
from node.crypto.canonical import canonical_json
from node.crypto.sm import PublicKey, sm3_hex
from node.errors import Conflict, InvalidInput, NodeError, NotFound, PolicyDenied, Unauthorized
from node.ports import ChainAnchor, Clock
from region import store as t

_CODE = re.compile(r"^[0-9A-Za-z_.\-]{2,64}$")
_MODES = {
    *("anonymized_extract", "aggregate_query", "he_query", "federated_training"),
    *("psi", "research_dataset", "settlement"),
}
_ENTRY_KEYS = {"dataset_id", "title", "description", "category", "level", "access_mode", "scenarios"}


class PendingQueueFull(Conflict):
    """Too many join requests wait for the operator; a new one may come once some are decided."""

    code = "pending_queue_full"


class RegionService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        chain: Callable[[], ChainAnchor],
        stale_after_s: int = 300,
        max_pending: int = 100,
    ) -> None:
        self._db = engine
        self._clock = clock
        self._chain = chain
        self._stale_us = stale_after_s * 1_000_000
        self._max_pending = max_pending

    # -- tokens (operator and readers) -------------------------------------------------------------
    def issue_token(self, role: str, label: str) -> str:
        if role not in ("operator", "reader"):
            raise InvalidInput("role must be operator or reader", code="role_invalid")
        secret = "hrt_" + secrets.token_urlsafe(32)
        with self._db.begin() as c:
            c.execute(
                insert(t.tokens).values(
                    token_hash=sm3_hex(secret.encode()),
                    role=role,
                    label=label[:100],
                    created_at_us=self._now(),
                )
            )
            self._audit_in(c, "cli:operator", "token.issue", label, "success", {"role": role})
        return secret

    def authenticate(self, secret: str | None, *roles: str) -> str:
        """The caller's role; an unknown token is 401, a known one without the role 403 (audited)."""
        if not secret:
            raise Unauthorized("missing bearer token", code="token_missing")
        with self._db.connect() as c:
            row = c.execute(select(t.tokens).where(t.tokens.c.token_hash == sm3_hex(secret.encode()))).first()
        if row is None:
            raise Unauthorized("unknown token", code="token_unknown")
        if row.role not in roles:
            self._audit(f"token:{row.label}", "token.authorize", ",".join(roles), "denied", {})
            raise PolicyDenied(f"role {row.role} may not do this", code="role_forbidden")
        return str(row.role)

    # -- node directory ------------------------------------------------------------------------------
    def invite(self, operator: str, institution_code: str, valid_s: int) -> dict[str, Any]:
        """A one-time join invitation for one institution code, valid ``valid_s`` seconds. The token is
        returned once (only its SM3 digest is kept) and handed to the hospital out of band."""
        if not _CODE.match(institution_code):
            raise InvalidInput(
                "institution_code: 2-64 letters, digits, '.', '_' or '-'", code="payload_invalid"
            )
        if not 60 <= valid_s <= 30 * 86_400:
            raise InvalidInput("an invitation is valid 1 minute to 30 days", code="payload_invalid")
        token = "hri_" + secrets.token_urlsafe(32)
        now = self._now()
        expires = now + valid_s * 1_000_000
        with self._db.begin() as c:
            c.execute(
                insert(t.invitations).values(
                    token_hash=sm3_hex(token.encode()),
                    institution_code=institution_code,
                    created_at_us=now,
                    expires_at_us=expires,
                    used_at_us=None,
                )
            )
            self._audit_in(
                c, operator, "invitation.issue", institution_code, "success", {"expires_at_us": expires}
            )
        return {"invitation": token, "institution_code": institution_code, "expires_at_us": expires}

    def join(self, signed: Any) -> dict[str, Any]:
        """A node asks to join: the payload names it and its key, carries the operator's one-time
        invitation for its institution code, and is signed by that key. Nothing waits for the operator
        unless all of it holds and the pending queue has room."""
        payload, signature = _signed(signed)
        if payload.get("type") != "join":
            raise InvalidInput("payload.type must be join", code="payload_invalid")
        code = _text(payload, "institution_code", 64)
        if not _CODE.match(code):
            raise InvalidInput(
                "institution_code: 2-64 letters, digits, '.', '_' or '-'", code="payload_invalid"
            )
        key = _key(payload.get("public_key"))
        endpoint = _text(payload, "dsp_endpoint", 500)
        if not endpoint.startswith(("https://", "http://")):
            raise InvalidInput("dsp_endpoint must be an http(s) URL", code="payload_invalid")
        if not _verifies(key, signature, payload):
            self._audit(code, "node.join", code, "denied", {"reason": "signature_invalid"})
            raise PolicyDenied("the join request is not signed by the key it names", code="signature_invalid")
        hospital = _text(payload, "hospital", 200)
        now = self._now()
        invitation = payload.get("invitation")
        token_hash = sm3_hex(invitation.encode()) if isinstance(invitation, str) and invitation else ""
        try:
            with self._db.begin() as c:
                reason, refusal = self._join_refusal(c, token_hash, code, now)
                if refusal is not None:  # the refusal is audited in this transaction; nothing else written
                    self._audit_in(c, code, "node.join", code, "denied", {"reason": reason})
                else:
                    c.execute(
                        update(t.invitations)
                        .where(t.invitations.c.token_hash == token_hash)
                        .values(used_at_us=now)
                    )
                    c.execute(
                        insert(t.nodes).values(
                            code=code,
                            hospital=hospital,
                            dsp_endpoint=endpoint.rstrip("/"),
                            public_key=key.to_hex(),
                            key_digest=sm3_hex(bytes.fromhex(key.to_hex())),
                            status="pending",
                            anchor_tx="",
                            requested_at_us=now,
                            approved_at_us=None,
                            last_seen_us=now,
                            catalog_version=0,
                        )
                    )
                    self._audit_in(c, code, "node.join", code, "success", {})
        except IntegrityError:  # rolled back: the invitation stays unused
            self._audit(code, "node.join", code, "denied", {"reason": "node_exists"})
            raise Conflict(
                "this institution code or key has already asked to join", code="node_exists"
            ) from None
        if refusal is not None:
            raise refusal
        return self.node(code)

    def _join_refusal(self, c: Any, token_hash: str, code: str, now: int) -> tuple[str, NodeError | None]:
        """Why this join may not wait for the operator (the reason audited, the error raised), if it may
        not: no valid invitation for its institution code, or a full pending queue. The invitation row is
        locked for the rest of the transaction, so two joins cannot both use it."""
        row = None
        if token_hash:
            row = c.execute(
                select(t.invitations).where(t.invitations.c.token_hash == token_hash).with_for_update()
            ).first()
        problem = (
            "missing"
            if not token_hash
            else "unknown"
            if row is None
            else "other_institution"
            if row.institution_code != code
            else "used"
            if row.used_at_us is not None
            else "expired"
            if row.expires_at_us <= now
            else None
        )
        if problem:
            message = f"no valid invitation for this institution code ({problem}); ask the region's operator"
            return f"invitation_{problem}", PolicyDenied(message, code="invitation_invalid")
        pending = c.execute(
            select(func.count()).select_from(t.nodes).where(t.nodes.c.status == "pending")
        ).scalar_one()
        if pending >= self._max_pending:
            message = f"{pending} join requests already wait for the operator; try again later"
            return "pending_queue_full", PendingQueueFull(message, code="pending_queue_full")
        return "", None

    def approve(self, operator: str, code: str) -> dict[str, Any]:
        """The operator admits a node; its key digest is anchored on the chain (kind ``node_key``)."""
        node = self.node(code)
        if node["status"] != "pending":
            raise Conflict(f"the node is {node['status']}, not pending", code="node_not_pending")
        receipt = self._chain().anchor(node["key_digest"], "node_key", code)
        with self._db.begin() as c:
            c.execute(
                update(t.nodes)
                .where(t.nodes.c.code == code)
                .values(status="approved", approved_at_us=self._now(), anchor_tx=receipt.tx_hash)
            )
            self._audit_in(c, operator, "node.approve", code, "success", {"tx": receipt.tx_hash})
        return self.node(code)

    def reject(self, operator: str, code: str) -> dict[str, Any]:
        """The operator turns a pending join down: the request is removed (its invitation stays used),
        which frees its place in the pending queue and its institution code for a new invitation."""
        with self._db.begin() as c:
            gone = c.execute(t.nodes.delete().where(t.nodes.c.code == code, t.nodes.c.status == "pending"))
            if gone.rowcount == 1:
                self._audit_in(c, operator, "node.reject", code, "success", {})
        if gone.rowcount != 1:
            status = self.node(code)["status"]  # NotFound if there is no such node
            raise Conflict(f"the node is {status}, not pending", code="node_not_pending")
        return {"code": code, "status": "rejected"}

    def node(self, code: str) -> dict[str, Any]:
        with self._db.connect() as c:
            row = c.execute(select(t.nodes).where(t.nodes.c.code == code)).first()
        if row is None:
            raise NotFound("no such node", code="node_not_found")
        return self._node_view(dict(row._mapping))

    def nodes(self) -> list[dict[str, Any]]:
        with self._db.connect() as c:
            rows = c.execute(select(t.nodes).order_by(t.nodes.c.code)).all()
        return [self._node_view(dict(r._mapping)) for r in rows]

    def _node_view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "stale": self._now() - row["last_seen_us"] > self._stale_us}

    def probe(self, reachable: Callable[[str], bool], workers: int = 8) -> dict[str, bool]:
        """Ask every approved node's ``/health`` (concurrently; ``reachable`` does the HTTP with a short
        timeout) and refresh the last-seen time of those that answer. Searches never wait for this."""
        with self._db.connect() as c:
            rows = c.execute(
                select(t.nodes.c.code, t.nodes.c.dsp_endpoint).where(t.nodes.c.status == "approved")
            ).all()

        def ask(endpoint: str) -> bool:
            try:
                return reachable(endpoint.removesuffix("/dsp/2025-1") + "/health")
            except Exception:  # noqa: BLE001 - an unreachable node is simply not refreshed
                return False

        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = dict(
                zip([r.code for r in rows], pool.map(ask, [r.dsp_endpoint for r in rows]), strict=True)
            )
        alive = [code for code, ok in answers.items() if ok]
        if alive:
            with self._db.begin() as c:
                c.execute(update(t.nodes).where(t.nodes.c.code.in_(alive)).values(last_seen_us=self._now()))
        return answers

    # -- asset registration --------------------------------------------------------------------------
    def register(self, signed: Any) -> dict[str, Any]:
        """A node pushes its catalog (a new version, every entry kept), signed by its key."""
        payload, signature = _signed(signed)
        code = str(payload.get("node", ""))[:64]
        with self._db.connect() as c:
            row = c.execute(select(t.nodes).where(t.nodes.c.code == code)).first()
        if row is None or row.status != "approved":
            self._audit(code or "?", "catalog.register", code, "denied", {"reason": "node_unknown"})
            raise PolicyDenied("unknown or not yet approved node", code="node_unknown")
        if payload.get("type") != "catalog" or not _verifies(
            PublicKey.from_hex(row.public_key), signature, payload
        ):
            self._audit(code, "catalog.register", code, "denied", {"reason": "signature_invalid"})
            raise PolicyDenied(
                "the catalog is not signed by the node's registered key", code="signature_invalid"
            )
        version = payload.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version <= row.catalog_version:
            self._audit(code, "catalog.register", code, "denied", {"reason": "version_not_newer"})
            raise Conflict(
                f"version must be greater than {row.catalog_version} (a replayed push changes nothing)",
                code="version_not_newer",
            )
        raw_entries = payload.get("entries")
        if not isinstance(raw_entries, list) or len(raw_entries) > 10_000:
            raise InvalidInput("entries must be a list (at most 10,000)", code="payload_invalid")
        rows = [_entry(code, version, e, i) for i, e in enumerate(raw_entries)]
        contracts = payload.get("contracts_in_force", 0)
        now = self._now()
        with self._db.begin() as c:
            if rows:
                c.execute(insert(t.entries), rows)
            c.execute(
                insert(t.pushes).values(
                    node=code,
                    version=version,
                    signature=signature,
                    contracts_in_force=contracts if isinstance(contracts, int) else 0,
                    pushed_at_us=now,
                )
            )
            c.execute(
                update(t.nodes)
                .where(t.nodes.c.code == code)
                .values(catalog_version=version, last_seen_us=now)
            )
            self._audit_in(
                c, code, "catalog.register", code, "success", {"version": version, "entries": len(rows)}
            )
        return {"node": code, "version": version, "entries": len(rows)}

    # -- federated catalog and data map ----------------------------------------------------------------
    def search(
        self,
        text: str = "",
        category: str | None = None,
        level: int | None = None,
        access_mode: str | None = None,
        scenario: str | None = None,
    ) -> list[dict[str, Any]]:
        """Entries of every approved node's latest catalog matching all given filters."""
        e, n = t.entries.c, t.nodes.c
        q = (
            select(t.entries, n.hospital, n.dsp_endpoint, n.last_seen_us)
            .join(t.nodes, (n.code == e.node) & (n.catalog_version == e.version))
            .where(n.status == "approved")
            .order_by(e.node, e.dataset_id)
        )
        if category:
            q = q.where(e.category == category)
        if level is not None:
            q = q.where(e.level == level)
        if access_mode:
            q = q.where(e.access_mode == access_mode)
        if text:
            like = f"%{text.lower()}%"
            q = q.where(func.lower(e.title).like(like) | func.lower(e.description).like(like))
        now = self._now()
        with self._db.connect() as c:
            rows = [dict(r._mapping) for r in c.execute(q)]
        out = []
        for r in rows:
            if scenario and scenario not in r["scenarios"]:
                continue
            out.append(
                {
                    "node": r["node"],
                    "hospital": r["hospital"],
                    "dsp_endpoint": r["dsp_endpoint"],
                    "stale": now - r["last_seen_us"] > self._stale_us,
                    "version": r["version"],
                    **r["entry"],
                }
            )
        return out

    def data_map(self) -> dict[str, Any]:
        """Which hospital holds what: by category and level, update frequencies, products by access
        mode, contracts in force (as each node last reported), for the console to draw."""
        hospitals = []
        with self._db.connect() as c:
            for node in self.nodes():
                if node["status"] != "approved":
                    continue
                rows = c.execute(
                    select(t.entries).where(
                        t.entries.c.node == node["code"], t.entries.c.version == node["catalog_version"]
                    )
                ).all()
                push = c.execute(
                    select(t.pushes).where(
                        t.pushes.c.node == node["code"], t.pushes.c.version == node["catalog_version"]
                    )
                ).first()
                by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
                modes: dict[str, int] = defaultdict(int)
                for r in rows:
                    by_category[r.category][str(r.level)] += 1
                    modes[r.access_mode] += 1
                hospitals.append(
                    {
                        "code": node["code"],
                        "hospital": node["hospital"],
                        "stale": node["stale"],
                        "catalog_version": node["catalog_version"],
                        "categories": {k: dict(v) for k, v in sorted(by_category.items())},
                        "update_frequencies": sorted({r.update_frequency for r in rows}),
                        "products_by_mode": dict(sorted(modes.items())),
                        "products": len(rows),
                        "contracts_in_force": push.contracts_in_force if push else 0,
                    }
                )
        return {"generated_at_us": self._now(), "hospitals": hospitals}

    # -- partners (mutual recognition) ------------------------------------------------------------------
    def add_partner(
        self, operator: str, name: str, organization: str, roles: list[str], public_key: str
    ) -> dict[str, Any]:
        key = _key(public_key)
        if (
            not _CODE.match(name)
            or not roles
            or not set(roles) <= {"insurer", "researcher", "hospital", "coordinator"}
        ):
            raise InvalidInput(
                "name (2-64 characters) and partner roles are required", code="partner_invalid"
            )
        row = {
            "name": name,
            "organization": organization[:200],
            "roles": sorted(set(roles)),
            "public_key": key.to_hex(),
            "registered_at_us": self._now(),
        }
        try:
            with self._db.begin() as c:
                c.execute(insert(t.partners).values(**row))
                self._audit_in(c, operator, "partner.add", name, "success", {})
        except IntegrityError:
            raise Conflict("a partner with this name or key exists", code="partner_exists") from None
        return row

    def partners(self) -> list[dict[str, Any]]:
        with self._db.connect() as c:
            return [dict(r._mapping) for r in c.execute(select(t.partners).order_by(t.partners.c.name))]

    def audit_trail(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        with self._db.connect() as c:
            q = select(t.audit).order_by(t.audit.c.seq.desc()).limit(limit)
            return [_audit_view(_entry_of(r._mapping)) for r in c.execute(q)]

    def verify_audit(self) -> dict[str, Any]:
        """Recompute the SM3 chain from the genesis hash and compare its end with the head: an edited,
        removed or reordered entry, or a cut-off tail, names the first entry that breaks."""
        prev, seq = GENESIS_HASH, 0
        with self._db.connect() as c:
            head = c.execute(select(t.audit_head).where(t.audit_head.c.id == 1)).one()
            for row in c.execute(select(t.audit).order_by(t.audit.c.seq)).yield_per(1000):
                entry, seq = _entry_of(row._mapping), seq + 1
                broken = _broken(entry, seq, prev)
                if broken:
                    return {"ok": False, "entries": seq - 1, "first_broken_seq": entry.seq, "reason": broken}
                prev = entry.entry_hash
        if (seq, prev) != (head.last_seq, head.last_hash):
            reason = f"the chain ends at #{seq} but its head records #{head.last_seq}: entries were removed"
            return {
                "ok": False,
                "entries": seq,
                "first_broken_seq": min(seq, head.last_seq) + 1,
                "reason": reason,
            }
        return {"ok": True, "entries": seq, "first_broken_seq": None, "reason": None}

    # -- internals --------------------------------------------------------------------------------------
    def _now(self) -> int:
        return self._clock.now_us()

    def _audit(self, actor: str, action: str, ref: str, outcome: str, details: dict[str, Any]) -> None:
        with self._db.begin() as c:
            self._audit_in(c, actor, action, ref, outcome, details)

    def _audit_in(
        self, c: Any, actor: str, action: str, ref: str, outcome: str, details: dict[str, Any]
    ) -> None:
        """Append one entry to the hash chain inside the caller's transaction (the head row is locked,
        so concurrent writers queue); it commits or vanishes with the caller's other writes."""
        head = c.execute(select(t.audit_head).where(t.audit_head.c.id == 1).with_for_update()).one()
        event = AuditEvent(
            actor=actor[:100],
            action=action,
            object_type=action.split(".")[0],
            object_id=ref[:300],
            outcome=Outcome(outcome),
            details=details,
        )
        entry = chain(event, head.last_seq + 1, self._now(), head.last_hash)
        c.execute(insert(t.audit).values(**{**entry.__dict__, "details": canonical_json(details).decode()}))
        c.execute(
            update(t.audit_head)
            .where(t.audit_head.c.id == 1)
            .values(last_seq=entry.seq, last_hash=entry.entry_hash)
        )


def sign_payload(payload: dict[str, Any], sign: Callable[[bytes], bytes]) -> dict[str, Any]:
    """A signed message for the region: the payload and an SM2 signature over its RFC 8785 bytes."""
    return {"payload": payload, "signature": sign(canonical_json(payload)).hex()}


def _entry_of(row: Any) -> AuditEntry:
    return AuditEntry(**{**row, "details": json.loads(row["details"])})


def _audit_view(entry: AuditEntry) -> dict[str, Any]:
    return dict(entry.__dict__)


def _broken(entry: AuditEntry, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"sequence gap: expected #{expected_seq}, found #{entry.seq}"
    if entry.prev_hash != prev:
        return "prev_hash does not match the previous entry's hash"
    if entry.computed_hash() != entry.entry_hash:
        return "entry content does not match its hash"
    return None


def _signed(signed: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(signed, dict) or not isinstance(signed.get("payload"), dict):
        raise InvalidInput("a signed message is {payload: {...}, signature: hex}", code="payload_invalid")
    signature = signed.get("signature")
    if not isinstance(signature, str) or not 16 <= len(signature) <= 200:
        raise InvalidInput("signature (DER hex) is required", code="payload_invalid")
    return signed["payload"], signature


def _verifies(key: PublicKey, signature: str, payload: dict[str, Any]) -> bool:
    try:
        return key.verify(bytes.fromhex(signature), canonical_json(payload))
    except (ValueError, InvalidInput):
        return False


def _key(value: Any) -> PublicKey:
    if not isinstance(value, str):
        raise InvalidInput("public_key (04||X||Y hex) is required", code="payload_invalid")
    return PublicKey.from_hex(value)


def _text(payload: dict[str, Any], name: str, most: int) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not 0 < len(value.strip()) <= most:
        raise InvalidInput(f"{name} is required (1-{most} characters)", code="payload_invalid")
    return value.strip()


def _entry(node: str, version: int, e: Any, i: int) -> dict[str, Any]:
    if not isinstance(e, dict) or not _ENTRY_KEYS <= set(e):
        raise InvalidInput(f"entries[{i}] needs {', '.join(sorted(_ENTRY_KEYS))}", code="entry_invalid")
    level = e["level"]
    if not isinstance(level, int) or not 1 <= level <= 5 or e["access_mode"] not in _MODES:
        raise InvalidInput(f"entries[{i}]: level 1-5 and a known access_mode", code="entry_invalid")
    if not isinstance(e["scenarios"], list):
        raise InvalidInput(f"entries[{i}].scenarios must be a list", code="entry_invalid")
    return {
        "node": node,
        "version": version,
        "dataset_id": str(e["dataset_id"])[:300],
        "title": str(e["title"])[:300],
        "description": str(e["description"])[:5000],
        "category": str(e["category"])[:64],
        "level": level,
        "access_mode": e["access_mode"],
        "scenarios": [str(s)[:64] for s in e["scenarios"]][:20],
        "update_frequency": str(e.get("update_frequency", ""))[:64],
        "entry": e,
    }
