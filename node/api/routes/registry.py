"""Assets, grades, data products and the DCAT catalog."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Depends, Query, Response, status

from node.api.deps import ANY_ROLE, STAFF, container, require
from node.api.schemas_registry import (
    AssetOut,
    AssetVersionOut,
    CatalogOut,
    DiscardIn,
    ExtractOut,
    FixedOut,
    FixIn,
    GradeIn,
    ImportIn,
    ImportOut,
    ProductIn,
    ProductOut,
    QuarantinedOut,
)
from node.asset_registry.catalog import asset_record, dcat_catalog, plain
from node.asset_registry.model import Product, ProductStatus
from node.asset_registry.services import ImportOptions
from node.asset_registry.source_policy import allowed_list, check_import_source
from node.bootstrap import Container
from node.errors import InvalidInput, NotFound
from node.identity.model import Principal, Role

router = APIRouter(prefix="/v1", tags=["registry"])
OFFICER = (Role.DATA_OFFICER, Role.ADMIN)


def _check_source(c: Container, body: ImportIn) -> None:
    """An API caller makes the node read a source: only what the configuration allows (no SSRF)."""
    assert c.settings.import_root is not None  # set by the settings validator
    check_import_source(
        body.connector,
        body.source,
        import_root=c.settings.import_root,
        allowed=allowed_list(c.settings.import_sources),
        node_database_url=c.settings.database_url,
    )


@router.post("/assets/import", status_code=status.HTTP_201_CREATED, response_model=ImportOut)
def import_asset(
    body: ImportIn,
    me: Principal = Depends(require("asset.import", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    from connectors.registry import open_source

    _check_source(c, body)
    source = open_source(body.connector, body.source, body.tables, on_error=body.on_error)
    options = ImportOptions(body.department, body.frequency, body.scenarios, keep_raw_text=body.keep_raw_text)
    result = c.assets.import_source(me.id, source, options)
    return {
        "import_id": result.import_id,
        "rows": result.rows,
        "records": result.records,
        "assets": [asset_record(a) for a in result.assets],
        "rejected": [
            {"where": r["where"], "reason": r["reason"], "quarantine_id": r["id"]} for r in result.rejected
        ],
        "unmapped": result.unmapped,
        "unchanged": result.unchanged,
        "alerts": result.alerts,
    }


@router.get("/assets/{asset_id}/versions", response_model=list[AssetVersionOut])
def asset_versions(
    asset_id: str, _: Principal = Depends(require("asset.show", *STAFF)), c: Container = Depends(container)
) -> list[dict[str, Any]]:
    return [plain(v) for v in c.assets.versions(asset_id)]


@router.get("/quarantine", response_model=list[QuarantinedOut])
def list_quarantine(
    status_: str = Query("held", alias="status", pattern="^(held|fixed|discarded|all)$"),
    import_id: str | None = None,
    _: Principal = Depends(require("quarantine.list", *OFFICER)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    return [plain(r) for r in c.quarantine.list(None if status_ == "all" else status_, import_id)]


@router.get(
    "/quarantine/{record_id}/record",
    response_class=Response,
    responses={
        200: {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The quarantined record as the source sent it (read audited)",
        }
    },
)
def read_quarantined(
    record_id: str,
    me: Principal = Depends(require("quarantine.read", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> Response:
    return Response(c.quarantine.read(me.id, record_id), media_type="application/octet-stream")


@router.post("/quarantine/{record_id}/fix", response_model=FixedOut)
def fix_quarantined(
    record_id: str,
    body: FixIn,
    me: Principal = Depends(require("quarantine.fix", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    try:
        corrected = base64.b64decode(body.record_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("record_base64 is not base64", code="record_malformed") from None
    result = c.quarantine.fix(me.id, record_id, corrected)
    return {"import_id": result.import_id, "assets": [asset_record(a) for a in result.assets]}


@router.post("/quarantine/{record_id}/discard", response_model=QuarantinedOut)
def discard_quarantined(
    record_id: str,
    body: DiscardIn,
    me: Principal = Depends(require("quarantine.discard", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return plain(c.quarantine.discard(me.id, record_id, body.reason))


@router.get("/assets", response_model=list[AssetOut])
def list_assets(
    text: str | None = None,
    level: int | None = Query(None, ge=1, le=5),
    category: str | None = None,
    source_system: str | None = None,
    _: Principal = Depends(require("asset.list", *STAFF)),
    c: Container = Depends(container),
) -> list[dict[str, Any]]:
    return [asset_record(a) for a in c.assets.search(text, level, category, source_system)]


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(
    asset_id: str, _: Principal = Depends(require("asset.show", *STAFF)), c: Container = Depends(container)
) -> dict[str, Any]:
    return asset_record(c.assets.get(asset_id))


@router.post("/assets/{asset_id}/grade", response_model=AssetOut)
def grade_asset(
    asset_id: str,
    body: GradeIn,
    me: Principal = Depends(require("asset.grade", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return asset_record(
        c.assets.grade(me.id, asset_id, body.level, body.reason, body.category, body.dsl_class)
    )


def _partner_roles(me: Principal) -> frozenset[str] | None:
    """None for staff (they see everything), else the caller's partner roles."""
    return None if me.has_any(frozenset(STAFF)) else frozenset(r.value for r in me.roles)


