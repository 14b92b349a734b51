"""The officer console end to end: a real `hnode serve` on PostgreSQL, a real headless Chromium (Debian's
package) driven by Playwright. The officer logs in with a one-time token, approves and rejects
pending contracts, overrides a grade, opens a contract's verification and reads an audit proof; every
page is screenshotted (var/e2e/) and checked with axe-core for serious or critical violations."""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.api.console_static import console_dist
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container
from node.contracts.enforcement import UsageRequest
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.settlement.claim import claim_response
from node.settlement.sealing import open_claim, sign_response
from tests.chain_support import free_port
from tests.conftest import PASSPHRASE, _pg_admin, _sqlalchemy_url, make_container, node_env
from tests.contract_world import World, build_world
from tests.integration.test_cli import HNODE
from tests.processes import hnode_process, process_env

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "e2e"
REGION_CODE = "500000-E2E"
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Served:
    base: str
    login: str  # one-time token of the officer
    officer: str
    approve: str  # pending contract the officer approves
    reject: str  # pending contract the officer rejects
    waiting: str  # pending contract left waiting
    active: str  # anchored, active contract
    asset: str  # asset whose grade the officer overrides
    api_token: str  # admin token for the test's own checks
    sm2_key: PrivateKey  # officer-zhao's registered SM2 key
    ethics: str  # the ethics reviewer's token
    ethics_case: str  # level-4 contract the officer approved, awaiting the ethics review
    claims: list[str]  # settlement claims submitted today: the first settled, the second pending
    consent: str  # a patient's consent in force, which the officer withdraws
    officer_token: str  # the officer's token for the test's own checks of officer-only lists
    region_products: list[str]  # titles of this node's products as the region lists them

    def get_as(self, token: str, path: str) -> Any:
        r = httpx.get(self.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str) -> Any:
        r = httpx.get(self.base + path, headers={"Authorization": f"Bearer {self.api_token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


def _run(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [HNODE, *args], env=process_env(env), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextlib.contextmanager
def region_registry(tmp: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A real `hnode region serve` on SQLite: its URL, a reader token and its environment."""
    env = {
        "NODE_DATA_DIR": str(tmp / "region"),
        "NODE_KEY_PASSPHRASE": PASSPHRASE.get_secret_value(),
        "REGION_DATABASE_URL": f"sqlite:///{tmp / 'region.db'}",
    }
    _run("keys", "init", env=env)
    reader = _run("region", "token", "--role", "reader", env=env).strip()
    port = free_port()
    with hnode_process("region", "serve", "--port", str(port), env=env, health_port=port, ready_within_s=120):
        yield f"http://127.0.0.1:{port}", reader, env


def settle_one_of_two_claims(c: Container, w: World) -> list[str]:
    """Today's one-stop settlement: two claims under an insurer's contract, the first answered (80 %)."""
    ct = w.settlement_contract()
    now = c.clock.now_us()
    for i, pid in enumerate(("st-p1", "st-p2")):
        c.consents.grant(
            w.officer.id,
            pid,
            "insurer-a",
            "claims_verification",
            now - DAY_US,
            now + DAY_US,
            "kiosk",
            f"k{i}",
        )
    claims = [c.settlement.submit(w.officer, ct, e).id for e in ("st-e1", "st-e2")]
    [package] = [x for x in c.settlement.pull(w.insurer, ct) if x.id == claims[0]]
    claim = open_claim(package.package, w.insurer_key, c.signer.public_key_hex)
    total = claim["total"]["value"]
    doc = claim_response(
        "cr-1", claims[0], total, round(total * 0.8, 2), "CNY", "某保险", "2026-12-06T10:00:00+08:00"
    )
    c.settlement.respond(w.insurer, claims[0], **sign_response(doc, w.insurer_key))
    return claims


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    with region_registry(tmp_path_factory.mktemp("region")) as running:
        yield running


@pytest.fixture(scope="module")
def served(
    pg_template: str, region: tuple[str, str, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    for need, what in ((console_dist() / "index.html", "make console"), (Path(CHROMIUM), "make browser")):
        if not need.exists():
            pytest.fail(f"{need} is missing: run `{what}` (make test does)")
    tmp = tmp_path_factory.mktemp("console")
    name = f"hnode_test_{secrets.token_hex(6)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    url = _sqlalchemy_url(name)
    region_url, region_reader, region_env = region
    c = make_container(url, tmp / "node")
    w = build_world(c, tmp / "samples")
    write_sample_files(tmp / "more", 30, seed=11)  # a second hospital system: 5 more assets, a 2nd page
    c.assets.import_source("cli:t", open_source("csv", str(tmp / "more" / "csv")))
    claims = settle_one_of_two_claims(c, w)
    now = c.clock.now_us()
    consent = c.consents.grant(
        w.officer.id,
        "P-E2E-1",
        "insurer-a",
        "claims_review",
        now - DAY_US,
        now + 90 * DAY_US,
        "app",
        "app-77",
    )
    # this node joins the region and registers its published products there
    invitation = json.loads(
        _run("region", "invite", "--institution-code", REGION_CODE, "--valid-hours", "1", env=region_env)
    )["invitation"]
    joined = httpx.post(
        f"{region_url}/v1/nodes/join",
        json=c.region.join_request(REGION_CODE, "https://e2e.example", invitation),
    )
    assert joined.status_code == 201, joined.text
    _run("region", "approve", REGION_CODE, env=region_env)
    pushed = httpx.post(f"{region_url}/v1/catalog", json=c.region.catalog_push(REGION_CODE))
    assert pushed.status_code == 201, pushed.text
    approve = c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    reject = c.contracts.request(
        w.researcher, w.products["extract"], w.terms("anonymized_extract", "clinical_research")
    )
    waiting = c.contracts.request(
        w.researcher, w.products["federated"], w.terms("federated_training", "drug_research", epsilon=2.0)
    )
    ethics_case = c.contracts.request(
        w.researcher, w.products["aggregate_fl"], w.terms("federated_training", "drug_research", epsilon=2.0)
    )
    ethics_case = c.contracts.approve(w.officer, ethics_case.id)
    assert ethics_case.state.name == "PENDING_ETHICS"
    active = w.active(
        w.insurer, w.insurer_key, "aggregate", w.terms("aggregate_query", "actuarial_statistics")
    )
    c.usage.check(w.insurer, UsageRequest(active.id, None, "actuarial_statistics", 0.25, 40, "q-1"))
    admin = c.identity.register("cli:t", "admin", ["admin"], "信息中心")
    sm2_key = PrivateKey.generate()
    c.identity.register(
        "cli:t", "officer-zhao", ["data_officer"], "数据管理办公室", sm2_key.public_key().to_hex()
    )
    batch, report = c.anchoring.anchor_audit()  # every entry so far in a batch anchored on the chain
    assert batch is not None and not report.failed, report
    served = Served(
        base="",
        login=c.identity.issue_token(
            "cli:t", w.officer.id, ttl_hours=1, label="one-time console login"
        ).secret,
        officer=w.officer.id,
        approve=approve.id,
        reject=reject.id,
        waiting=waiting.id,
        active=active.id,
        asset=c.products.get(w.products["aggregate"]).asset_ids[0],
        api_token=c.identity.issue_token("cli:t", admin.id).secret,
        sm2_key=sm2_key,
        ethics=c.identity.issue_token("cli:t", w.ethics.id).secret,
        ethics_case=ethics_case.id,
        claims=claims,
        consent=consent.id,
        officer_token=c.identity.issue_token("cli:t", w.officer.id).secret,
        region_products=sorted(
            p.name for p in c.products.visible(None) if p.status == ProductStatus.PUBLISHED
        ),
    )
    c.close()
    port = free_port()
    env = node_env(
        tmp / "node",
        url,
        listen_port=str(port),
        token_cache_seconds="0",
        region_url=region_url,
        region_token=region_reader,
    )
    served.base = f"http://127.0.0.1:{port}"
    try:
        # a loaded machine (the suite runs beside other work) can take a minute to import and start
        with hnode_process("serve", env=env, health_port=port, ready_within_s=120):
            yield served
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def page(served: Served) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # bypass_csp: only so that the test can inject axe-core into the page
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="zh-CN", bypass_csp=True
        )
        context.set_default_timeout(15_000)
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


def shot(page: Any, name: str) -> None:
    page.wait_for_timeout(300)  # charts animate in
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def serious_violations(page: Any) -> list[dict[str, Any]]:
    # colours mid-transition (a button just clicked, a tab switching) are not what the user reads
    page.wait_for_function("() => document.getAnimations().every(a => !(a instanceof CSSTransition))")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"""
    )
    return found


def open_page(page: Any, served: Served, key: str, title: str) -> None:
    page.goto(f"{served.base}/console/#/{key}")
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.wait_for_load_state("networkidle")


def audit_entries(served: Served, **query: str) -> list[dict[str, Any]]:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    items: list[dict[str, Any]] = served.get(f"/v1/console/audit?{q}")["items"]
    return items


def test_login_with_a_one_time_token(page: Any, served: Served) -> None:
    started = time.monotonic()
    page.goto(served.base + "/console/")
    page.get_by_label("员工令牌").wait_for()
    timing = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
    (ARTIFACTS / "first-load.json").write_text(
        json.dumps({"wall_ms": round((time.monotonic() - started) * 1000), **timing}, indent=1)
    )
    shot(page, "login")
    assert serious_violations(page) == []
    page.get_by_label("员工令牌").fill("hnt_wrong")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("bearer token").first.wait_for()  # the problem+json title and detail are shown
    page.get_by_label("员工令牌").fill(served.login)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录 officer").wait_for()
    # the one-time token was exchanged for a session: it no longer opens anything
    again = httpx.post(
        served.base + "/v1/console/session", headers={"Authorization": f"Bearer {served.login}"}
    )
    assert again.status_code == 401 and again.json()["code"] == "token_revoked"
    # the console's session token lives in memory only: nothing in cookies or storage
    assert page.context.cookies() == []
    assert page.evaluate("() => Object.keys(localStorage).length + Object.keys(sessionStorage).length") <= 1


def test_pending_shows_names_offer_and_screening_and_the_officer_approves_and_rejects(
    page: Any, served: Served
) -> None:
    open_page(page, served, "pending", "待办")
    card = page.locator(f'[data-contract="{served.approve}"]')
    card.get_by_text("insurer-a").wait_for()
    assert "product-aggregate" in card.inner_text()
    assert "产品报价" in card.inner_text() and "actuarial_statistics" in card.inner_text()
    assert "通过" in card.inner_text()  # the negotiation policy's screening
    assert page.locator(f'[data-contract="{served.waiting}"]').count() == 1
    shot(page, "pending")
    assert serious_violations(page) == []

    card.get_by_role("button", name="批准").click()
    card.wait_for(state="detached")
    approved = served.get(f"/v1/contracts/{served.approve}")
    assert approved["state"] == "AGREED"
    assert [a["by"] for a in approved["approvals"]] == [served.officer]

    rejecting = page.locator(f'[data-contract="{served.reject}"]')
    rejecting.get_by_role("button", name="拒绝").click()
    page.locator(".el-message-box input").fill("研究方案未附伦理批件")
    page.get_by_role("button", name="确定").click()
    rejecting.wait_for(state="detached")
    rejected = served.get(f"/v1/contracts/{served.reject}")
    assert rejected["state"] == "REJECTED" and rejected["reason"] == "研究方案未附伦理批件"

    countering = page.locator(f'[data-contract="{served.waiting}"]')
    countering.get_by_role("button", name="还价").click()
    page.get_by_label("使用次数上限").fill("5")
    page.get_by_label("隐私预算ε").fill("1.5")
    page.locator(".el-dialog").get_by_role("button", name="提交").click()
    countering.wait_for(state="detached")
    countered = served.get(f"/v1/contracts/{served.waiting}")
    assert countered["state"] == "COUNTER_OFFERED" and countered["version"] == 2
    assert (countered["terms"]["max_uses"], countered["terms"]["epsilon"]) == (5, 1.5)
    assert countered["terms"]["purpose"] == "drug_research"  # the rest of the request is kept
    # audited under the named officer
    done = {(e["action"], e["object_id"], e["outcome"]) for e in audit_entries(served, actor=served.officer)}
    assert ("contract.approve", served.approve, "success") in done
    assert ("contract.reject", served.reject, "success") in done
    assert ("contract.counter_offer", served.waiting, "success") in done
    assert "token.issue" in {action for action, _, _ in done}  # the console session


def test_the_officer_overrides_a_grade(page: Any, served: Served) -> None:
    open_page(page, served, "assets", "数据资产")
    # issue 19: each asset shows its data-quality alerts (the rules its current version breaks)
    listed = {a["id"]: a for a in served.get("/v1/console/assets?limit=200")["items"]}
    alerts = listed[served.asset]["quality_alerts"]
    shown = page.locator(f'[data-quality="{served.asset}"]').inner_text()
    assert (f"未通过 {len(alerts)}" if alerts else "通过") in " ".join(shown.split())
    row = page.locator("tr.el-table__row").filter(has=page.locator(f'[data-quality="{served.asset}"]'))
    row.locator(".el-table__expand-icon").click()
    if alerts:  # each broken rule with its counts, never a value
        listed_rules = page.locator(f'[data-alerts="{served.asset}"] li').all_inner_texts()
        assert [x.split(": ")[-1] for x in listed_rules] == [
            f"{a['violations']}/{a['checked']}" for a in alerts
        ]
    page.locator(f'[data-grade="{served.asset}"]').click()
    dialog = page.locator(".el-dialog")
    dialog.locator("label").filter(has_text="5").first.click()
    dialog.locator("textarea").fill("含检验结果与病案号，按5级管理")
    dialog.get_by_role("button", name="提交").click()
    page.locator(f'[data-level="{served.asset}"]').filter(has_text="5").wait_for()
    asset = served.get(f"/v1/assets/{served.asset}")
    assert asset["confirmed"]["level"] == 5 and asset["confirmed"]["by"] == served.officer
    assert asset["confirmed"]["reasons"][0] == "含检验结果与病案号，按5级管理"
    # 定级人 names the person, not a principal id
    assert page.locator(f'[data-grader="{served.asset}"]').inner_text().strip() == "officer"
    page.keyboard.press("Escape")
    shot(page, "assets")
    assert serious_violations(page) == []
    page.get_by_role("tab", name="数据产品").click()
    page.get_by_text("product-aggregate").first.wait_for()


def test_the_assets_second_page_comes_from_the_database(page: Any, served: Served) -> None:
    open_page(page, served, "assets", "数据资产")
    second = served.get("/v1/console/assets?offset=10&limit=10")
    assert second["total"] == 14 and len(second["items"]) == 4
    page.get_by_role("tab", name="资产", exact=True).click()  # the test before left the products tab open
    assets_tab = page.locator("#pane-assets")
    assets_tab.get_by_text(f"共 {second['total']} 条").wait_for()
    assets_tab.locator(".el-pager li.number").filter(has_text="2").click()
    for a in second["items"]:
        page.locator(f'[data-quality="{a["id"]}"]').wait_for()
    assert assets_tab.locator("tr.el-table__row").filter(has=page.locator("[data-quality]")).count() == 4
    shot(page, "assets-page-2")
    assert serious_violations(page) == []


def test_data_map_draws_the_graph_and_the_regions_map_apart(page: Any, served: Served) -> None:
    open_page(page, served, "map", "数据地图")
    page.locator("canvas").first.wait_for()
    graph = served.get("/v1/console/map")
    kinds = {n["kind"] for n in graph["nodes"]}
    assert kinds == {"department", "source_system", "asset", "product", "contract", "partner"}
    assert any(link["target"] == served.active for link in graph["links"])
    # the region's hospitals and products, from the running regional registry, in their own section
    region = page.locator("[data-region-map]")
    region.get_by_role("heading", name="区域数据地图").wait_for()
    region.get_by_text("示例医院数据节点").first.wait_for()
    shown = region.locator("table").first.inner_text() + region.locator("table").last.inner_text()
    assert all(title in shown for title in served.region_products), shown
    assert region.locator("canvas").count() == 1 and page.locator("canvas").count() == 2
    assert region.locator("[data-region-none]").count() == 0
    shot(page, "map")
    assert serious_violations(page) == []


def test_a_contracts_verification(page: Any, served: Served) -> None:
    open_page(page, served, "contracts", "合约")
    page.get_by_label("合作方名称或合约号").fill(served.active)
    page.get_by_role("button", name="搜索").click()
    page.locator(f'[data-open="{served.active}"]').click()
    drawer = page.locator(".el-drawer")
    drawer.get_by_text("contract.sign").first.wait_for()  # the state timeline, from the audit log
    drawer.locator("[data-verify]").click()
    drawer.get_by_text("验证结果: OK").wait_for()
    anchor = drawer.locator("[data-anchor]").inner_text()
    assert "区块" in anchor and "0x" in anchor
    assert drawer.locator("canvas").count() == 2  # uses and ε gauges
    shot(page, "contract")
    assert serious_violations(page) == []
    drawer.get_by_role("button", name="撤销").click()
    page.locator(".el-message-box input").fill("合作方违反禁止再识别条款")
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    drawer.get_by_text("已撤销 (REVOKED)").wait_for()
    revoked = served.get(f"/v1/contracts/{served.active}")
    assert revoked["state"] == "REVOKED" and revoked["reason"] == "合作方违反禁止再识别条款"
    page.keyboard.press("Escape")


def test_an_audit_entrys_inclusion_proof(page: Any, served: Served) -> None:
    open_page(page, served, "audit", "审计")
    page.get_by_label("动作").fill("principal.register")
    page.get_by_role("button", name="搜索").click()
    page.locator("[data-verify-chain]").click()
    page.get_by_text("审计链完好").wait_for()
    first = page.locator("[data-prove]").first
    first.wait_for()
    first.click()
    proof = page.locator("[data-proof]")
    proof.wait_for()
    text = proof.inner_text()
    assert text.count("✔") == 2 and "✘" not in text and "区块" in text
    shot(page, "audit")
    assert serious_violations(page) == []
    page.keyboard.press("Escape")


def test_privacy_and_imports_pages_and_the_english_switch(page: Any, served: Served) -> None:
    open_page(page, served, "privacy", "隐私计算任务")
    shot(page, "privacy")
    assert serious_violations(page) == []
    open_page(page, served, "imports", "导入")
    page.get_by_text("csv").first.wait_for()
    shot(page, "imports")
    assert serious_violations(page) == []
    page.get_by_text("English").click()
    page.get_by_role("heading", name="Imports").wait_for()
    assert page.get_by_role("menuitem", name="To do").count() == 1
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert serious_violations(page) == []
    page.get_by_text("中文").click()
    page.get_by_role("heading", name="导入").wait_for()


def test_settlement_shows_claims_in_yuan_and_the_days_reconciliation(page: Any, served: Served) -> None:
    open_page(page, served, "settlement", "结算")
    settled, pending = served.claims
    settled_row = page.locator("tr.el-table__row").filter(has=page.locator(f'[data-claim="{settled}"]'))
    settled_row.wait_for()
    text = settled_row.inner_text()
    assert "已结算" in text and "9,015.00" in text and "7,212.00" in text and "1,803.00" in text
    assert "insurer-a" in text and "一站式结算" in text
    pending_row = page.locator("tr.el-table__row").filter(has=page.locator(f'[data-claim="{pending}"]'))
    assert "2,040.00" in pending_row.inner_text() and "已结算" not in pending_row.inner_text()
    recon = page.locator("[data-reconciliation] tr.el-table__row")
    recon.first.wait_for()
    cells = " ".join(recon.first.inner_text().split())
    for expected in ("insurer-a", "2 1 1", "11,055.00", "7,212.00", "1,803.00", "2,040.00"):
        assert expected in cells, cells
    shot(page, "settlement")
    assert serious_violations(page) == []
    reconciled = audit_entries(served, actor=served.officer, action="settlement.reconcile")
    assert reconciled and reconciled[0]["outcome"] == "success"  # read through the API, by the officer
    page.locator("form.toolbar .el-select").click()
    page.get_by_role("option", name="已结算").click()
    page.get_by_role("button", name="搜索").click()
    page.locator(f'[data-claim="{pending}"]').wait_for(state="detached")
    assert page.locator(f'[data-claim="{settled}"]').count() == 1


def test_the_officer_grants_and_withdraws_a_consent(page: Any, served: Served) -> None:
    open_page(page, served, "consents", "授权")
    page.locator(f'[data-consent-state="{served.consent}"]').filter(has_text="有效").wait_for()
    page.locator("[data-grant]").click()
    dialog = page.locator(".el-dialog")
    dialog.get_by_label("患者编号").fill("P-E2E-2")
    dialog.get_by_label("合作方").fill("insurer-a")
    dialog.get_by_label("用途").fill("claims_verification")
    dialog.get_by_label("渠道").select_option("signed_form")
    dialog.get_by_label("凭证").fill("知情同意书 2026-0457")
    shot(page, "consent-grant")
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="提交").click()
    dialog.wait_for(state="hidden")
    granted = served.get_as(served.officer_token, "/v1/console/consents?patient_id=P-E2E-2")["items"]
    assert len(granted) == 1 and granted[0]["in_force"] and granted[0]["recorded_by"] == served.officer
    assert (granted[0]["channel"], granted[0]["evidence"]) == ("signed_form", "知情同意书 2026-0457")
    page.locator(f'[data-consent-state="{granted[0]["id"]}"]').filter(has_text="有效").wait_for()

    page.locator(f'[data-withdraw="{served.consent}"]').click()
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    page.locator(f'[data-consent-state="{served.consent}"]').filter(has_text="已撤回").wait_for()
    [withdrawn] = served.get_as(served.officer_token, "/v1/console/consents?patient_id=P-E2E-1")["items"]
    assert withdrawn["withdrawn_by"] == served.officer and withdrawn["in_force"] is False
    done = {(e["action"], e["object_id"]) for e in audit_entries(served, actor=served.officer)}
    assert ("consent.grant", granted[0]["id"]) in done and ("consent.withdraw", served.consent) in done
    shot(page, "consents")
    assert serious_violations(page) == []


def test_logout_revokes_the_session(page: Any, served: Served) -> None:
    open_page(page, served, "pending", "待办")
    page.get_by_role("button", name="退出").click()
    page.get_by_label("员工令牌").wait_for()
    sessions = [e for e in audit_entries(served, actor=served.officer) if e["action"] == "token.revoke"]
    assert len(sessions) == 2  # the one-time login, then the session itself


def test_sign_in_with_an_sm2_signed_challenge(page: Any, served: Served) -> None:
    page.goto(served.base + "/console/")
    page.get_by_role("tab", name="SM2 签名登录").click()
    page.get_by_label("用户名").fill("officer-zhao")
    page.get_by_role("button", name="获取挑战").click()
    command = page.get_by_label("用已登记的私钥签名挑战：").input_value()
    challenge = command.split("'")[3]  # printf '%s' '<challenge>' | hnode crypto sign ...
    assert json.loads(challenge)["principal"] == "officer-zhao"
    page.get_by_label("签名（十六进制）").fill(served.sm2_key.sign(challenge.encode()).hex())
    shot(page, "login-sm2")
    assert serious_violations(page) == []
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录 officer-zhao").wait_for()


def test_an_idle_session_ends_and_its_token_is_revoked(page: Any, served: Served) -> None:
    page.clock.install()
    page.goto(served.base + "/console/")
    page.get_by_label("员工令牌").fill(served.api_token)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录 admin").wait_for()
    page.clock.fast_forward("16:00")  # 15 idle minutes end a session
    page.get_by_text("会话已过期").wait_for()
    page.get_by_label("员工令牌").wait_for()
    revoked = [e for e in audit_entries(served, action="token.revoke") if e["actor"] != served.officer]
    assert len(revoked) == 1  # the admin's console session, by the console's logout on expiry


def test_the_ethics_reviewer_approves_what_waits_for_the_ethics_review(page: Any, served: Served) -> None:
    page.goto(served.base + "/console/")
    page.get_by_label("员工令牌").fill(served.ethics)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录 ethics").wait_for()
    assert page.get_by_role("menuitem", name="导入").count() == 0  # not a page for this role
    card = page.locator(f'[data-contract="{served.ethics_case}"]')
    ethics_button = card.get_by_role("button", name="伦理批准", exact=True)
    ethics_button.wait_for()  # the card has rendered: what it lacks is now meaningful
    assert card.get_by_role("button", name="批准", exact=True).count() == 0  # the officer's step is done
    ethics_button.click()
    card.wait_for(state="detached")
    agreed = served.get(f"/v1/contracts/{served.ethics_case}")
    assert agreed["state"] == "AGREED" and [a["role"] for a in agreed["approvals"]] == [
        "data_officer",
        "ethics_reviewer",
    ]
