"""The catalog as DCAT-style JSON-LD: datasets (assets) and the data services (products) on them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from node.asset_registry.model import CATEGORY_ZH, Asset, Product
from node.asset_registry.offers import offer_limits

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "hnode": "urn:hnode:vocab#",
}


def dcat_catalog(
    node_name: str, display_name: str, assets: list[Asset], products: list[Product]
) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": f"urn:hnode:{node_name}:catalog",
        "@type": "dcat:Catalog",
        "dct:title": f"{display_name} 数据目录",
        "dct:publisher": {
            "@id": f"urn:hnode:{node_name}",
            "@type": "foaf:Organization",
            "foaf:name": display_name,
        },
        "dcat:dataset": [_dataset(node_name, a) for a in assets],
        "dcat:service": [_service(node_name, p) for p in products],
    }


def _dataset(node: str, a: Asset) -> dict[str, Any]:
    g = a.grade
    return {
        "@id": f"urn:hnode:{node}:asset:{a.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": a.id,
        "dct:title": a.name,
        "dcat:keyword": [a.table, a.source_system.value, CATEGORY_ZH[g.category], *a.scenarios],
        "dct:accrualPeriodicity": a.update_frequency,
        "dct:creator": a.owner_department,
        "dct:issued": a.created_at_us,
        "hnode:sourceSystem": a.source_system.value,
        "hnode:rows": a.rows,
        "hnode:columns": [{"name": c.name, "type": c.dtype, "pii": c.pii} for c in a.columns],
        "hnode:grade": {
            "hnode:level": g.level,
            "hnode:category": g.category.value,
            "hnode:dataSecurityLawClass": g.dsl_class.value,
            "hnode:confirmed": a.confirmed is not None,
            "hnode:reasons": g.reasons,
        },
        "prov:wasGeneratedBy": {
            "@id": f"urn:hnode:{node}:import:{a.import_id}",
            "@type": "prov:Activity",
            "hnode:connector": a.connector,
            "prov:used": {"@id": a.source_uri, "hnode:sm3": a.source_digest},
        },
        "prov:wasDerivedFrom": [{"@id": f"urn:hnode:{node}:asset:{x}"} for x in a.derived_from],
    }


def _service(node: str, p: Product) -> dict[str, Any]:
    return {
        "@id": f"urn:hnode:{node}:product:{p.id}",
        "@type": "dcat:DataService",
        "dct:identifier": p.id,
        "dct:title": p.name,
        "dct:description": p.description,
        "dcat:servesDataset": [{"@id": f"urn:hnode:{node}:asset:{a}"} for a in p.asset_ids],
        "hnode:accessMode": p.access_mode.value,
        "hnode:policyTemplate": p.policy_template,
        # the limits a request is judged against, the node's defaults included (nothing hidden)
        "hnode:offer": offer_limits(p.policy_template),
        "hnode:visibleTo": p.visible_to,
        "hnode:status": p.status.value,
    }


def plain(record: Any) -> dict[str, Any]:
    """A dataclass as JSON-ready values (enums and other objects as strings)."""
    out: dict[str, Any] = json.loads(json.dumps(asdict(record), default=str))
    return out


def asset_record(a: Asset) -> dict[str, Any]:
    """An asset as the CLI and API show it: every field, the grade in force and the PII columns."""
    return {**plain(a), "grade_in_force": plain(a.grade), "pii_columns": a.pii_columns}
