"""Read models the officer console needs beyond the resource routes: names beside ids, pages with
totals, the data map, and the console's own short-lived sessions. Every decision the console takes
goes through the resource routes (``/v1/contracts/...``, ``/v1/assets/...``), audited under the
signed-in person."""

from __future__ import annotations

import contextlib
import re
from collections import OrderedDict
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from node.adapters.region_map import fetch_region_map
from node.api.deps import container, public, require
from node.api.schemas import AuditEntryOut, PrincipalOut
from node.asset_registry.catalog import asset_record
from node.asset_registry.model import AccessMode, Asset, Product
from node.asset_registry.offers import offer_limits
from node.asset_registry.ports import AssetFilter
from node.bootstrap import Container
from node.contracts.model import Contract, State, contract_view
from node.contracts.ports import ContractFilter
from node.contracts.services import principal_view
from node.errors import InvalidInput, NotFound
from node.identity.challenge import ChallengeLogin
from node.identity.model import Principal, Role
from node.identity.services import token_hash

router = APIRouter(prefix="/v1/console", tags=["console"])
STAFF_ALL = (Role.ADMIN, Role.DATA_OFFICER, Role.ETHICS_REVIEWER)
OPERATORS = (Role.ADMIN, Role.DATA_OFFICER)
SESSION_LABEL = "console session"
ONE_TIME_PREFIX = "one-time"
PENDING = {State.PENDING_APPROVAL, State.PENDING_ETHICS}
MAX_OFFSET = 10**9  # beyond any list here, and within the databases' 64-bit OFFSET
SEQ_MAX = 2**63 - 1  # audit sequence numbers are 64-bit


class SessionOut(BaseModel):
    token: str = Field(description="Bearer secret of this console session; kept in the page's memory only")
    token_id: str
    expires_at_us: int
    principal: PrincipalOut


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_before_seq: int | None = Field(description="pass as before_seq for the next (older) page")
    names: dict[str, str] = Field(description="the actors' names, by principal id")


class ChallengeIn(BaseModel):
    name: str = Field(min_length=2, max_length=64, description="the staff member's principal name")

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "zhang-officer"}]})


class ChallengeOut(BaseModel):
    challenge: str = Field(description="canonical JSON: sign exactly these UTF-8 bytes with your SM2 key")
    node_signature: str = Field(description="the node's SM2 signature of the challenge, hex; send it back")
    expires_at_us: int


class SignedChallengeIn(BaseModel):
    challenge: str = Field(min_length=2, max_length=1000)
    node_signature: str = Field(min_length=16, max_length=200)
    signature: str = Field(
        min_length=16, max_length=200, description="yours, DER hex (SM2, SM3, ID 1234567812345678)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "challenge": '{"expires_at_us":1796000120000000,"node":"cq-hospital-1","nonce":"9f2c...",'
                    '"principal":"zhang-officer","purpose":"hnode-console-login"}',
                    "node_signature": "30450221009b7e...",
                    "signature": "3046022100e41a...",
                }
            ]
        }
    )


class MapNode(BaseModel):
    id: str
    name: str
    kind: str = Field(description="department, source_system, asset, product, contract or partner")
    level: int | None = Field(description="the grade (1-5) of assets, products and contracts")


class MapLink(BaseModel):
    source: str
    target: str


class DataMapOut(BaseModel):
    """The data map as a graph: departments and source systems -> assets -> products -> contracts ->
    partners."""

    nodes: list[MapNode]
    links: list[MapLink]
    level_colours: dict[int, str] = Field(description="display colour of each level")
    assets_shown: int = Field(description="assets drawn: the first MAP_ASSETS and every product's own")
    assets_total: int
    contracts_shown: int
    contracts_total: int


_USED_NONCES: OrderedDict[str, int] = OrderedDict()  # redeemed challenges of this process, until they expire


def _challenges(c: Container) -> ChallengeLogin:
    return ChallengeLogin(c.identity, lambda: c.signer, c.clock, c.audit, c.settings.name, _USED_NONCES)


def _without_password(uri: str) -> str:
    """A database URL as shown to people: never with its password."""
    return re.sub(r"(://[^/:@]+:)[^@/]+@", r"\1***@", uri)


