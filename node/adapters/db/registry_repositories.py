"""SQL repositories of the asset registry."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, select, update

from node.adapters.db import tables as t
from node.asset_registry.model import (
    AccessMode,
    Asset,
    AssetVersion,
    Category,
    ColumnProfile,
    DslClass,
    Grade,
    Product,
    ProductStatus,
    QuarantinedRecord,
    QuarantineStatus,
    SourceSystem,
)
from node.asset_registry.ports import AssetFilter, ImportRecord, search_text


def _grade_json(g: Grade) -> dict[str, Any]:
    return {**asdict(g), "category": g.category.value, "dsl_class": g.dsl_class.value}


def _grade(d: dict[str, Any] | None) -> Grade | None:
    if d is None:
        return None
    return Grade(**{**d, "category": Category(d["category"]), "dsl_class": DslClass(d["dsl_class"])})


class SqlAssetRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, a: Asset) -> None:
        self._c.execute(
            insert(t.assets).values(
                id=a.id,
                name=a.name,
                table_name=a.table,
                connector=a.connector,
                source_uri=a.source_uri,
                source_system=a.source_system.value,
                owner_department=a.owner_department,
                update_frequency=a.update_frequency,
                scenarios=a.scenarios,
                rows=a.rows,
                columns=[asdict(c) for c in a.columns],
                suggested=_grade_json(a.suggested),
                confirmed=_grade_json(a.confirmed) if a.confirmed else None,
                level=a.grade.level,
                category=a.grade.category.value,
                import_id=a.import_id,
                source_digest=a.source_digest,
                storage_ref=a.storage_ref,
                derived_from=a.derived_from,
                created_at_us=a.created_at_us,
                version=a.version,
                quality=a.quality,
                search_text=search_text(a),
            )
        )
        self._version(a)

    def _version(self, a: Asset) -> None:
        self._c.execute(
            insert(t.asset_versions).values(
                asset_id=a.id,
                version=a.version,
                import_id=a.import_id,
                source_digest=a.source_digest,
                storage_ref=a.storage_ref,
                rows=a.rows,
                quality=a.quality,
                created_at_us=a.created_at_us,
            )
        )

    def add_version(self, a: Asset) -> None:
        self._c.execute(
            update(t.assets)
            .where(t.assets.c.id == a.id)
            .values(
                rows=a.rows,
                columns=[asdict(c) for c in a.columns],
                suggested=_grade_json(a.suggested),
                confirmed=_grade_json(a.confirmed) if a.confirmed else None,
                level=a.grade.level,
                category=a.grade.category.value,
                import_id=a.import_id,
                source_digest=a.source_digest,
                storage_ref=a.storage_ref,
                derived_from=a.derived_from,
                version=a.version,
                quality=a.quality,
                search_text=search_text(a),
            )
        )
        self._version(a)

    def current(self, connector: str, source_uri: str, table: str) -> Asset | None:
        row = self._c.execute(
            select(t.assets)
            .where(
                and_(
                    t.assets.c.connector == connector,
                    t.assets.c.source_uri == source_uri,
                    t.assets.c.table_name == table,
                )
            )
            .order_by(t.assets.c.created_at_us)
        ).first()
        return _asset(row) if row else None

    def versions(self, asset_id: str) -> list[AssetVersion]:
        rows = self._c.execute(
            select(t.asset_versions)
            .where(t.asset_versions.c.asset_id == asset_id)
            .order_by(t.asset_versions.c.version)
        )
        return [AssetVersion(**dict(r._mapping)) for r in rows]

    def get(self, asset_id: str) -> Asset | None:
        row = self._c.execute(select(t.assets).where(t.assets.c.id == asset_id)).first()
        return _asset(row) if row else None

    def all(self) -> list[Asset]:
        rows = self._c.execute(select(t.assets).order_by(t.assets.c.created_at_us, t.assets.c.id))
        return [_asset(r) for r in rows]

    def find(self, where: AssetFilter, offset: int = 0, limit: int | None = None) -> list[Asset]:
        q = (
            select(t.assets)
            .where(*_conditions(where))
            .order_by(t.assets.c.created_at_us, t.assets.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_asset(r) for r in self._c.execute(q)]

    def count(self, where: AssetFilter) -> int:
        q = select(func.count()).select_from(t.assets).where(*_conditions(where))
        return int(self._c.execute(q).scalar_one())

    def imports(self, offset: int, limit: int) -> tuple[list[ImportRecord], int]:
        v = t.asset_versions.c
        total = self._c.execute(select(func.count(func.distinct(v.import_id)))).scalar_one()
        at = func.min(v.created_at_us).label("at_us")
        page = self._c.execute(
            select(v.import_id, at, func.sum(v.rows).label("rows"))
            .group_by(v.import_id)
            .order_by(at.desc(), v.import_id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        ids = [r.import_id for r in page]
        members: dict[str, list[Asset]] = {i: [] for i in ids}
        q = (
            select(v.import_id.label("version_import_id"), t.assets)
            .join(t.assets, t.assets.c.id == v.asset_id)
            .where(v.import_id.in_(ids))
            .order_by(t.assets.c.created_at_us, t.assets.c.id)
        )
        for r in self._c.execute(q):
            members[r.version_import_id].append(_asset(r))
        records = [ImportRecord(r.import_id, int(r.at_us), int(r.rows), members[r.import_id]) for r in page]
        return records, int(total)

    def confirm(self, asset_id: str, grade: Grade) -> None:
        self._c.execute(
            update(t.assets)
            .where(t.assets.c.id == asset_id)
            .values(confirmed=_grade_json(grade), level=grade.level, category=grade.category.value)
        )


def _conditions(where: AssetFilter) -> list[Any]:
    c = t.assets.c
    conditions: list[Any] = []
    if where.text:
        conditions.append(c.search_text.contains(where.text.lower(), autoescape=True))
    if where.level is not None:
        conditions.append(c.level == where.level)
    if where.category is not None:
        conditions.append(c.category == where.category)
    if where.source_system is not None:
        conditions.append(c.source_system == where.source_system.upper())
    return conditions


def _asset(r: Row[Any]) -> Asset:
    suggested = _grade(r.suggested)
    assert suggested is not None
    return Asset(
        id=r.id,
        name=r.name,
        table=r.table_name,
        connector=r.connector,
        source_uri=r.source_uri,
        source_system=SourceSystem(r.source_system),
        owner_department=r.owner_department,
        update_frequency=r.update_frequency,
        scenarios=list(r.scenarios),
        rows=r.rows,
        columns=[ColumnProfile(**c) for c in r.columns],
        suggested=suggested,
        confirmed=_grade(r.confirmed),
        import_id=r.import_id,
        source_digest=r.source_digest,
        storage_ref=r.storage_ref,
        created_at_us=r.created_at_us,
        derived_from=list(r.derived_from),
        version=r.version,
        quality=dict(r.quality or {}),
    )


class SqlProductRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, p: Product) -> None:
        self._c.execute(
            insert(t.products).values(
                **{**asdict(p), "access_mode": p.access_mode.value, "status": p.status.value}
            )
        )

    def get(self, product_id: str) -> Product | None:
        row = self._c.execute(select(t.products).where(t.products.c.id == product_id)).first()
        return _product(row) if row else None

    def all(self) -> list[Product]:
        rows = self._c.execute(select(t.products).order_by(t.products.c.created_at_us, t.products.c.id))
        return [_product(r) for r in rows]

    def set_status(self, product_id: str, status: ProductStatus) -> None:
        self._c.execute(update(t.products).where(t.products.c.id == product_id).values(status=status.value))


def _product(r: Row[Any]) -> Product:
    m = dict(r._mapping)
    return Product(**{**m, "access_mode": AccessMode(m["access_mode"]), "status": ProductStatus(m["status"])})


class SqlQuarantineRepository:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def add(self, r: QuarantinedRecord) -> None:
        self._c.execute(insert(t.quarantined_records).values(**{**asdict(r), "status": r.status.value}))

    def get(self, record_id: str) -> QuarantinedRecord | None:
        row = self._c.execute(
            select(t.quarantined_records).where(t.quarantined_records.c.id == record_id)
        ).first()
        return _quarantined(row) if row else None

    def list(
        self, status: QuarantineStatus | None = None, import_id: str | None = None
    ) -> list[QuarantinedRecord]:
        q = select(t.quarantined_records).order_by(
            t.quarantined_records.c.created_at_us, t.quarantined_records.c.id
        )
        if status is not None:
            q = q.where(t.quarantined_records.c.status == status.value)
        if import_id is not None:
            q = q.where(t.quarantined_records.c.import_id == import_id)
        return [_quarantined(r) for r in self._c.execute(q)]

    def resolve(self, record_id: str, status: QuarantineStatus, by: str, at_us: int, resolution: str) -> None:
        self._c.execute(
            update(t.quarantined_records)
            .where(t.quarantined_records.c.id == record_id)
            .values(
                status=status.value, resolved_by=by, resolved_at_us=at_us, resolution=resolution, payload=None
            )
        )


def _quarantined(r: Row[Any]) -> QuarantinedRecord:
    m = dict(r._mapping)
    return QuarantinedRecord(**{**m, "status": QuarantineStatus(m["status"])})
