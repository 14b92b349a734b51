"""Append, seal and verify the hash-chained audit log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from node.audit.model import GENESIS_HASH, AuditEntry, AuditEvent, AuditSeal, chain, merkle_root, seal_message
from node.audit.ports import AuditUnitOfWork
from node.crypto.canonical import canonical_json
from node.crypto.sm import PublicKey
from node.errors import InvalidInput
from node.group_commit import GroupCommit
from node.ports import Clock, Signer


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    seals: int
    sealed_through: int
    first_broken_seq: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class AuditLog:
    def __init__(
        self,
        uow_factory: Callable[[], AuditUnitOfWork],
        clock: Clock,
        signer: Callable[[], Signer],
        seal_batch: int = 1000,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._signer = signer
        self._seal_batch = seal_batch
        self._group: GroupCommit[Sequence[AuditEvent], list[AuditEntry]] = GroupCommit(self._write_standalone)

    def record(self, uow: AuditUnitOfWork, *events: AuditEvent) -> list[AuditEntry]:
        """Append events inside the caller's transaction: they commit or vanish with its other writes."""
        last_seq, last_hash = uow.audit.lock_head()
        now = self._clock.now_us()
        entries = []
        for event in events:
            last_seq += 1
            entry = chain(event, last_seq, now, last_hash)
            entries.append(entry)
            last_hash = entry.entry_hash
        uow.audit.add(entries)
        return entries

    def record_now(self, *events: AuditEvent) -> list[AuditEntry]:
        """Append events durably in a transaction of their own (e.g. denials, whose action rolled back).

        Concurrent callers in this process share one transaction (group commit); each returns once its
        entries are committed.
        """
        for e in events:
            canonical_json(e.details)  # refuse bad details here, not inside a batch shared with others
        return self._group.submit(events)

    def _write_standalone(self, batches: list[Sequence[AuditEvent]]) -> list[list[AuditEntry]]:
        with self._uow() as uow:
            entries = self.record(uow, *(e for events in batches for e in events))
            uow.commit()
        out, i = [], 0
        for events in batches:
            out.append(entries[i : i + len(events)])
            i += len(events)
        return out

    def recent(
        self,
        limit: int = 50,
        actor: str | None = None,
        action: str | None = None,
        before_seq: int | None = None,
        object_id: str | None = None,
    ) -> list[AuditEntry]:
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", code="limit_out_of_range")
        with self._uow() as uow:
            return uow.audit.recent(limit, actor, action, before_seq, object_id)

    def seal(self) -> list[AuditSeal]:
        """Sign every unsealed entry, in batches of at most ``seal_batch``; return the new seals."""
        signer = self._signer()
        seals: list[AuditSeal] = []
        while True:
            with self._uow() as uow:
                last_seq, _ = uow.audit.lock_head()
                first = uow.audit.last_sealed_seq() + 1
                if first > last_seq:
                    return seals
                last = min(last_seq, first + self._seal_batch - 1)
                hashes = [e.entry_hash for e in uow.audit.iter_entries(first, last)]
                root = merkle_root(hashes)
                now = self._clock.now_us()
                msg = seal_message(first, last, root, hashes[-1], signer.public_key_hex, now)
                seal = AuditSeal(
                    first, last, root, hashes[-1], signer.public_key_hex, now, signer.sign(msg).hex()
                )
                uow.audit.add_seal(seal)
                uow.commit()
            seals.append(seal)

    def verify(
        self, trusted_keys: set[str], progress: Callable[[int, int], None] | None = None
    ) -> VerifyReport:
        """Recompute the chain and check every seal; name the first broken entry.

        ``progress(done, total)`` is called every 1,000 entries.
        """
        with self._uow() as uow:
            total = uow.audit.last_seq()
            hashes: list[str] = []
            prev = GENESIS_HASH
            for entry in uow.audit.iter_entries():
                broken = _check_entry(entry, len(hashes) + 1, prev)
                if broken:
                    return VerifyReport(False, len(hashes), 0, 0, entry.seq, broken)
                hashes.append(entry.entry_hash)
                prev = entry.entry_hash
                if progress and len(hashes) % 1000 == 0:
                    progress(len(hashes), total)
            seals = 0
            sealed_through = 0
            for seal in uow.audit.iter_seals():
                broken = _check_seal(seal, sealed_through, hashes, trusted_keys)
                if broken:
                    return VerifyReport(False, len(hashes), seals, sealed_through, seal.first_seq, broken)
                seals += 1
                sealed_through = seal.last_seq
        return VerifyReport(True, len(hashes), seals, sealed_through)


def _check_entry(entry: AuditEntry, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {entry.seq}"
    if entry.prev_hash != prev:
        return "prev_hash does not match the previous entry's hash"
    if entry.computed_hash() != entry.entry_hash:
        return "entry content does not match its hash"
    return None


def _check_seal(seal: AuditSeal, sealed_through: int, hashes: list[str], trusted: set[str]) -> str | None:
    if seal.first_seq != sealed_through + 1 or seal.last_seq > len(hashes) or seal.last_seq < seal.first_seq:
        return f"seal range {seal.first_seq}-{seal.last_seq} does not continue the sealed prefix"
    batch = hashes[seal.first_seq - 1 : seal.last_seq]
    if merkle_root(batch) != seal.merkle_root or batch[-1] != seal.last_hash:
        return f"seal {seal.first_seq}-{seal.last_seq} does not match the entries it covers"
    if seal.signer_public_key not in trusted:
        return "seal signed by a key that is not trusted"
    try:
        ok = PublicKey.from_hex(seal.signer_public_key).verify(
            bytes.fromhex(seal.signature), seal.signed_message()
        )
    except (InvalidInput, ValueError):
        ok = False
    return None if ok else f"seal {seal.first_seq}-{seal.last_seq} has an invalid signature"
