"""Import and grade assets; publish data products built on them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from node.asset_registry import grading, quality
from node.asset_registry.model import (
    MODES_BY_LEVEL,
    AccessMode,
    Asset,
    AssetVersion,
    Category,
    DslClass,
    Grade,
    Product,
    ProductStatus,
    QuarantinedRecord,
    QuarantineStatus,
    SourceSystem,
)
from node.asset_registry.notes import NoteDeidentifier, TextDeidentifier
from node.asset_registry.pii import PERSON_KEY
from node.asset_registry.ports import (
    AssetFilter,
    AssetStore,
    DataSource,
    ImportRecord,
    PiiDetector,
    RegistryUnitOfWork,
    TableWriter,
)
from node.asset_registry.profiling import TableProfiler
from node.asset_registry.quality import TableQuality
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.errors import Conflict, InvalidInput, NodeError, NotFound
from node.identity.model import PARTNER_ROLES
from node.ports import Clock, PolicyEngine

TABLE_TITLES = {
    "patients": "患者基本信息",
    "encounters": "就诊记录",
    "conditions": "诊断记录",
    "observations": "检验检查结果",
    "medications": "用药医嘱",
    "diagnostic_reports": "检查报告",
    "procedures": "手术操作",
    "dicom_instances": "医学影像元数据",
    "documents": "临床文书",
    "immunizations": "预防接种",
    "allergies": "过敏史",
    "claims": "医保结算与理赔",
    "claim_items": "结算明细",
    "coverages": "参保信息",
    "charges": "费用明细",
    "orders": "医嘱申请",
    "patient_merges": "患者合并记录",
}


MAX_DEIDENTIFIED_KEPT = 20_000  # de-identified texts remembered within one import (bounded memory)


@dataclass(frozen=True)
class ImportOptions:
    owner_department: str = "信息中心"
    update_frequency: str = "daily"
    scenarios: list[str] = field(default_factory=list)
    source_system: SourceSystem | None = None  # default: what the connector says
    keep_raw_text: bool = False  # store clinical free text as written (the asset is then level 4 at least)


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    assets: list[Asset]
    rows: int
    records: int = 0  # source records read (resources, messages; rows for tables)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"id", "where", "reason"}
    unmapped: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)  # assets whose source had not changed
    alerts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # asset id -> broken rules


@dataclass
class _ImportTexts:
    """One import's free-text de-identifier (its own pseudonym key, drawn when first needed) and the
    texts it has de-identified."""

    notes: TextDeidentifier | None = None
    done: dict[str, str] = field(default_factory=dict)
    done_short: dict[str, str] = field(default_factory=dict)  # short values (``source.short_text``)


def _outcome(source: DataSource) -> tuple[list[Any], dict[str, int], int | None]:
    """What a connector reports beside its batches: rejected records, unmapped types, records read."""
    return (
        list(getattr(source, "rejected", [])),
        dict(getattr(source, "unmapped", {})),
        getattr(source, "records", None),
    )


class AssetService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        store: AssetStore,
        detector: PiiDetector,
        deidentifier: Callable[[], TextDeidentifier] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._store = store
        self._detector = detector
        self._deidentifier = deidentifier or NoteDeidentifier
        self._recognizers: TextDeidentifier | None = None  # loaded once; each import draws its own key

    def import_source(
        self,
        actor: str,
        source: DataSource,
        options: ImportOptions | None = None,
        progress: Callable[[int], None] | None = None,
        append: bool = False,
    ) -> ImportResult:
        """Read, store, profile, check and grade every table of ``source``; register all of them or none.
        A table imported before from the same source becomes a new version of its asset (``append``: the
        new rows are added to the current version's rows). Records the connector quarantined are sealed
        and kept in the same transaction."""
        options = options or ImportOptions()
        import_id = "im_" + secrets.token_hex(8)
        try:
            return self._import(actor, source, options, import_id, progress, append)
        except NodeError as exc:
            self._audit.record_now(
                AuditEvent(
                    actor,
                    "asset.import",
                    "import",
                    import_id,
                    Outcome.FAILED,
                    {"connector": source.info.connector, "code": exc.code},
                )
            )
            raise

    def _free_text(
        self, source: DataSource, table: str, batch: Any, options: ImportOptions, texts: _ImportTexts
    ) -> Any:
        """``batch`` with its free-text columns de-identified by this import's de-identifier. ``texts``
        holds this import's texts already de-identified (results, comments and statuses repeat; the
        result is the same within an import)."""
        full = [c for c in getattr(source, "free_text", {}).get(table, ()) if c in batch.columns]
        short = [c for c in getattr(source, "short_text", {}).get(table, ()) if c in batch.columns]
        if not (full or short) or options.keep_raw_text:
            return batch
        if texts.notes is None:
            if self._recognizers is None:
                self._recognizers = self._deidentifier()
            texts.notes = self._recognizers.for_import()
        batch = batch.copy()
        notes = texts.notes
        for columns, deidentify, done in (
            (full, notes.deidentify, texts.done),
            (short, notes.deidentify_short, texts.done_short),
        ):
            for c in columns:  # each distinct text once; the column is rewritten by pandas, not row by row
                present = batch[c].notna()
                if not present.any():
                    continue
                mapping: dict[Any, Any] = {}
                for v in batch.loc[present, c].unique():
                    if isinstance(v, str) and v:
                        if v not in done:
                            if len(done) >= MAX_DEIDENTIFIED_KEPT:
                                done.clear()
                            done[v] = deidentify(v)
                        mapping[v] = done[v]
                    else:
                        mapping[v] = v
                batch.loc[present, c] = batch.loc[present, c].map(mapping)
        return batch

    def _import(
        self,
        actor: str,
        source: DataSource,
        options: ImportOptions,
        import_id: str,
        progress: Callable[[int], None] | None,
        append: bool,
    ) -> ImportResult:
        writers: dict[str, TableWriter] = {}
        profilers: dict[str, TableProfiler] = {}
        checks: dict[str, TableQuality] = {}
        refs: dict[str, str] = {}
        rows = 0
        now = pd.Timestamp(self._clock.now_us(), unit="us", tz="UTC")
        texts = _ImportTexts()
        try:
            for table, batch in source.batches():
                batch = self._free_text(source, table, batch, options, texts)
                if table not in writers:
                    writers[table] = self._store.writer()
                    profilers[table] = TableProfiler(grading.classify)
                    checks[table] = TableQuality(table, now=now)
                    if append:
                        self._copy_current(source, table, writers[table], profilers[table], checks[table])
                writers[table].write(batch)
                profilers[table].add(batch)
                checks[table].add(batch)
                rows += len(batch)
                if progress:
                    progress(rows)
            rejected, unmapped, records = _outcome(source)
            if not writers and not rejected:
                raise InvalidInput(f"{source.info.uri}: the source holds no records", code="source_empty")
            for table, writer in writers.items():
                refs[table] = writer.commit()
        except BaseException:
            for table, writer in writers.items():
                if table not in refs:
                    writer.abort()
            for ref in refs.values():
                self._store.delete(ref)
            raise
        try:
            drafts = {
                t: self._asset(t, profilers[t], refs[t], source, options, import_id, checks) for t in writers
            }
            return self._register(actor, source, import_id, drafts, refs, rows, rejected, unmapped, records)
        except BaseException:
            for ref in refs.values():
                self._store.delete(ref)
            raise

    def _copy_current(
        self, source: DataSource, table: str, writer: TableWriter, prof: TableProfiler, check: TableQuality
    ) -> None:
        with self._uow() as uow:
            current = uow.assets.current(source.info.connector, source.info.uri, table)
        if current is None:
            return
        for part in self._store.read(current.storage_ref):
            writer.write(part)
            prof.add(part)
            check.add(part)

    def _register(
        self,
        actor: str,
        source: DataSource,
        import_id: str,
        drafts: dict[str, Asset],
        refs: dict[str, str],
        rows: int,
        rejected: list[Any],
        unmapped: dict[str, int],
        records: int | None,
    ) -> ImportResult:
        now = self._clock.now_us()
        assets: list[Asset] = []
        unchanged: list[str] = []
        alerts: dict[str, list[dict[str, Any]]] = {}
        events: list[AuditEvent] = []
        quarantined: list[dict[str, str]] = []
        with self._uow() as uow:
            for table, draft in drafts.items():
                prev = uow.assets.current(source.info.connector, source.info.uri, table)
                if prev is None:
                    uow.assets.add(draft)
                    assets.append(draft)
                    events.append(
                        AuditEvent(
                            actor,
                            "asset.register",
                            "asset",
                            draft.id,
                            details={"table": table, "rows": draft.rows, "level": draft.suggested.level},
                        )
                    )
                    continue
                if prev.source_digest == draft.source_digest:  # the same content again: nothing new
                    self._store.delete(refs[table])
                    assets.append(prev)
                    unchanged.append(prev.id)
                    continue
                broken = quality.alerts(prev.quality.get("rules", []), draft.quality.get("rules", []))
                keep = (
                    prev.confirmed
                    if prev.confirmed and prev.confirmed.level >= draft.suggested.level
                    else None
                )
                version = replace(
                    draft,
                    id=prev.id,
                    name=prev.name,
                    version=prev.version + 1,
                    derived_from=[f"{prev.id}@v{prev.version}"],
                    confirmed=keep,
                    quality={**draft.quality, "alerts": broken},
                    owner_department=prev.owner_department,
                    created_at_us=prev.created_at_us,
                )
                uow.assets.add_version(version)
                assets.append(version)
                events.append(
                    AuditEvent(
                        actor,
                        "asset.version",
                        "asset",
                        prev.id,
                        details={
                            "version": version.version,
                            "rows": version.rows,
                            "level": version.suggested.level,
                            "confirmed_grade_kept": keep is not None,
                        },
                    )
                )
                if broken:
                    alerts[prev.id] = broken
                    events.append(
                        AuditEvent(
                            actor,
                            "asset.quality_alert",
                            "asset",
                            prev.id,
                            details={
                                "version": version.version,
                                "rules": [f"{b['rule']}:{b['column']}" for b in broken],
                            },
                        )
                    )
            for i, r in enumerate(rejected):
                rid = "qr_" + secrets.token_hex(8)
                uow.quarantine.add(
                    QuarantinedRecord(
                        id=rid,
                        import_id=import_id,
                        connector=source.info.connector,
                        source_uri=source.info.uri,
                        location=r.where[:500],
                        reason=r.reason[:500],
                        status=QuarantineStatus.HELD,
                        created_at_us=now + i,  # keeps the source's order in listings
                        payload=self._store.seal_record(rid, r.payload),
                    )
                )
                quarantined.append({"id": rid, "where": r.where, "reason": r.reason})
            events.append(
                AuditEvent(
                    actor,
                    "asset.import",
                    "import",
                    import_id,
                    details={
                        "connector": source.info.connector,
                        "tables": len(assets),
                        "rows": rows,
                        "records": records if records is not None else rows,
                        "rejected": len(rejected),
                        "unmapped": sum(unmapped.values()),
                        "source_digest": source.digest,
                    },
                )
            )
            self._audit.record(uow, *events)
            uow.commit()
        return ImportResult(
            import_id,
            assets,
            rows,
            records if records is not None else rows,
            quarantined,
            unmapped,
            unchanged,
            alerts,
        )

    def _asset(
        self,
        table: str,
        prof: TableProfiler,
        ref: str,
        source: DataSource,
        options: ImportOptions,
        import_id: str,
        checks: dict[str, TableQuality],
    ) -> Asset:
        columns = prof.columns(self._detector)
        key = next((c for c in columns if PERSON_KEY.match(c.name)), None)
        persons = key.distinct if key else None
        raw_text = options.keep_raw_text and bool(
            getattr(source, "free_text", {}).get(table) or getattr(source, "short_text", {}).get(table)
        )
        suggested = grading.suggest(
            table, {c.name: c.pii for c in columns}, prof.rows, persons, prof.sensitive_codes(), raw_text
        )
        rules = checks[table].results(checks, options.update_frequency)
        return Asset(
            id="as_" + secrets.token_hex(8),
            name=f"{TABLE_TITLES.get(table, table)} ({table})",
            table=table,
            connector=source.info.connector,
            source_uri=source.info.uri,
            source_system=options.source_system or source.info.source_system,
            owner_department=options.owner_department,
            update_frequency=options.update_frequency,
            scenarios=list(options.scenarios),
            rows=prof.rows,
            columns=columns,
            suggested=replace(suggested, at_us=self._clock.now_us()),
            confirmed=None,
            import_id=import_id,
            source_digest=source.digest,
            storage_ref=ref,
            created_at_us=self._clock.now_us(),
            quality=quality.summary(rules, []),
        )

    def versions(self, asset_id: str) -> list[AssetVersion]:
        with self._uow() as uow:
            if uow.assets.get(asset_id) is None:
                raise NotFound(f"asset {asset_id} not found", code="asset_not_found")
            return uow.assets.versions(asset_id)

    # ------------------------------------------------------------ catalog

    def get(self, asset_id: str) -> Asset:
        with self._uow() as uow:
            a = uow.assets.get(asset_id)
        if a is None:
            raise NotFound(f"asset {asset_id} not found", code="asset_not_found")
        return a

    def search(
        self,
        text: str | None = None,
        level: int | None = None,
        category: str | None = None,
        source_system: str | None = None,
    ) -> list[Asset]:
        with self._uow() as uow:
            return uow.assets.find(AssetFilter(text or "", level, category, source_system))

    def page(self, where: AssetFilter, offset: int, limit: int) -> tuple[list[Asset], int]:
        """One page of the matching assets in registration order, and how many match in all."""
        with self._uow() as uow:
            return uow.assets.find(where, offset, limit), uow.assets.count(where)

    def imports(self, offset: int, limit: int) -> tuple[list[ImportRecord], int]:
        """One page of the imports, newest first, and how many there are."""
        with self._uow() as uow:
            return uow.assets.imports(offset, limit)

    def grade(
        self,
        actor: str,
        asset_id: str,
        level: int,
        reason: str,
        category: str | None = None,
        dsl_class: str | None = None,
    ) -> Asset:
        """The officer confirms (same level) or overrides the suggestion; published products the new
        level no longer allows are retired in the same transaction."""
        if not 1 <= level <= 5:
            raise InvalidInput("level must be between 1 and 5", code="level_out_of_range")
        if len(reason.strip()) < 2:
            raise InvalidInput("a reason is required for a grade decision", code="reason_required")
        try:
            cat = Category(category) if category else None
            dsl = DslClass(dsl_class) if dsl_class else None
        except ValueError:
            raise InvalidInput("unknown category or Data Security Law class", code="grade_invalid") from None
        with self._uow() as uow:
            asset = uow.assets.get(asset_id)
            if asset is None:
                raise NotFound(f"asset {asset_id} not found", code="asset_not_found")
            base = asset.grade
            grade = Grade(
                level,
                cat or base.category,
                dsl or base.dsl_class,
                [reason.strip()],
                actor,
                self._clock.now_us(),
            )
            uow.assets.confirm(asset_id, grade)
            decision = "confirm" if level == asset.suggested.level else "override"
            events = [
                AuditEvent(
                    actor,
                    "asset.grade",
                    "asset",
                    asset_id,
                    details={"decision": decision, "from": base.level, "to": level},
                )
            ]
            for p in uow.products.all():
                if (
                    asset_id in p.asset_ids
                    and p.status == ProductStatus.PUBLISHED
                    and p.access_mode not in MODES_BY_LEVEL[level]
                ):
                    uow.products.set_status(p.id, ProductStatus.RETIRED)
                    events.append(
                        AuditEvent(
                            actor,
                            "product.retire",
                            "product",
                            p.id,
                            details={"reason": "grade_disallows_mode", "level": level},
                        )
                    )
            self._audit.record(uow, *events)
            uow.commit()
        return replace(asset, confirmed=grade)


POLICY_KEYS = {
    # contract limits a product offers (see node.asset_registry.offers)
    *("purposes", "max_uses", "valid_days", "min_cohort", "k", "epsilon", "prohibitions", "duties"),
    # how an anonymized extract is produced (see node.asset_registry.extracts)
    *("quasi", "sensitive", "l", "max_suppression"),
    # the cohorts an HE aggregate may be asked about: ICD-10 prefixes (E11) or SYSTEM|PREFIX
    # (snomed_ct|44054006, atc|A10B, a local system), see node.asset_registry.clinical.CohortCode
    "cohorts",
    # identity-linked uses (PSI) need the patient's consent for the partner and purpose (PIPL)
    "consent_required",
    # PSI: the largest and smallest member list per run; "count" reveals only the intersection's size
    *("max_members", "min_members", "psi_reveal"),
    # aggregate queries: the columns a partner may group by and the measures it may ask for
    *("dimensions", "measures"),
    # settlement: the FHIR Claim fields a claim may carry (minimum necessary; see node.settlement.claim)
    "claim_fields",
    # federated training: the features and outcomes a job may name, published lab scales
    *("features", "outcomes", "scales"),
}


class ProductService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        audit: AuditLog,
        clock: Clock,
        policy: PolicyEngine,
    ) -> None:
        self._uow = uow_factory
        self._audit = audit
        self._clock = clock
        self._policy = policy

    def create(
        self,
        actor: str,
        name: str,
        asset_ids: list[str],
        access_mode: str,
        visible_to: list[str],
        policy_template: dict[str, Any] | None = None,
        description: str = "",
    ) -> Product:
        try:
            mode = AccessMode(access_mode)
        except ValueError:
            modes = ", ".join(m.value for m in AccessMode)
            raise InvalidInput(
                f"unknown access mode '{access_mode}'; known: {modes}", code="mode_unknown"
            ) from None
        if not asset_ids:
            raise InvalidInput("a product needs at least one asset", code="assets_missing")
        bad_roles = sorted(set(visible_to) - {r.value for r in PARTNER_ROLES})
        if bad_roles or not visible_to:
            raise InvalidInput(
                "visible_to must name partner roles (insurer, researcher, hospital, coordinator)",
                code="roles_invalid",
            )
        template = dict(policy_template or {})
        unknown = sorted(set(template) - POLICY_KEYS)
        if unknown:
            raise InvalidInput(
                f"unknown policy template keys: {', '.join(unknown)}", code="policy_template_invalid"
            )
        with self._uow() as uow:
            for aid in asset_ids:
                asset = uow.assets.get(aid)
                if asset is None:
                    raise NotFound(f"asset {aid} not found", code="asset_not_found")
                if mode not in MODES_BY_LEVEL[asset.grade.level]:
                    raise InvalidInput(
                        f"asset {aid} is level {asset.grade.level}: mode {mode.value} is not allowed "
                        "(level 4-5 data never leaves: only aggregates, HE queries, federated training "
                        "and, up to level 4, PSI)",
                        code="mode_not_allowed_for_grade",
                    )
            product = Product(
                id="pd_" + secrets.token_hex(8),
                name=name.strip(),
                description=description.strip(),
                asset_ids=list(asset_ids),
                access_mode=mode,
                policy_template=template,
                visible_to=sorted(set(visible_to)),
                status=ProductStatus.DRAFT,
                created_by=actor,
                created_at_us=self._clock.now_us(),
            )
            if any(p.name == product.name for p in uow.products.all()):
                raise Conflict(f"a product named '{product.name}' exists", code="product_exists")
            uow.products.add(product)
            self._audit.record(
                uow,
                AuditEvent(
                    actor,
                    "product.create",
                    "product",
                    product.id,
                    details={"mode": mode.value, "assets": len(asset_ids)},
                ),
            )
            uow.commit()
        return product

    def set_status(self, actor: str, product_id: str, status: ProductStatus) -> Product:
        allowed = {
            ProductStatus.PUBLISHED: {ProductStatus.DRAFT},
            ProductStatus.RETIRED: {ProductStatus.DRAFT, ProductStatus.PUBLISHED},
        }
        with self._uow() as uow:
            p = uow.products.get(product_id)
            if p is None:
                raise NotFound(f"product {product_id} not found", code="product_not_found")
            if p.status not in allowed.get(status, set()):
                raise Conflict(
                    f"product is {p.status.value}; cannot become {status.value}", code="product_state_invalid"
                )
            uow.products.set_status(product_id, status)
            self._audit.record(
                uow,
                AuditEvent(
                    actor,
                    f"product.{'publish' if status == ProductStatus.PUBLISHED else 'retire'}",
                    "product",
                    product_id,
                ),
            )
            uow.commit()
        return replace(p, status=status)

    def get(self, product_id: str) -> Product:
        with self._uow() as uow:
            p = uow.products.get(product_id)
        if p is None:
            raise NotFound(f"product {product_id} not found", code="product_not_found")
        return p

    def visible(self, roles: frozenset[str] | None) -> list[Product]:
        """Staff (roles None) see every product; for partners the ``catalog`` policy decides, product by
        product (published and offered to one of their roles, as the shipped policy says)."""
        with self._uow() as uow:
            products = uow.products.all()
        if roles is None:
            return products
        principal = {"roles": sorted(roles)}
        return [
            p
            for p in products
            if self._policy.decide(
                "catalog",
                {
                    "principal": principal,
                    "product": {"id": p.id, "status": p.status.value, "visible_to": p.visible_to},
                },
            ).allow
        ]
