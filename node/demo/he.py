"""Demo steps of encrypted queries: an insurer scores applicants under its contract; a researcher gets a
three-hospital encrypted aggregate (this node and two peer nodes, each with its own data, contract,
keys and chain) through a coordinator; both decrypt and are shown next to the plaintext values."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import SecretStr

from connectors.registry import open_source
from node.adapters.db.migrate import upgrade
from node.adapters.node_key import create_node_key
from node.asset_registry.clinical import CohortCode, feature_table
from node.asset_registry.model import Asset, ProductStatus
from node.bootstrap import Container, build_container
from node.config import load_settings
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.he_query.aggregates import cohort_statistics
from node.he_query.params import Scheme
from node.he_query.tenseal_backend import ClientKeys
from node.identity.model import Principal
from node.sdk.he_client import HeClient
from node.sdk.partner import PartnerClient

ACTOR = "cli:demo"


def contract_terms(c: Container, purpose: str, **over: Any) -> dict[str, Any]:
    now = c.clock.now_us()
    base = {
        "purpose": purpose,
        "access_mode": "he_query",
        "valid_from_us": now,
        "valid_to_us": now + 30 * DAY_US,
        "max_uses": 10,
        "epsilon": 3.0,
        "min_cohort": 20,
    }
    return base | over


def activate_contract(
    c: Container, partner: Principal, key: PrivateKey, product_id: str, terms: dict[str, Any]
) -> str:
    """What steps 14-16 showed over the API, done directly: request, approvals, signatures, anchor."""
    officer = c.identity.resolve("officer-li")
    ethics = c.identity.resolve("ethics-wang")
    ct = c.contracts.request(partner, product_id, terms)
    ct = c.contracts.approve(officer, ct.id)
    if ct.needs_ethics:
        ct = c.contracts.approve_ethics(ethics, ct.id)
    c.contracts.sign(partner, ct.id, key.sign(ct.canonical()).hex())
    c.anchoring.deliver()
    return ct.id


@dataclass(frozen=True)
class Peer:
    node: Container
    researcher: Principal
    passphrase: SecretStr
    assets: dict[str, Asset]  # by table, imported from the peer's CSV export


@contextlib.contextmanager
def peer_node(root: Path, name: str, samples: Path, researcher_key: PrivateKey) -> Iterator[Peer]:
    """Another hospital's node: its own database, key, chain, staff, the research partner (same key
    as at this hospital) and its CSV data."""
    pw = SecretStr(secrets.token_urlsafe(16))
    settings = load_settings(data_dir=root, key_passphrase=pw, database_url="", name=f"hospital-{name}")
    upgrade(settings.database_url)
    create_node_key(settings.node_key_path, pw)
    c = build_container(settings)
    try:
        c.identity.register(ACTOR, "officer-li", ["data_officer"], f"{name} 数据管理办公室")
        c.identity.register(ACTOR, "ethics-wang", ["ethics_reviewer"], f"{name} 伦理委员会")
        researcher = c.identity.register(
            ACTOR, "cq-research", ["researcher"], "某医学研究院", researcher_key.public_key().to_hex()
        )
        imported = c.assets.import_source(ACTOR, open_source("csv", str(samples / "csv"))).assets
        yield Peer(c, researcher, pw, {a.table: a for a in imported})
    finally:
        c.close()


@contextlib.contextmanager
def _peer(
    root: Path, name: str, samples: Path, researcher_key: PrivateKey
) -> Iterator[tuple[Container, str, str]]:
    """A peer hospital offering its labs and diagnoses for encrypted queries, and the researcher's
    active contract there."""
    with peer_node(root, name, samples, researcher_key) as peer:
        c, researcher = peer.node, peer.researcher
        officer = c.identity.resolve("officer-li")
        p = c.products.create(
            officer.id,
            "检验指标密文计算",
            [peer.assets["observations"].id, peer.assets["conditions"].id],
            "he_query",
            ["researcher"],
            {"cohorts": ["E11", "I10"], "epsilon": 3.0, "min_cohort": 20},
        )
        c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
        contract = activate_contract(
            c, researcher, researcher_key, p.id, contract_terms(c, "clinical_research", max_uses=3)
        )
        token = c.identity.issue_token(ACTOR, researcher.id, label="demo").secret
        yield c, contract, token


def he_steps(
    c: Container,
    serve: Any,
    tokens: dict[str, str],
    keys: dict[str, PrivateKey],
    samples: Path,
    root: Path,
    first_step: int,
) -> None:
    product = next(p for p in c.products.visible(None) if p.name == "检验指标密文计算")
    insurer = c.identity.resolve("pingan-insurance")
    researcher = c.identity.resolve("cq-research")

    step(first_step, "An insurer scores applicants under encryption; only the insurer can read the scores")
    model = c.he.train(c.identity.resolve("officer-li"), product.id)
    print(
        f"   risk model for {model.target} trained on {model.training['patients']} patients of this "
        f"hospital, AUC {model.training['auc']}; digest {model.digest()[:16]}..."
    )
    lo, hi = model.z_interval
    print(
        f"   inputs clipped to the training mean ± 3 SD per lab; sigmoid as a monotone cubic on "
        f"[{lo:g}, {hi:g}], so every score lies in [0, 1]"
    )
    ins_contract = activate_contract(
        c, insurer, keys["pingan-insurance"], product.id, contract_terms(c, "underwriting_risk_model")
    )
    applicants = feature_table(pd.read_csv(samples / "h2" / "csv" / "observations.csv")).to_numpy(
        dtype=float
    )[:6]
    with serve(c) as base:
        he = HeClient(PartnerClient(base, tokens["pingan-insurance"]))
        scoring_keys = ClientKeys(Scheme.CKKS_SCORING)
        scores = he.score(scoring_keys, ins_contract, applicants.tolist()).values
    plain = model.risk(applicants)
    print("   applicant  glucose  HbA1c  SBP    encrypted score  plaintext model  |diff|")
    for i, (row, s, p) in enumerate(zip(applicants, scores, plain, strict=True)):
        print(
            f"   #{i + 1:<9} {row[0]:>6.1f} {row[1]:>6.1f} {row[4]:>6.0f}   "
            f"{s:>14.6f}  {p:>15.6f}  {abs(s - p):.1e}"
        )
    print(f"   contract {ins_contract}: {c.contracts.get(insurer, ins_contract).uses} use metered")

    step(first_step + 1, "A researcher's encrypted aggregate across three hospitals, added by a coordinator")
    res_contract = activate_contract(
        c, researcher, keys["cq-research"], product.id, contract_terms(c, "clinical_research", max_uses=3)
    )
    hub = c.identity.register(
        ACTOR, "region-hub", ["coordinator"], "区域健康数据平台", PrivateKey.generate().public_key().to_hex()
    )
    hub_token = c.identity.issue_token(ACTOR, hub.id, label="demo").secret
    counts_keys, sums_keys = ClientKeys(Scheme.BFV_COUNTS), ClientKeys(Scheme.CKKS_SUMS)
    with (
        _peer(root / "h2", "h2", samples / "h2", keys["cq-research"]) as (h2, h2_contract, h2_token),
        _peer(root / "h3", "h3", samples / "h3", keys["cq-research"]) as (h3, h3_contract, h3_token),
        serve(c) as base1,
        serve(h2) as base2,
        serve(h3) as base3,
    ):
        he = HeClient(PartnerClient(base1, tokens["cq-research"]))
        hospitals = [
            (PartnerClient(base1, tokens["cq-research"]), res_contract),
            (PartnerClient(base2, h2_token), h2_contract),
            (PartnerClient(base3, h3_token), h3_contract),
        ]
        result = he.aggregate(counts_keys, sums_keys, hospitals, PartnerClient(base1, hub_token), "E11", 1.0)
    truth = [
        cohort_statistics(
            pd.read_csv(samples / h / "csv" / "observations.csv"),
            [pd.read_csv(samples / h / "csv" / "conditions.csv")],
            CohortCode("icd10", "E11"),
        )
        for h in ("h1", "h2", "h3")
    ]
    true_counts = np.sum([t.counts for t in truth], axis=0)
    true_sums = np.sum([t.sums for t in truth], axis=0)
    n = result.noise[0]
    print(f"   hospitals: {', '.join(result.hospitals)}; each added DP noise before encrypting:")
    print(
        f"   {n['mechanism']}; ε {n['epsilon']:g} per hospital, count noise scale {n['count_scale']:g}, "
        f"sum scales {', '.join(f'{v:g}' for v in n['sum_scales'].values())}"
    )
    print("   statistic            decrypted total   plaintext (no noise)   (noisy counts are clamped at 0)")
    for (name, value), t in zip(result.counts.items(), true_counts, strict=True):
        print(f"   {name:<20} {value:>15}   {int(t):>12}")
    for (name, total), t in zip(result.sums.items(), true_sums, strict=True):
        print(f"   {name:<20} {total:>15.1f}   {t:>12.1f}")
    mean = result.sums["sum_4548-4"] / max(1, result.counts["cohort_size"])
    print(f"   mean HbA1c of the diabetic cohort from the encrypted totals: {mean:.2f}%")
