"""Anonymized extracts: the only path by which an ``anonymized_extract`` product produces rows.

Direct identifiers and record keys are dropped, quasi-identifiers are generalized until the product's
k (and optional l on its sensitive column) hold, and the result is verified independently before it
is returned. Every extract is audited with its risk figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from node.anonymization.tabular import KAnonymizer, TableReport
from node.asset_registry.model import AccessMode, ProductStatus
from node.asset_registry.pii import DIRECT_IDENTIFIERS, LINK_KEY, PERSON_KEY
from node.asset_registry.ports import AssetStore, ProductGrant, RegistryUnitOfWork
from node.audit.model import AuditEvent, Outcome
from node.audit.services import AuditLog
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied

_QUASI_NAMES = re.compile(
    r"^(sex|gender|性别|age|年龄|birth_?date|出生日期|district_?code|postal_?code|zip|region)$", re.IGNORECASE
)


class ExtractService:
    def __init__(
        self, uow_factory: Callable[[], RegistryUnitOfWork], store: AssetStore, audit: AuditLog
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._audit = audit

    def preview(self, officer_id: str, product_id: str) -> tuple[pd.DataFrame, TableReport]:
        """The officer's look at the extract a published product gives (not a partner's use)."""
        with self._uow() as uow:
            product = uow.products.get(product_id)
        if product is None:
            raise NotFound(f"product {product_id} not found", code="product_not_found")
        return self.extract(_StaffGrant(product.id, tuple(product.asset_ids), officer_id))

    def extract(self, grant: ProductGrant) -> tuple[pd.DataFrame, TableReport]:
        """Produce the granted product's anonymized extract from the granted asset, with k at least
        the product's and the grant's."""
        actor, product_id = grant.principal_id, grant.product_id
        with self._uow() as uow:
            product = uow.products.get(product_id)
            if product is None:
                raise NotFound(f"product {product_id} not found", code="product_not_found")
            if product.access_mode != AccessMode.ANONYMIZED_EXTRACT:
                raise InvalidInput(
                    f"product mode is {product.access_mode.value}, not anonymized_extract",
                    code="mode_mismatch",
                )
            if product.status != ProductStatus.PUBLISHED:
                raise Conflict(f"product is {product.status.value}", code="product_not_published")
            if len(grant.asset_ids) != 1:
                raise InvalidInput(
                    "extracts are produced from single-asset products", code="extract_multi_asset"
                )
            asset = uow.assets.get(grant.asset_ids[0])
        if asset is None:
            raise NotFound("the product's asset is gone", code="asset_not_found")
        template: dict[str, Any] = product.policy_template
        k = max(int(template.get("k", 5)), grant.min_k)
        drop = [
            c.name
            for c in asset.columns
            if set(c.pii) & DIRECT_IDENTIFIERS or LINK_KEY.search(c.name.lower())
        ]
        quasi = list(
            template.get("quasi")
            or [c.name for c in asset.columns if _QUASI_NAMES.match(c.name) or "DATE_OF_BIRTH" in c.pii]
        )
        quasi = [q for q in quasi if q not in drop]
        if not quasi:
            raise InvalidInput(
                "no quasi-identifiers known for this asset: set 'quasi' in the policy template",
                code="quasi_missing",
            )
        sensitive, l_div = template.get("sensitive"), template.get("l")
        person = next((c.name for c in asset.columns if PERSON_KEY.match(c.name)), None)
        table = pd.concat(list(self._store.read(asset.storage_ref)), ignore_index=True)
        out, report = KAnonymizer(
            quasi, k, sensitive, l_div, float(template.get("max_suppression", 0.1)), person=person
        ).anonymize(table, drop)
        if not report.met:  # a met report has passed the independent verifier inside anonymize()
            self._audit.record_now(
                AuditEvent(
                    actor,
                    "product.extract",
                    "product",
                    product_id,
                    Outcome.DENIED,
                    {"reason": "k_not_met", "k": k},
                )
            )
            raise PolicyDenied(f"k={k} cannot be met within the allowed suppression", code="k_not_met")
        self._audit.record_now(
            AuditEvent(
                actor,
                "product.extract",
                "product",
                product_id,
                details={
                    "rows": report.rows_out,
                    "k": report.achieved_k,
                    "suppressed": report.suppressed_rows,
                    "prosecutor_risk": report.prosecutor_risk_highest,
                },
            )
        )
        return out, report


@dataclass(frozen=True)
class _StaffGrant:
    product_id: str
    asset_ids: tuple[str, ...]
    principal_id: str
    min_k: int = 0
