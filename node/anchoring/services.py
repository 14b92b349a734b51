"""Anchoring: the outbox of digests waiting for the chain, its delivery with retries, Merkle batches of
audit entries, and their inclusion proofs. What an anchor means to the object it stands for (a signed
contract becomes active) is a hook per kind, run in the transaction that records the anchor.

A digest enters the outbox in the same transaction as what it stands for (a signed contract, a batch
of audit entries). The worker anchors it later; a chain that is down only delays delivery. Delivery
first looks the digest up on the chain, and the registry refuses a second write, so a crash between
the chain's receipt and our commit never anchors twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from node.anchoring.ports import AnchoringUnitOfWork, AuditBatch, OutboxItem
from node.audit.model import AuditEvent, Outcome, merkle_proof, merkle_root, verify_merkle_proof
from node.audit.services import AuditLog
from node.errors import DependencyUnavailable, InvalidInput, NotFound
from node.ports import AnchorReceipt, ChainAnchor, Clock

U = TypeVar("U", bound=AnchoringUnitOfWork)
# run inside the transaction that records an anchor of its kind; may return work for after the commit
AnchoredHook = Callable[[U, OutboxItem], Callable[[], None] | None]

MAX_BACKOFF_US = 600_000_000


@dataclass(frozen=True)
class DeliveryReport:
    delivered: list[AnchorReceipt]
    failed: list[tuple[str, str]]  # (outbox id, error code)
    pending: int
    reasons: dict[str, str] = field(default_factory=dict)  # error code -> what happened

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": [r.as_dict() for r in self.delivered],
            "failed": [{"id": i, "error": e, "reason": self.reasons.get(e, "")} for i, e in self.failed],
            "pending": self.pending,
        }


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    entry_hash: str
    index: int
    batch_first_seq: int
    batch_last_seq: int
    path: list[tuple[str, str]]
    merkle_root: str
    anchor: AnchorReceipt | None

    def verifies(self) -> bool:
        return verify_merkle_proof(self.entry_hash, self.path, self.merkle_root)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "index": self.index,
            "batch": [self.batch_first_seq, self.batch_last_seq],
            "path": [{"side": s, "hash": h} for s, h in self.path],
            "merkle_root": self.merkle_root,
            "anchor": self.anchor.as_dict() if self.anchor else None,
        }


class AnchorService(Generic[U]):
    def __init__(
        self,
        uow_factory: Callable[[], U],
        audit: AuditLog,
        clock: Clock,
        chain: Callable[[], ChainAnchor],
        on_anchored: Mapping[str, AnchoredHook[U]] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._chain = chain
        self._hooks = dict(on_anchored or {})

    # -- delivery --------------------------------------------------------------------------------
    def deliver(self, limit: int = 50) -> DeliveryReport:
        """Anchor what is due in the outbox; failures are rescheduled with exponential backoff."""
        delivered: list[AnchorReceipt] = []
        failed: list[tuple[str, str]] = []
        reasons: dict[str, str] = {}
        with self._uow() as uow:
            items = uow.outbox.due(self._clock.now_us(), limit)
        chain: ChainAnchor | None = None
        for item in items:
            # the chain is called outside any database transaction: a slow chain holds no locks
            try:
                chain = chain or self._chain()
                receipt = chain.anchor(item.digest, item.kind, item.ref)
            except (DependencyUnavailable, InvalidInput) as exc:
                with self._uow() as uow:
                    self._reschedule(uow, item, exc.code)
                    uow.commit()
                failed.append((item.id, exc.code))
                reasons[exc.code] = exc.message
                continue
            with self._uow() as uow:
                after_commit = self._record(uow, item, receipt)
                uow.commit()
            if after_commit is not None:
                after_commit()
            delivered.append(receipt)
        return DeliveryReport(delivered, failed, len(self.pending()), reasons)

    def _reschedule(self, uow: U, item: OutboxItem, code: str) -> None:
        now = self._clock.now_us()
        backoff = min(MAX_BACKOFF_US, 1_000_000 * 2 ** min(item.attempts, 20))
        uow.outbox.failed(item.id, code, now + backoff)
        self._audit.record(
            uow,
            AuditEvent(
                "system",
                "anchor.deliver",
                item.kind,
                item.ref,
                Outcome.FAILED,
                {"digest": item.digest, "attempt": item.attempts + 1, "error": code},
            ),
        )

    def _record(self, uow: U, item: OutboxItem, receipt: AnchorReceipt) -> Callable[[], None] | None:
        if uow.anchors.get(receipt.digest) is None:
            uow.anchors.add(receipt)
        uow.outbox.delivered(item.id, self._clock.now_us())
        self._audit.record(
            uow,
            AuditEvent(
                "system",
                "anchor.deliver",
                item.kind,
                item.ref,
                details={"digest": item.digest, "tx": receipt.tx_hash, "block": receipt.block_number},
            ),
        )
        hook = self._hooks.get(item.kind)
        return hook(uow, item) if hook is not None else None

    def enqueue(self, kind: str, ref: str, digest: str) -> OutboxItem:
        """Queue a digest of something already committed (e.g. a model file) for anchoring."""
        item = OutboxItem("ob_" + secrets.token_hex(8), kind, ref, digest, self._clock.now_us())
        with self._uow() as uow:
            uow.outbox.add(item)
            self._audit.record(
                uow, AuditEvent("system", "anchor.enqueue", kind, ref, details={"digest": digest})
            )
            uow.commit()
        return item

    def pending(self) -> list[OutboxItem]:
        with self._uow() as uow:
            return uow.outbox.pending()

    # -- audit batches ---------------------------------------------------------------------------
    def batch_audit(self) -> AuditBatch | None:
        """Close a batch over the audit entries not yet batched and queue its Merkle root."""
        with self._uow() as uow:
            last, _ = uow.audit.lock_head()
            previous = uow.anchors.last_batch()
            first = previous.last_seq + 1 if previous else 1
            if first > last:
                return None
            hashes = [e.entry_hash for e in uow.audit.iter_entries(first, last)]
            batch = AuditBatch(first, last, merkle_root(hashes), self._clock.now_us())
            uow.anchors.add_batch(batch)
            uow.outbox.add(
                OutboxItem(
                    "ob_" + secrets.token_hex(8),
                    "audit_batch",
                    f"audit:{first}-{last}",
                    batch.merkle_root,
                    batch.created_at_us,
                )
            )
            uow.commit()
        self._audit.record_now(
            AuditEvent(
                "system",
                "audit.batch",
                "audit_batch",
                f"audit:{first}-{last}",
                details={"entries": last - first + 1, "merkle_root": batch.merkle_root},
            )
        )
        return batch

    def prove(self, seq: int) -> InclusionProof:
        with self._uow() as uow:
            batch = uow.anchors.batch_containing(seq)
            if batch is None:
                raise NotFound(
                    f"audit entry {seq} is in no batch yet: run `hnode audit anchor`",
                    code="entry_not_batched",
                )
            hashes = [e.entry_hash for e in uow.audit.iter_entries(batch.first_seq, batch.last_seq)]
            anchor = uow.anchors.get(batch.merkle_root)
        index = seq - batch.first_seq
        return InclusionProof(
            seq=seq,
            entry_hash=hashes[index],
            index=index,
            batch_first_seq=batch.first_seq,
            batch_last_seq=batch.last_seq,
            path=merkle_proof(hashes, index),
            merkle_root=batch.merkle_root,
            anchor=anchor,
        )

    def anchor_audit(self) -> tuple[AuditBatch | None, DeliveryReport]:
        """Batch the new audit entries and deliver what is queued, now (``hnode audit anchor``)."""
        batch = self.batch_audit()
        return batch, self.deliver()

    def check_proof(self, proof: InclusionProof) -> dict[str, bool]:
        """Does the path lead to the root, and is that root on the chain where the node recorded it?
        A chain that cannot be asked raises ``DependencyUnavailable`` saying why: that is not "no"."""
        on_chain = False
        if proof.anchor is not None:
            found = self._chain().find(proof.merkle_root)
            on_chain = found is not None and found == proof.anchor
        return {"path_leads_to_root": proof.verifies(), "root_anchored_on_chain": on_chain}
