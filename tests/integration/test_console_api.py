"""The console's read models and sessions over HTTP (/v1/console/...); the contract and audit pages,
which add repository queries, on SQLite and PostgreSQL, the rest on SQLite."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.api.console_static import mount_console
from node.crypto.sm import PrivateKey, PublicKey
from node.errors import Unauthorized
from node.identity.challenge import DOMAIN, ChallengeLogin
from tests.conftest import make_container
from tests.contract_world import World, build_world


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(sqlite_url, tmp_path / "node")
    yield build_world(c, tmp_path / "samples")
    c.close()


@pytest.fixture
def world_on_each_db(db_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(db_url, tmp_path / "node")
    yield build_world(c, tmp_path / "samples")
    c.close()


def _auth(w: World, principal_id: str, label: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {w.c.identity.issue_token('cli:t', principal_id, label=label).secret}"}


def test_pending_names_partner_and_product_beside_the_offer_and_screening(world: World) -> None:
    w = world
    http = TestClient(create_app(w.c))
    first = w.c.contracts.request(
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
    )
    second = w.c.contracts.request(
        w.researcher, w.products["federated"], w.terms("federated_training", "drug_research", epsilon=2.0)
    )
    w.c.contracts.request(  # refused by policy at once: not pending
        w.insurer, w.products["aggregate"], w.terms("aggregate_query", "marketing")
    )
    officer = _auth(w, w.officer.id)
    page = http.get("/v1/console/pending?limit=1", headers=officer).json()
    assert page["total"] == 2 and [x["id"] for x in page["items"]] == [first.id]
    row = page["items"][0]
    assert (row["partner_name"], row["partner_org"], row["product_name"]) == (
        "insurer-a",
        "某保险",
        "product-aggregate",
    )
    assert row["offer"]["max_uses"] == 1_000_000 and row["terms"]["max_uses"] == 10
    assert row["screening"] == {"allow": True, "reasons": [], "obligations": {"ethics_review": False}}
    assert row["assets"][0]["reasons"]  # the grade's reasons come along
    nxt = http.get("/v1/console/pending?offset=1&limit=1", headers=officer).json()
    assert [x["id"] for x in nxt["items"]] == [second.id]
    assert nxt["items"][0]["screening"]["obligations"] == {"ethics_review": True}
    # the ethics reviewer sees the queue too; partners see nothing of it
    assert http.get("/v1/console/pending", headers=_auth(w, w.ethics.id)).status_code == 200
    denied = http.get("/v1/console/pending", headers=_auth(w, w.insurer.id))
    assert denied.status_code == 403 and denied.json()["code"] == "role_forbidden"
    assert http.get("/v1/console/pending").status_code == 401


def test_contracts_assets_imports_and_map_pages(world_on_each_db: World) -> None:
    w = world_on_each_db
    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    ids = [
        w.c.contracts.request(
            w.insurer, w.products["aggregate"], w.terms("aggregate_query", "actuarial_statistics")
        ).id
        for _ in range(3)
    ]
    page = http.get("/v1/console/contracts?limit=2", headers=officer).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert {x["partner_name"] for x in page["items"]} == {"insurer-a"}
    found = http.get(f"/v1/console/contracts?q={ids[1]}", headers=officer).json()
    assert [x["id"] for x in found["items"]] == [ids[1]]
    assert http.get("/v1/console/contracts?state=ACTIVE", headers=officer).json()["total"] == 0
    newest_first = http.get("/v1/console/contracts?offset=2&limit=2", headers=officer).json()["items"]
    assert [x["id"] for x in newest_first] == [ids[0]]
    by_partner = http.get("/v1/console/contracts?q=INSURER-A", headers=officer).json()
    by_product = http.get("/v1/console/contracts?q=product-aggr", headers=officer).json()
    assert by_partner["total"] == by_product["total"] == 3
    assert http.get("/v1/console/contracts?q=institute", headers=officer).json()["total"] == 0
    assert http.get("/v1/console/contracts?q=100%25", headers=officer).json()["total"] == 0  # LIKE escaped
    bad = http.get("/v1/console/contracts?state=NOPE", headers=officer)
    assert bad.status_code == 422 and bad.json()["code"] == "state_unknown"

    assets = http.get("/v1/console/assets?limit=2", headers=officer).json()
    assert assets["total"] == 5 and len(assets["items"]) == 2
    assert all("pii_columns" in a and a["grade_in_force"]["reasons"] for a in assets["items"])
    assert http.get("/v1/console/assets?level=5&limit=50", headers=officer).json()["total"] == sum(
        1 for a in w.c.assets.search() if a.grade.level == 5
    )
    imports = http.get("/v1/console/imports", headers=officer).json()
    assert imports["total"] == 1 and len(imports["items"][0]["assets"]) == 5

    graph = http.get("/v1/console/map", headers=officer).json()
    by_id = {n["id"]: n for n in graph["nodes"]}
    assert {n["kind"] for n in graph["nodes"]} == {
        "department",
        "source_system",
        "asset",
        "product",
        "contract",
        "partner",
    }
    assert by_id[ids[0]]["level"] == w.c.contracts.get(w.officer, ids[0]).level
    assert {"source": ids[0], "target": w.insurer.id} in graph["links"]
    assert {"source": w.products["aggregate"], "target": ids[0]} in graph["links"]


def test_the_assets_page_carries_each_assets_quality_alerts(world: World, tmp_path: Path) -> None:
    """issue 19: the 数据资产 page shows each asset's data-quality results: every rule its current version
    breaks, those the previous version kept marked new (the import's alert)."""
    from connectors.registry import open_source

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "hl7" / "lis_gb18030.hl7"
    feed = tmp_path / "lis.hl7"
    feed.write_bytes(fixture.read_bytes())
    w = world
    first = w.c.assets.import_source("cli:t", open_source("hl7", str(feed)))
    obs = next(a for a in first.assets if a.table == "observations")
    # the LIS now sends glucose in mg/dL: 112 mg/dL breaks the unit rule and the plausible range
    text = fixture.read_bytes().decode("gb18030").replace("||6.2|mmol/L|", "||112|mg/dL|")
    feed.write_bytes(text.encode("gb18030"))
    w.c.assets.import_source("cli:t", open_source("hl7", str(feed)))

    http = TestClient(create_app(w.c))
    items = http.get("/v1/console/assets?limit=200", headers=_auth(w, w.officer.id)).json()["items"]
    by_id = {a["id"]: a for a in items}
    alerts = by_id[obs.id]["quality_alerts"]
    new = {(a["rule"], a["column"]) for a in alerts if a["new"]}
    assert new == {("plausibility", "value[2345-7]"), ("validity", "unit[2345-7]")}
    assert alerts[: len(new)] == [a for a in alerts if a["new"]]  # the new ones first
    unit = next(a for a in alerts if a["column"] == "unit[2345-7]")
    assert (unit["violations"], unit["checked"]) == (1, 1)
    assert all(set(a) == {"rule", "column", "violations", "checked", "new"} for a in alerts)  # no values
    current = w.c.assets.get(obs.id).quality["rules"]
    assert len(alerts) == sum(1 for r in current if not r["passed"])
    for a in items:  # every asset carries the list, empty when its rules all hold
        failing = [r for r in a["quality"].get("rules", []) if not r["passed"]]
        assert len(a["quality_alerts"]) == len(failing)


def test_audit_pages_back_by_sequence_and_names_the_actors(world_on_each_db: World) -> None:
    w = world_on_each_db
    http = TestClient(create_app(w.c))
    officer = _auth(w, w.officer.id)
    first = http.get("/v1/console/audit?limit=5", headers=officer).json()
    seqs = [e["seq"] for e in first["items"]]
    assert seqs == sorted(seqs, reverse=True) and first["next_before_seq"] == seqs[-1]
    older = http.get(f"/v1/console/audit?limit=5&before_seq={seqs[-1]}", headers=officer).json()
    assert older["items"][0]["seq"] == seqs[-1] - 1
    product = w.products["aggregate"]
    about = http.get(f"/v1/console/audit?object_id={product}", headers=officer).json()
    assert {e["action"] for e in about["items"]} == {"product.create", "product.publish"}
    assert about["names"] == {w.officer.id: "officer"} and about["next_before_seq"] is None


def test_a_one_time_login_becomes_a_one_hour_session_and_logout_revokes_it(world: World) -> None:
    w = world
    http = TestClient(create_app(w.c))
    one_time = _auth(w, w.officer.id, label="one-time console login")
    r = http.post("/v1/console/session", headers=one_time)
    assert r.status_code == 201
    s = r.json()
    assert s["principal"]["name"] == "officer"
    assert s["expires_at_us"] - w.c.clock.now_us() <= 3600 * 10**6
    session = {"Authorization": f"Bearer {s['token']}"}
    assert http.get("/v1/whoami", headers=session).json()["id"] == w.officer.id
    again = http.post("/v1/console/session", headers=one_time)
    assert again.status_code == 401 and again.json()["code"] == "token_revoked"
    # an ordinary staff token survives the exchange
    plain = _auth(w, w.officer.id)
    assert http.post("/v1/console/session", headers=plain).status_code == 201
    assert http.get("/v1/whoami", headers=plain).status_code == 200
    assert http.delete("/v1/console/session", headers=session).status_code == 204
    gone = http.get("/v1/whoami", headers=session)
    assert gone.status_code == 401 and gone.json()["code"] == "token_revoked"
    partner = http.post("/v1/console/session", headers=_auth(w, w.insurer.id))
    assert partner.status_code == 403
    actions = [e.action for e in w.c.audit.recent(20, actor=w.officer.id)]
    assert actions.count("token.issue") == 2 and actions.count("token.revoke") == 2


def test_the_built_console_is_served_with_headers_that_forbid_framing_and_foreign_scripts(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>数据管理工作台</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    monkeypatch.setenv("NODE_CONSOLE_DIR", str(dist))
    assert not mount_console(create_app(world.c), tmp_path / "missing")  # not built: nothing mounted
    http = TestClient(create_app(world.c))
    assert http.get("/console", follow_redirects=False).headers["location"] == "/console/"
    index = http.get("/console/")
    assert index.status_code == 200 and "数据管理工作台" in index.text
    assert "frame-ancestors 'none'" in index.headers["content-security-policy"]
    assert index.headers["x-frame-options"] == "DENY" and index.headers["cache-control"] == "no-cache"
    bundle = http.get("/console/assets/app-1234.js")
    assert "immutable" in bundle.headers["cache-control"]
    assert http.get("/console/assets/nope.js").status_code == 404


class _Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000_000_000

    def now_us(self) -> int:
        return self.t


def test_staff_sign_in_with_an_sm2_signed_challenge(world: World) -> None:
    w = world
    http = TestClient(create_app(w.c))
    key, other = PrivateKey.generate(), PrivateKey.generate()
    staff = w.c.identity.register(
        "cli:t", "officer-zhao", ["data_officer"], "数据管理办公室", key.public_key().to_hex()
    )

    def signed(name: str, signer: PrivateKey) -> dict[str, str]:
        ch = http.post("/v1/console/challenge", json={"name": name}).json()
        sig = signer.sign(ch["challenge"].encode()).hex()
        return {"challenge": ch["challenge"], "node_signature": ch["node_signature"], "signature": sig}

    good = signed("officer-zhao", key)
    # the node's signature is domain-separated: not a signature of the bare challenge text
    node_key = PublicKey.from_hex(w.c.signer.public_key_hex)
    assert not node_key.verify(bytes.fromhex(good["node_signature"]), good["challenge"].encode())
    assert node_key.verify(bytes.fromhex(good["node_signature"]), DOMAIN + good["challenge"].encode())
    r = http.post("/v1/console/session/sm2", json=good)
    assert r.status_code == 201, r.text
    session = {"Authorization": f"Bearer {r.json()['token']}"}
    assert http.get("/v1/whoami", headers=session).json()["id"] == staff.id
    reused = http.post("/v1/console/session/sm2", json=good)
    assert reused.status_code == 401 and reused.json()["code"] == "challenge_used"

    wrong = http.post("/v1/console/session/sm2", json=signed("officer-zhao", other))
    assert wrong.status_code == 401 and wrong.json()["code"] == "signature_invalid"
    denied = w.c.audit.recent(1, actor=staff.id)[0]
    assert (denied.action, denied.outcome) == ("auth.sm2", "denied")
    # a challenge the node did not sign, one naming someone else, a partner, a name nobody has
    forged = {**signed("officer-zhao", key)}
    forged["challenge"] = forged["challenge"].replace("officer-zhao", "officer")
    assert http.post("/v1/console/session/sm2", json=forged).json()["code"] == "challenge_invalid"
    partner = signed("insurer-a", w.insurer_key)
    assert http.post("/v1/console/session/sm2", json=partner).json()["code"] == "signature_invalid"
    nobody = signed("nobody-here", key)
    assert http.post("/v1/console/session/sm2", json=nobody).json()["code"] == "signature_invalid"
    # two minutes later the challenge is worthless
    clock = _Clock()
    login = ChallengeLogin(
        w.c.identity, lambda: w.c.signer, clock, w.c.audit, w.c.settings.name, OrderedDict()
    )
    ch = login.challenge("officer-zhao")
    clock.t += 121 * 1_000_000
    with pytest.raises(Unauthorized) as late:
        login.redeem(ch.text, ch.node_signature, key.sign(ch.text.encode()).hex(), "t")
    assert late.value.code == "challenge_expired"


def test_import_sources_are_shown_without_database_passwords() -> None:
    from node.api.routes.console import _without_password

    assert (
        _without_password("postgresql+psycopg://his:s3cret@db:5432/his")
        == "postgresql+psycopg://his:***@db:5432/his"
    )
    assert _without_password("sqlite:////var/his.db") == "sqlite:////var/his.db"
    assert _without_password("/srv/inbox/fhir") == "/srv/inbox/fhir"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/console/contracts", {"offset": 2**63}),
        ("/v1/console/pending", {"offset": 2**63}),
        ("/v1/console/audit", {"before_seq": 2**64}),
    ],
)
def test_paging_beyond_64_bits_is_refused_not_a_server_error(
    world_on_each_db: World, path: str, params: dict[str, int]
) -> None:
    """Found by schemathesis: an offset past the databases' 64-bit OFFSET answered 500."""
    w = world_on_each_db
    client = TestClient(create_app(w.c), raise_server_exceptions=False)
    r = client.get(path, params=params, headers=_auth(w, w.officer.id))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert (
        client.get(
            path, params={k: 0 if k == "offset" else 5 for k in params}, headers=_auth(w, w.officer.id)
        ).status_code
        == 200
    )