def _presented_token(request: Request) -> str:
    return request.headers.get("authorization", "").split(" ", 1)[-1].strip()


@router.post("/session", response_model=SessionOut, status_code=status.HTTP_201_CREATED)
def open_session(
    request: Request,
    me: Principal = Depends(require("console.login", *STAFF_ALL)),
    c: Container = Depends(container),
) -> SessionOut:
    """Exchange a staff token for a one-hour console session token (audited as ``token.issue`` by
    the person). A token labelled ``one-time...`` (as ``make demo`` prints) is revoked by the exchange."""
    digest = token_hash(_presented_token(request))
    presented = next((t for t in c.identity.tokens_of(me.id) if t.token_hash == digest), None)
    issued = c.identity.issue_token(me.id, me.id, ttl_hours=1, label=SESSION_LABEL)
    if presented is not None and presented.label.startswith(ONE_TIME_PREFIX):
        c.identity.revoke_token(me.id, presented.id)
    return SessionOut(
        token=issued.secret,
        token_id=issued.token.id,
        expires_at_us=issued.token.expires_at_us,
        principal=PrincipalOut.of(me),
    )


@router.post(
    "/challenge",
    response_model=ChallengeOut,
    openapi_extra=public("step 1 of the SM2 sign-in: the caller has no token yet", 422, 503),
)
def sm2_challenge(body: ChallengeIn, c: Container = Depends(container)) -> ChallengeOut:
    """Sign-in without a token, step 1 (no authentication): a two-minute challenge for staff who have
    a registered SM2 key. Sign it, e.g. ``printf '%s' "$CHALLENGE" | hnode crypto sign key.pem -``."""
    ch = _challenges(c).challenge(body.name)
    return ChallengeOut(challenge=ch.text, node_signature=ch.node_signature, expires_at_us=ch.expires_at_us)