@router.get("/products", response_model=list[ProductOut])
def list_products(
    me: Principal = Depends(require("product.list", *ANY_ROLE)), c: Container = Depends(container)
) -> list[dict[str, Any]]:
    return [plain(p) for p in c.products.visible(_partner_roles(me))]


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(
    product_id: str,
    me: Principal = Depends(require("product.show", *ANY_ROLE)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    visible = {p.id: p for p in c.products.visible(_partner_roles(me))}
    if product_id not in visible:  # partners cannot tell a hidden product from a missing one
        raise NotFound(f"product {product_id} not found", code="product_not_found")
    return plain(visible[product_id])


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
def create_product(
    body: ProductIn,
    me: Principal = Depends(require("product.create", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    p = c.products.create(
        me.id,
        body.name,
        body.asset_ids,
        body.access_mode,
        body.visible_to,
        body.policy_template.model_dump(exclude_none=True),
        body.description,
    )
    return plain(p)


@router.post("/products/{product_id}/publish", response_model=ProductOut)
def publish_product(
    product_id: str,
    me: Principal = Depends(require("product.publish", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return plain(c.products.set_status(me.id, product_id, ProductStatus.PUBLISHED))


@router.post("/products/{product_id}/retire", response_model=ProductOut)
def retire_product(
    product_id: str,
    me: Principal = Depends(require("product.retire", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    return plain(c.products.set_status(me.id, product_id, ProductStatus.RETIRED))


@router.get("/catalog.jsonld", response_model=CatalogOut)
def catalog(
    me: Principal = Depends(require("catalog.read", *ANY_ROLE)), c: Container = Depends(container)
) -> dict[str, Any]:
    """Staff see the whole catalog; partners see the products offered to them and the datasets they serve."""
    roles = _partner_roles(me)
    products: list[Product] = c.products.visible(roles)
    assets = c.assets.search()
    if roles is not None:
        served = {a for p in products for a in p.asset_ids}
        assets = [a for a in assets if a.id in served]
    return dcat_catalog(c.settings.name, c.settings.display_name, assets, products)


@router.post("/products/{product_id}/extract", response_model=ExtractOut)
def extract(
    product_id: str,
    me: Principal = Depends(require("product.extract", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> dict[str, Any]:
    """An anonymized extract: k-anonymous, verified, audited. Partners will obtain it under a contract."""
    out, report = c.extracts.preview(me.id, product_id)
    return {"report": report.as_dict(), "columns": list(out.columns), "rows": out.astype(str).values.tolist()}
