"""The quarantine: records an import kept out, sealed, until the data officer fixes or discards them.

Listing shows where and why (never the record). Reading a record decrypts it for the officer and is
audited. A fix is the corrected record read again by the same connector and appended to the current
version of its table's asset (a new version); a discard erases the sealed record. Both keep the entry
with who resolved it and when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pandas as pd

from node.asset_registry.model import QuarantinedRecord, QuarantineStatus
from node.asset_registry.ports import AssetStore, DataSource, RegistryUnitOfWork, SourceInfo
from node.asset_registry.services import AssetService, ImportOptions, ImportResult
from node.audit.model import AuditEvent
from node.audit.services import AuditLog
from node.errors import Conflict, InvalidInput, NotFound
from node.ports import Clock

# (connector, corrected record, where it came from) -> a source reading that record, rejecting if bad
Reopen = Callable[[str, bytes, str], DataSource]


class _AsOriginal:
    """The corrected record, read as part of the source it was quarantined from."""

    def __init__(self, inner: DataSource, info: SourceInfo) -> None:
        self._inner = inner
        self.info = info

    def batches(self) -> Iterator[tuple[str, pd.DataFrame]]:
        return self._inner.batches()

    @property
    def digest(self) -> str:
        return self._inner.digest

    @property
    def records(self) -> int | None:
        return getattr(self._inner, "records", None)

    @property
    def free_text(self) -> dict[str, tuple[str, ...]]:
        return dict(getattr(self._inner, "free_text", {}))

    @property
    def short_text(self) -> dict[str, tuple[str, ...]]:
        return dict(getattr(self._inner, "short_text", {}))


class QuarantineService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        store: AssetStore,
        assets: AssetService,
        reopen: Reopen,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._store = store
        self._assets = assets
        self._reopen = reopen

    def list(self, status: str | None = "held", import_id: str | None = None) -> list[QuarantinedRecord]:
        try:
            wanted = QuarantineStatus(status) if status else None
        except ValueError:
            raise InvalidInput(
                "status must be held, fixed or discarded", code="quarantine_status_invalid"
            ) from None
        with self._uow() as uow:
            found = uow.quarantine.list(wanted, import_id)
        return [replace(r, payload=None) for r in found]

    def _held(self, uow: RegistryUnitOfWork, record_id: str) -> QuarantinedRecord:
        r = uow.quarantine.get(record_id)
        if r is None:
            raise NotFound(f"quarantined record {record_id} not found", code="quarantine_not_found")
        if r.status != QuarantineStatus.HELD or r.payload is None:
            raise Conflict(f"quarantined record {record_id} is {r.status.value}", code="quarantine_resolved")
        return r

    def read(self, actor: str, record_id: str) -> bytes:
        """The record as it arrived, for the officer to correct (audited)."""
        with self._uow() as uow:
            r = self._held(uow, record_id)
            assert r.payload is not None
            data = self._store.open_record(r.id, r.payload)
            self._audit.record(uow, AuditEvent(actor, "quarantine.read", "quarantined_record", r.id))
            uow.commit()
        return data

    def discard(self, actor: str, record_id: str, reason: str) -> QuarantinedRecord:
        if len(reason.strip()) < 2:
            raise InvalidInput("a reason is required to discard a record", code="reason_required")
        now = self._clock.now_us()
        with self._uow() as uow:
            r = self._held(uow, record_id)
            uow.quarantine.resolve(r.id, QuarantineStatus.DISCARDED, actor, now, reason.strip()[:500])
            self._audit.record(
                uow,
                AuditEvent(
                    actor, "quarantine.discard", "quarantined_record", r.id, details={"import": r.import_id}
                ),
            )
            uow.commit()
        return replace(
            r, status=QuarantineStatus.DISCARDED, payload=None, resolved_by=actor, resolved_at_us=now
        )

    def fix(self, actor: str, record_id: str, corrected: bytes) -> ImportResult:
        """Read the corrected record with the connector it came from and append it to its asset."""
        with self._uow() as uow:
            r = self._held(uow, record_id)
        source = self._reopen(r.connector, corrected, r.location)
        original = _AsOriginal(source, replace(source.info, uri=r.source_uri))
        result = self._assets.import_source(actor, original, ImportOptions(), append=True)
        now = self._clock.now_us()
        with self._uow() as uow:
            self._held(uow, record_id)
            uow.quarantine.resolve(
                record_id, QuarantineStatus.FIXED, actor, now, f"fixed by import {result.import_id}"
            )
            self._audit.record(
                uow,
                AuditEvent(
                    actor,
                    "quarantine.fix",
                    "quarantined_record",
                    record_id,
                    details={"import": result.import_id, "rows": result.rows},
                ),
            )
            uow.commit()
        return result
