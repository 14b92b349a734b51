"""The regional registry as the console's data map sees it: which hospitals hold what (``GET /v1/map``)
and their published products (``GET /v1/catalog/search``), read with a reader token of the region."""

from __future__ import annotations

from typing import Any

import httpx

from node.errors import DependencyUnavailable

PRODUCT_FIELDS = ("node", "hospital", "product_id", "title", "category", "level", "access_mode", "stale")


def fetch_region_map(base_url: str, token: str, timeout_s: float = 5.0) -> dict[str, Any]:
    """The region's hospitals (with counts by category and level) and every product of their latest
    catalogs; DependencyUnavailable (503) names what failed, never the token."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=timeout_s) as client:
            overview = client.get("/v1/map")
            catalog = client.get("/v1/catalog/search")
    except httpx.HTTPError as exc:
        raise DependencyUnavailable(
            f"the regional registry is unreachable ({type(exc).__name__})", code="region_unreachable"
        ) from None
    for r in (overview, catalog):
        if r.status_code != 200:
            raise DependencyUnavailable(
                f"the regional registry refused the node's reader token ({r.status_code})"
                if r.status_code in (401, 403)
                else f"the regional registry answered {r.status_code}",
                code="region_refused",
            )
    body = overview.json()
    return {
        "generated_at_us": body.get("generated_at_us"),
        "hospitals": body.get("hospitals", []),
        "products": [{k: e.get(k) for k in PRODUCT_FIELDS} for e in catalog.json()],
    }
