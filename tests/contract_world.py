"""A node with partners, staff and published products of several modes and grades, for contract tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.contracts.model import DAY_US, Contract
from node.crypto.sm import PrivateKey
from node.identity.model import Principal

SETTLEMENT = Path(__file__).parent / "fixtures" / "settlement"


@dataclass
class World:
    c: Container
    officer: Principal
    ethics: Principal
    insurer: Principal
    insurer_key: PrivateKey
    researcher: Principal
    researcher_key: PrivateKey
    products: dict[str, str]  # short name -> product id

    def terms(self, mode: str, purpose: str, **over: Any) -> dict[str, Any]:
        now = self.c.clock.now_us()
        base: dict[str, Any] = {
            "purpose": purpose,
            "access_mode": mode,
            "valid_from_us": now,
            "valid_to_us": now + 30 * DAY_US,
            "max_uses": 10,
            "epsilon": 1.0,
            "min_cohort": 20,
            "k": 5,
        }
        return base | over

    def sign_as(self, key: PrivateKey, partner: Principal, contract: Contract) -> Contract:
        return self.c.contracts.sign(partner, contract.id, key.sign(contract.canonical()).hex())

    def active(self, partner: Principal, key: PrivateKey, product: str, terms: dict[str, Any]) -> Contract:
        """Request, approve (and ethics-approve), sign and anchor: an ACTIVE contract."""
        c = self.c.contracts.request(partner, self.products[product], terms)
        c = self.c.contracts.approve(self.officer, c.id)
        if c.needs_ethics:
            c = self.c.contracts.approve_ethics(self.ethics, c.id)
        self.sign_as(key, partner, c)
        report = self.c.anchoring.deliver()
        assert not report.failed, report
        return self.c.contracts.get(self.officer, c.id)

    def settlement_contract(self) -> str:
        """The insurer's ACTIVE one-stop settlement contract on a product of the settlement fixtures
        (``products["settlement"]``); returns its id."""
        imported = self.c.assets.import_source("cli:t", open_source("csv", str(SETTLEMENT))).assets
        template = {"purposes": ["claims_verification"], "consent_required": True, "claim_fields": ["item"]}
        p = self.c.products.create(
            self.officer.id, "一站式结算", [a.id for a in imported], "settlement", ["insurer"], template
        )
        self.c.products.set_status(self.officer.id, p.id, ProductStatus.PUBLISHED)
        self.products["settlement"] = p.id
        terms = self.terms("settlement", "claims_verification", epsilon=0.0, k=0, max_uses=50)
        return self.active(self.insurer, self.insurer_key, "settlement", terms).id


def build_world(
    c: Container, samples: Path, researcher_key: PrivateKey | None = None, seed: int = 5
) -> World:
    if not (samples / "csv").exists():
        write_sample_files(samples, 150, seed=seed)
    ident = c.identity
    officer = ident.register("cli:t", "officer", ["data_officer"], "数据管理办公室")
    ethics = ident.register("cli:t", "ethics", ["ethics_reviewer"], "医学伦理委员会")
    ins_key, res_key = PrivateKey.generate(), researcher_key or PrivateKey.generate()
    insurer = ident.register("cli:t", "insurer-a", ["insurer"], "某保险", ins_key.public_key().to_hex())
    researcher = ident.register(
        "cli:t", "institute-b", ["researcher"], "某研究院", res_key.public_key().to_hex()
    )
    assets = {
        a.table: a for a in c.assets.import_source("cli:t", open_source("csv", str(samples / "csv"))).assets
    }
    offers = {
        # short name: (asset tables, mode, roles, template)
        "extract": (
            ["encounters"],
            "anonymized_extract",
            ["researcher", "insurer"],
            {"k": 5, "quasi": ["class", "department", "start"]},
        ),
        "aggregate": (
            ["observations"],
            "aggregate_query",
            ["insurer", "researcher"],
            {"min_cohort": 20, "max_uses": 1_000_000},
        ),
        "federated": (["patients"], "federated_training", ["researcher"], {"epsilon": 3.0}),
        "aggregate_fl": (
            ["observations", "conditions"],
            "federated_training",
            ["researcher"],
            {"epsilon": 3.0},
        ),
        "he": (
            ["observations", "conditions"],
            "he_query",
            ["insurer", "researcher"],
            {"epsilon": 3.0, "min_cohort": 10, "cohorts": ["E11", "I10"], "max_uses": 1000},
        ),
    }
    products = {}
    for short, (tables, mode, roles, template) in offers.items():
        p = c.products.create(
            officer.id, f"product-{short}", [assets[t].id for t in tables], mode, roles, template
        )
        c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
        products[short] = p.id
    return World(c, officer, ethics, insurer, ins_key, researcher, res_key, products)