@router.post(
    "/session/sm2",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=public("step 2 of the SM2 sign-in: the signed challenge is the credential", 401, 422, 503),
)
def open_session_sm2(body: SignedChallengeIn, c: Container = Depends(container)) -> SessionOut:
    """Sign-in without a token, step 2 (no authentication): the signed challenge buys a one-hour
    console session; a wrong, reused or expired signature is 401 (audited for a known person)."""
    me, issued = _challenges(c).redeem(body.challenge, body.node_signature, body.signature, SESSION_LABEL)
    return SessionOut(
        token=issued.secret,
        token_id=issued.token.id,
        expires_at_us=issued.token.expires_at_us,
        principal=PrincipalOut.of(me),
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def close_session(
    request: Request,
    me: Principal = Depends(require("console.logout", *STAFF_ALL)),
    c: Container = Depends(container),
) -> None:
    """Log out: revoke the console session token presented (other tokens are left alone)."""
    digest = token_hash(_presented_token(request))
    for t in c.identity.tokens_of(me.id):
        if t.token_hash == digest and t.label == SESSION_LABEL and t.revoked_at_us is None:
            c.identity.revoke_token(me.id, t.id)


def _names(c: Container) -> tuple[dict[str, Principal], dict[str, Product]]:
    return {p.id: p for p in c.identity.list_principals()}, {p.id: p for p in c.products.visible(None)}


def _contract_row(ct: Contract, people: dict[str, Principal], products: dict[str, Product]) -> dict[str, Any]:
    partner, product = people.get(ct.partner_id), products.get(ct.product_id)
    return {
        **contract_view(ct),
        "partner_name": partner.name if partner else ct.partner_id,
        "partner_org": partner.organization if partner else "",
        "product_name": product.name if product else ct.product_id,
    }


@router.get("/pending", response_model=Page)
def pending(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    me: Principal = Depends(require("console.pending", *STAFF_ALL)),
    c: Container = Depends(container),
) -> Page:
    """Contracts awaiting the officer or the ethics review, oldest first: partner and product by name,
    the requested terms beside the product's offer, and the negotiation policy's screening now."""
    people, products = _names(c)
    waiting, total = c.contracts.page(
        me, ContractFilter(states=frozenset(PENDING), newest_first=False), offset, limit
    )
    rows = []
    for ct in waiting:
        row = _contract_row(ct, people, products)
        product, partner = products.get(ct.product_id), people.get(ct.partner_id)
        row["offer"] = offer_limits(product.policy_template) if product else None
        row["product_mode"] = product.access_mode.value if product else None
        assets = [c.assets.get(a) for a in ct.asset_ids]
        row["assets"] = [
            {"id": a.id, "name": a.name, "level": a.grade.level, "reasons": a.grade.reasons} for a in assets
        ]
        if product and partner:
            decision = c.policy.decide(
                "negotiation",
                {
                    "principal": principal_view(partner),
                    "product": {
                        "id": product.id,
                        "status": product.status.value,
                        "access_mode": product.access_mode.value,
                        "level": ct.level,
                        "visible_to": product.visible_to,
                        "offer": offer_limits(product.policy_template),
                    },
                    "terms": ct.terms.as_dict(),
                },
            )
            row["screening"] = {
                "allow": decision.allow,
                "reasons": decision.reasons,
                "obligations": decision.obligations,
            }
        rows.append(row)
    return Page(items=rows, total=total, offset=offset, limit=limit)


@router.get("/contracts", response_model=Page)
def contracts(
    state: str | None = None,
    q: str | None = Query(None, max_length=100, description="id, partner or product name contains"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    me: Principal = Depends(require("console.contracts", *STAFF_ALL)),
    c: Container = Depends(container),
) -> Page:
    """All contracts, newest first, with names; filter by state and free text."""
    try:
        states = {State[state]} if state else None
    except KeyError:
        raise InvalidInput("unknown state", code="state_unknown") from None
    people, products = _names(c)
    needle = (q or "").strip().lower()
    where = ContractFilter(
        states=frozenset(states or ()),
        text=needle,
        partner_ids=frozenset(p.id for p in people.values() if needle and needle in p.name.lower()),
        product_ids=frozenset(p.id for p in products.values() if needle and needle in p.name.lower()),
    )
    found, total = c.contracts.page(me, where, offset, limit)
    rows = [_contract_row(x, people, products) for x in found]
    return Page(items=rows, total=total, offset=offset, limit=limit)


@router.get("/assets", response_model=Page)
def assets(
    text: str | None = Query(None, max_length=100),
    level: int | None = Query(None, ge=1, le=5),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    _: Principal = Depends(require("console.assets", *STAFF_ALL)),
    c: Container = Depends(container),
) -> Page:
    """The catalog, a page at a time (in registration order), each asset with the grade in force, its
    reasons, PII columns, data-quality alerts (``quality_alerts``) and who confirmed the grade by name
    (``graded_by_name``; null while the system's suggestion stands)."""
    found, total = c.assets.page(AssetFilter((text or "").strip(), level), offset, limit)
    people = {p.id: p.name for p in c.identity.list_principals()}
    rows = [
        {
            **asset_record(a),
            "quality_alerts": quality_alerts(a),
            "graded_by_name": people.get(a.confirmed.by, a.confirmed.by) if a.confirmed else None,
        }
        for a in found
    ]
    return Page(items=rows, total=total, offset=offset, limit=limit)


def quality_alerts(a: Asset) -> list[dict[str, Any]]:
    """Every quality rule the asset's current version breaks (rule, column and counts, never values),
    ``new`` where the previous version kept it (the import's alert); the new ones first."""
    alerted = {(x["rule"], x["column"]) for x in a.quality.get("alerts", [])}
    broken = [
        {
            "rule": r["rule"],
            "column": r["column"],
            "violations": r["violations"],
            "checked": r["checked"],
            "new": (r["rule"], r["column"]) in alerted,
        }
        for r in a.quality.get("rules", [])
        if not r["passed"]
    ]
    return sorted(broken, key=lambda x: not x["new"])


@router.get("/imports", response_model=Page)
def imports(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    _: Principal = Depends(require("console.imports", *OPERATORS)),
    c: Container = Depends(container),
) -> Page:
    """Imports, newest first: the source, connector, department, the rows brought and the assets each
    registered or versioned."""
    found, total = c.assets.imports(offset, limit)
    rows = [
        {
            "import_id": r.import_id,
            "connector": r.assets[0].connector,
            "source_uri": _without_password(r.assets[0].source_uri),
            "source_system": r.assets[0].source_system.value,
            "department": r.assets[0].owner_department,
            "rows": r.rows,
            "assets": [{"id": a.id, "name": a.name, "level": a.grade.level} for a in r.assets],
            "at_us": r.at_us,
        }
        for r in found
    ]
    return Page(items=rows, total=total, offset=offset, limit=limit)


@router.get("/he-queries", response_model=Page)
def he_queries(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    me: Principal = Depends(require("console.he", *OPERATORS)),
    c: Container = Depends(container),
) -> Page:
    """Every metered homomorphic-encryption query, newest first, with its contract and partner."""
    found, total = c.contracts.usage_page(me, AccessMode.HE_QUERY.value, offset, limit)
    people = {p.id: p.name for p in c.identity.list_principals()}
    contracts = {i: c.contracts.get(me, i) for i in {r.contract_id for r in found}}
    rows = []
    for r in found:
        ct = contracts[r.contract_id]
        rows.append(
            {
                **asdict(r),
                "partner_name": people.get(ct.partner_id, ct.partner_id),
                "epsilon_total": ct.terms.epsilon,
            }
        )
    return Page(items=rows, total=total, offset=offset, limit=limit)


@router.get("/fl-jobs", response_model=Page)
def fl_jobs(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    me: Principal = Depends(require("console.fl", *OPERATORS)),
    c: Container = Depends(container),
) -> Page:
    """Federated training jobs, newest first, paged in the database."""
    found, total = c.fl_jobs.page(me, offset, limit)
    return Page(items=[j.view() for j in found], total=total, offset=offset, limit=limit)


@router.get("/audit", response_model=AuditPage)
def audit(
    before_seq: int | None = Query(None, ge=1, le=SEQ_MAX),
    limit: int = Query(20, ge=1, le=200),
    actor: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64),
    object_id: str | None = Query(None, max_length=128),
    _: Principal = Depends(require("console.audit", *STAFF_ALL)),
    c: Container = Depends(container),
) -> AuditPage:
    """The audit timeline, newest first, paged by sequence number (keyset: stays fast on long logs)."""
    entries = c.audit.recent(limit, actor, action, before_seq, object_id)
    more = len(entries) == limit and entries[-1].seq > 1
    actors = {e.actor for e in entries}
    return AuditPage(
        items=[AuditEntryOut.of(e) for e in entries],
        next_before_seq=entries[-1].seq if more else None,
        names={p.id: p.name for p in c.identity.list_principals() if p.id in actors},
    )


MAP_CONTRACTS = 200  # the most recent ones: a map of thousands of contracts would show nothing
MAP_ASSETS = 300  # likewise for assets (in registration order), besides those the products publish
LEVEL_COLOURS = {1: "#67c23a", 2: "#95d475", 3: "#e6a23c", 4: "#f56c6c", 5: "#a8071a"}


@router.get("/map", response_model=DataMapOut)
def data_map(
    me: Principal = Depends(require("console.map", *STAFF_ALL)), c: Container = Depends(container)
) -> dict[str, Any]:
    """The hospital's data map as a graph: departments and source systems -> assets -> products ->
    contracts -> partners; assets, products and contracts carry their level (1-5)."""
    nodes: dict[str, dict[str, Any]] = {}
    links: list[dict[str, str]] = []

    def node(key: str, name: str, kind: str, level: int | None = None) -> str:
        nodes.setdefault(key, {"id": key, "name": name, "kind": kind, "level": level})
        return key

    people, products = _names(c)
    page, assets_total = c.assets.page(AssetFilter(), 0, MAP_ASSETS)
    shown = {a.id: a for a in page}
    for aid in sorted({a for p in products.values() for a in p.asset_ids} - shown.keys()):
        with contextlib.suppress(NotFound):  # a product's assets are drawn even beyond the cap
            shown[aid] = c.assets.get(aid)
    asset_level: dict[str, int] = {}
    for a in shown.values():
        asset_level[a.id] = a.grade.level
        aid = node(a.id, a.name, "asset", a.grade.level)
        links.append(
            {"source": node("dept:" + a.owner_department, a.owner_department, "department"), "target": aid}
        )
        system = a.source_system.value
        links.append({"source": node("sys:" + system, system, "source_system"), "target": aid})
    for p in products.values():
        level = max((asset_level.get(a, 1) for a in p.asset_ids), default=1)
        node(p.id, p.name, "product", level)
        links.extend({"source": a, "target": p.id} for a in p.asset_ids if a in nodes)
    recent, total = c.contracts.page(me, ContractFilter(), 0, MAP_CONTRACTS)
    for ct in recent:
        if ct.product_id not in nodes:
            continue
        node(ct.id, f"{ct.id} ({ct.state.name})", "contract", ct.level)
        links.append({"source": ct.product_id, "target": ct.id})
        partner = people.get(ct.partner_id)
        pid = node(ct.partner_id, partner.name if partner else ct.partner_id, "partner")
        links.append({"source": ct.id, "target": pid})
    return {
        "nodes": list(nodes.values()),
        "links": links,
        "level_colours": LEVEL_COLOURS,
        "assets_shown": len(shown),
        "assets_total": assets_total,
        "contracts_shown": len(recent),
        "contracts_total": total,
    }


@router.get("/claims", response_model=Page)
def claims(
    date: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="created on this day (China)"),
    status: str | None = Query(None, max_length=16, description="queued, pulled or settled"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    me: Principal = Depends(require("console.claims", *OPERATORS)),
    c: Container = Depends(container),
) -> Page:
    """One-stop settlement claims, newest first, with the insurer's name and the contract's product;
    amounts in yuan (``total``, ``payable``, ``patient_share``)."""
    people, products = _names(c)
    found, total = c.settlement.page(me, date, status, offset, limit)
    product_of = {i: c.contracts.get(me, i).product_id for i in {r.contract_id for r in found}}
    rows = []
    for r in found:
        partner, product = people.get(r.partner_id), products.get(product_of[r.contract_id])
        rows.append(
            {
                **r.view(),
                "partner_name": partner.name if partner else r.partner_id,
                "product_name": product.name if product else product_of[r.contract_id],
            }
        )
    return Page(items=rows, total=total, offset=offset, limit=limit)


@router.get("/consents", response_model=Page)
def consents(
    patient_id: str | None = Query(None, max_length=64),
    partner: str | None = Query(None, max_length=64, description="partner name or id"),
    purpose: str | None = Query(None, max_length=64),
    state: str | None = Query(None, max_length=16, description="in_force, withdrawn or expired"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=200),
    _: Principal = Depends(require("console.consents", Role.DATA_OFFICER)),
    c: Container = Depends(container),
) -> Page:
    """Patients' consents, most recently recorded first, with the partner's and the officers' names."""
    found, total = c.consents.page(patient_id, partner, purpose, state, offset, limit)
    people = {p.id: p.name for p in c.identity.list_principals()}
    now = c.clock.now_us()
    rows = [
        {
            **x.view(now),
            "partner_name": people.get(x.partner_id, x.partner_id),
            "recorded_by_name": people.get(x.recorded_by, x.recorded_by),
            "withdrawn_by_name": people.get(x.withdrawn_by, x.withdrawn_by) if x.withdrawn_by else None,
        }
        for x in found
    ]
    return Page(items=rows, total=total, offset=offset, limit=limit)


class RegionMapOut(BaseModel):
    """The region's hospitals and their published products, as the regional registry lists them."""

    configured: bool = Field(description="false: this node has no region (NODE_REGION_URL unset)")
    region_url: str | None
    generated_at_us: int | None = None
    hospitals: list[dict[str, Any]] = Field(
        default=[], description="code, hospital, stale, categories (counts by level), products, ..."
    )
    products: list[dict[str, Any]] = Field(
        default=[], description="node, hospital, product_id, title, category, level, access_mode, stale"
    )


@router.get("/region-map", response_model=RegionMapOut)
def region_map(
    _: Principal = Depends(require("console.region_map", *STAFF_ALL)),
    c: Container = Depends(container),
) -> RegionMapOut:
    """The region's data map (hospitals and their products) from the regional registry the node is
    configured with (NODE_REGION_URL, NODE_REGION_TOKEN); ``configured`` false when it has none, 503
    when the registry cannot be read."""
    url, token = c.settings.region_url, c.settings.region_token
    if url is None or token is None:
        return RegionMapOut(configured=False, region_url=url)
    return RegionMapOut(configured=True, region_url=url, **fetch_region_map(url, token.get_secret_value()))
