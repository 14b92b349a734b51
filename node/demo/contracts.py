"""Demo steps of usage contracts: negotiation over the API, approvals, SM2 signatures of both sides,
chain anchoring, metered use until the quota runs out, and verification anyone can run."""

from __future__ import annotations

import json
from typing import Any

import httpx

from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.errors import PolicyDenied
from node.sdk.partner import PartnerClient


def _terms(c: Container, mode: str, purpose: str, **over: Any) -> dict[str, Any]:
    now = c.clock.now_us()
    base = {
        "purpose": purpose,
        "access_mode": mode,
        "valid_from_us": now,
        "valid_to_us": now + 90 * DAY_US,
        "max_uses": 3,
        "epsilon": 1.0,
        "min_cohort": 20,
        "k": 5,
        "prohibitions": ["re_identification", "onward_transfer"],
        "duties": {"delete_after_days": 30, "report_results": True},
    }
    return base | over


def contract_steps(
    c: Container,
    base_url: str,
    tokens: dict[str, str],
    keys: dict[str, PrivateKey],
    first_step: int,
) -> None:
    http = httpx.Client(base_url=base_url, timeout=30)
    insurer = PartnerClient(base_url, tokens["pingan-insurance"], http=http)
    research = PartnerClient(base_url, tokens["cq-research"], http=http)
    staff = {name: {"Authorization": f"Bearer {tokens[name]}"} for name in ("officer-li", "ethics-wang")}
    products = {p.name: p for p in c.products.visible(None) if p.status == ProductStatus.PUBLISHED}
    level4 = _level4_product(c, products)

    step(first_step, "Partners request contracts over the API; the negotiation policy screens the terms")
    aggregate = products["血糖血压统计查询"]
    ins = insurer.request(aggregate.id, _terms(c, "aggregate_query", "underwriting_risk_model", epsilon=0.9))
    print(f"   insurer    {aggregate.name} for underwriting      -> {ins['state']} ({ins['state_zh']})")
    rows = insurer.request(
        products["就诊记录脱敏提取"].id, _terms(c, "anonymized_extract", "claims_verification")
    )
    print(f"   insurer    row-level visit extract             -> {rows['state']}: {rows['reason']}")
    res = research.request(level4, _terms(c, "federated_training", "drug_research", max_uses=20, epsilon=3.0))
    print(f"   researcher L4 lab results, federated training  -> {res['state']}, L{res['level']}")

    step(first_step + 1, "The data officer approves; level 4 and above also needs the ethics reviewer")
    for cid in (ins["id"], res["id"]):
        r = http.post(f"/v1/contracts/{cid}/approve", headers=staff["officer-li"]).json()
        print(f"   officer-li  approve         {cid} (L{r['level']}) -> {r['state']} ({r['state_zh']})")
        if r["state"] == "PENDING_ETHICS":
            wrong = http.post(f"/v1/contracts/{cid}/ethics-approve", headers=staff["officer-li"])
            print(f"   officer-li  ethics-approve  {cid}      -> {wrong.status_code} {wrong.json()['code']}")
            r = http.post(f"/v1/contracts/{cid}/ethics-approve", headers=staff["ethics-wang"]).json()
            print(f"   ethics-wang ethics-approve  {cid}      -> {r['state']} ({r['state_zh']})")
    officer_id = c.identity.resolve("officer-li").id
    approvals = [e for e in c.audit.recent(20, action="contract.approve") if e.actor == officer_id]
    print(
        f"   audit: {len(approvals)} approvals by {officer_id} (officer-li), taken from her own token; "
        "in the CLI too: `NODE_STAFF_TOKEN=<her token> hnode contracts approve ct_...` (no --as NAME)"
    )

    step(
        first_step + 2,
        "Both sides sign the canonical contract with SM2; the worker anchors its digest on chain",
    )
    for client, key, cid in (
        (insurer, keys["pingan-insurance"], ins["id"]),
        (research, keys["cq-research"], res["id"]),
    ):
        signed = client.sign(cid, key)
        print(f"   {cid} signed by {', '.join(signed['signed_by'])} -> {signed['state']}")
    report = c.anchoring.deliver()
    for r in report.delivered:
        print(f"   anchored {r.ref}: SM3 {r.digest[:16]}... block {r.block_number}, tx {r.tx_hash[:18]}...")
    print(f"   registry {c.chain().contract_address} on chain {c.chain().chain_id} (embedded EVM)")
    for client, cid in ((insurer, ins["id"]), (research, res["id"])):
        print(f"   {cid} -> {client.contract(cid)['state']}")

    step(first_step + 3, "Every use is decided by the usage policy and metered, until the quota runs out")
    for n in range(1, 5):
        try:
            g = insurer.use(
                ins["id"], "underwriting_risk_model", epsilon=0.2, cohort_size=120, ref=f"query-{n}"
            )
            print(f"   insurer use {n}: allowed, {g['uses_left']} left, ε left {g['epsilon_left']:.1f}")
        except PolicyDenied as exc:
            print(f"   insurer use {n}: DENIED {exc.code}: {', '.join(getattr(exc, 'reasons', []))}")
    try:
        research.use(res["id"], "drug_research", epsilon=0.5, cohort_size=5)
    except PolicyDenied as exc:
        print(f"   researcher, cohort of 5 (< 20): DENIED {', '.join(getattr(exc, 'reasons', []))}")

    step(first_step + 4, "Verification anyone can run: contracts, audit anchoring and inclusion proofs")
    for cid in (ins["id"], res["id"]):
        v = c.verifier.verify(cid)
        marks = " ".join(f"{'✓' if x.ok else '✗'}{x.name}" for x in v.checks)
        print(f"   hnode contracts verify {cid}: {'verified' if v.ok else 'FAILED'} ({marks})")
    copy = c.verifier.export(ins["id"])
    copy["document"]["terms"]["max_uses"] = 300
    tampered = c.verifier.verify_copy(json.loads(json.dumps(copy)))
    failed = [x.name for x in tampered.checks if not x.ok]
    verdict = "verified" if tampered.ok else "FAILED"
    print(f"   a copy with max_uses raised to 300: {verdict} ({', '.join(failed)})")
    batch, delivered = c.anchoring.anchor_audit()
    assert batch is not None
    print(
        f"   hnode audit anchor: entries #{batch.first_seq}-#{batch.last_seq} under one Merkle root, "
        f"{len(delivered.delivered)} transaction"
    )
    proof = c.anchoring.prove(batch.last_seq // 2)
    checks = c.anchoring.check_proof(proof)
    print(
        f"   hnode audit prove {proof.seq}: {len(proof.path)} hashes to the root; "
        f"path ok: {checks['path_leads_to_root']}, root on chain: {checks['root_anchored_on_chain']}"
    )
    http.close()


def _level4_product(c: Container, products: dict[str, Any]) -> str:
    """A federated-training product on the level-4 lab results (created here if the registry has none)."""
    lab = next(a for a in c.assets.search() if a.grade.level == 4 and a.connector == "csv")
    officer = c.identity.resolve("officer-li").id
    p = c.products.create(
        officer,
        "检验结果联邦建模",
        [lab.id],
        "federated_training",
        ["researcher"],
        {"purposes": ["drug_research"], "epsilon": 3.0, "max_uses": 50, "min_cohort": 20},
    )
    c.products.set_status(officer, p.id, ProductStatus.PUBLISHED)
    return p.id
