"""An insurer's world on top of the contract world: PSI products over the patients table (consent
required; count-only) and an aggregate-query product over patients and observations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from node.asset_registry.model import ProductStatus
from node.contracts.model import DAY_US
from tests.contract_world import World

QUERY_TEMPLATE = {
    "min_cohort": 10,
    "epsilon": 5.0,
    "max_uses": 1000,
    "dimensions": ["sex", "district_code", "loinc"],
    "measures": {"value": [0, 300]},
}


@dataclass
class InsurerWorld:
    w: World
    patients: pd.DataFrame  # the hospital's patients.csv

    def product(self, name: str, tables: list[str], mode: str, template: dict[str, object]) -> str:
        c, officer = self.w.c, self.w.officer
        assets = {a.table: a.id for a in c.assets.search()}
        p = c.products.create(officer.id, name, [assets[t] for t in tables], mode, ["insurer"], template)
        c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
        self.w.products[name] = p.id
        return p.id

    def contract(self, product: str, mode: str, purpose: str, **terms: object) -> str:
        return self.w.active(
            self.w.insurer, self.w.insurer_key, product, self.w.terms(mode, purpose, **terms)
        ).id

    def consent(self, patient_ids: list[str], purpose: str = "claims_verification") -> list[str]:
        now = self.w.c.clock.now_us()
        return [
            self.w.c.consents.grant(
                self.w.officer.id,
                pid,
                "insurer-a",
                purpose,
                now - DAY_US,
                now + 365 * DAY_US,
                "signed_form",
                f"form-{i:04d}",
            ).id
            for i, pid in enumerate(patient_ids)
        ]


def build_insurer_world(w: World, samples: Path) -> InsurerWorld:
    patients = pd.read_csv(samples / "csv" / "patients.csv", dtype=str)
    iw = InsurerWorld(w, patients)
    iw.product(
        "psi-consent", ["patients"], "psi", {"purposes": ["claims_verification"], "consent_required": True}
    )
    iw.product(
        "psi-count",
        ["patients"],
        "psi",
        {"purposes": ["claims_verification"], "psi_reveal": "count", "max_members": 60, "min_members": 20},
    )
    iw.product("query", ["patients", "observations"], "aggregate_query", QUERY_TEMPLATE)
    return iw
