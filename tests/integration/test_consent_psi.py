"""Consent registry and PSI under contract (issue 18, items 1 and 2), on SQLite and PostgreSQL, the
insurer's SDK against the real app."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import private_set_intersection.python as psi_lib
import pytest
from fastapi.testclient import TestClient

from node.api.app import create_app
from node.contracts.model import DAY_US
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient
from tests.conftest import make_container
from tests.contract_world import build_world
from tests.insurer_world import InsurerWorld, build_insurer_world

OUTSIDERS = ["11010519491231002X", "440524188001010014"]  # valid IDs, not patients of this hospital


@pytest.fixture
def iw(db_url: str, tmp_path: Path) -> Iterator[InsurerWorld]:
    c = make_container(db_url, tmp_path / "node")
    yield build_insurer_world(build_world(c, tmp_path / "samples"), tmp_path / "samples")
    c.close()


def _request(reveal: bool, items: list[str]) -> bytes:
    """A raw PSI request, as any client could send it (the light client's checks bypassed)."""
    return bytes(psi_lib.client.CreateWithNewKey(reveal).CreateRequest(items).SerializeToString())


def _insurer(iw: InsurerWorld) -> tuple[InsurerClient, TestClient]:
    http = TestClient(create_app(iw.w.c))
    token = iw.w.c.identity.issue_token("cli:t", iw.w.insurer.id).secret
    return InsurerClient(PartnerClient("", token, http=http)), http


def _audit_text(iw: InsurerWorld) -> str:
    return json.dumps([e.details for e in iw.w.c.audit.recent(limit=1000)], ensure_ascii=False)


def test_consent_registry_records_lists_and_withdraws(iw: InsurerWorld) -> None:
    c, officer = iw.w.c, iw.w.officer
    now = c.clock.now_us()
    a = c.consents.grant(
        officer.id,
        "h1-p000001",
        "insurer-a",
        "claims_verification",
        now - 1,
        now + DAY_US,
        "app",
        "app-rec-17",
    )
    c.consents.grant(
        officer.id,
        "h1-p000002",
        "insurer-a",
        "claims_verification",
        now + DAY_US,
        now + 2 * DAY_US,
        "kiosk",
        "kiosk-9",
    )  # not yet in force
    c.consents.grant(
        officer.id,
        "h1-p000003",
        "insurer-a",
        "underwriting_risk_model",
        now - 1,
        now + DAY_US,
        "signed_form",
        "F-3",
    )  # another purpose
    assert c.consents.consenting(iw.w.insurer.id, "claims_verification") == {"h1-p000001"}
    assert [x.patient_id for x in c.consents.list(partner="insurer-a", purpose="claims_verification")] == [
        "h1-p000001",
        "h1-p000002",
    ]
    c.consents.withdraw(officer.id, a.id)
    assert c.consents.consenting(iw.w.insurer.id, "claims_verification") == set()
    assert c.consents.list(patient_id="h1-p000001")[0].withdrawn_by == officer.id
    with pytest.raises(Conflict):
        c.consents.withdraw(officer.id, a.id)
    with pytest.raises(NotFound):
        c.consents.withdraw(officer.id, "cs_missing")
    for bad in (
        dict(channel="fax"),
        dict(evidence=" "),
        dict(valid_to_us=now - 5),
    ):
        args = dict(channel="app", evidence="x-1", valid_to_us=now + DAY_US) | bad
        with pytest.raises(InvalidInput) as exc:
            c.consents.grant(
                officer.id,
                "h1-p000009",
                "insurer-a",
                "claims_verification",
                now,
                args["valid_to_us"],
                args["channel"],
                args["evidence"],
            )
        assert exc.value.code == "consent_invalid"
    with pytest.raises(NotFound):
        c.consents.grant(officer.id, "h1-p000009", "nobody", "claims_verification", now, now + 1, "app", "x")
    actions = [e.action for e in c.audit.recent(limit=10)]
    assert actions.count("consent.grant") == 3 and actions.count("consent.withdraw") == 1


def test_consents_over_http_are_for_officers_only(iw: InsurerWorld) -> None:
    _, http = _insurer(iw)
    c = iw.w.c
    officer = {"Authorization": f"Bearer {c.identity.issue_token('cli:t', iw.w.officer.id).secret}"}
    insurer = {"Authorization": f"Bearer {c.identity.issue_token('cli:t', iw.w.insurer.id).secret}"}
    now = c.clock.now_us()
    body = {
        "patient_id": "h1-p000004",
        "partner": "insurer-a",
        "purpose": "claims_verification",
        "valid_from_us": now,
        "valid_to_us": now + DAY_US,
        "channel": "counter",
        "evidence": "C-1",
    }
    assert http.post("/v1/consents", json=body, headers=insurer).status_code == 403
    r = http.post("/v1/consents", json=body, headers=officer)
    assert r.status_code == 201 and r.json()["in_force"] is True
    bad = http.post("/v1/consents", json=body | {"channel": "fax"}, headers=officer)
    assert bad.status_code == 422 and bad.json()["code"] == "consent_invalid"
    listed = http.get("/v1/consents?patient_id=h1-p000004", headers=officer).json()
    assert [x["id"] for x in listed] == [r.json()["id"]]
    w = http.post(f"/v1/consents/{r.json()['id']}/withdraw", headers=officer)
    assert w.status_code == 200 and w.json()["in_force"] is False


def test_psi_finds_consenting_patients_and_the_node_learns_only_the_size(iw: InsurerWorld) -> None:
    ins, _ = _insurer(iw)
    c = iw.w.c
    ct = iw.contract("psi-consent", "psi", "claims_verification")
    pts = iw.patients
    consenting = pts.patient_id.tolist()[:25]
    consent_ids = iw.consent(consenting)
    # 40 patients by ID number (25 consenting), 2 outsiders, and two patients by the name fallback
    members = [x.lower() for x in pts.id_card.tolist()[:40]] + OUTSIDERS
    members += [f"{pts.name[i]},{pts.birth_date[i]}" for i in (3, 60)]
    result = ins.psi(ct, members)
    expected = {x.upper() for x in pts.id_card.tolist()[:25]} | {f"{pts.name[3]},{pts.birth_date[3]}"}
    assert result["members"] == 44 and set(result["matched"]) == expected

    usage = c.contracts.usage_of(iw.w.insurer, ct)
    assert [(u.access_mode, u.ref) for u in usage] == [("psi", "psi:44")]
    runs = [e for e in c.audit.recent(limit=50) if e.action == "psi.run"]
    assert runs[0].details["members"] == 44 and runs[0].details["left_out_without_consent"] == len(pts) - 25
    audit = _audit_text(iw)
    assert not any(x.upper() in audit for x in pts.id_card.tolist()[:40])
    assert pts.name[3] not in audit

    c.consents.withdraw(iw.w.officer.id, consent_ids[0])  # applies to every later use
    again = ins.psi(ct, members)
    assert set(again["matched"]) == expected - {pts.id_card[0].upper()}


def test_psi_without_any_consent_is_denied_and_audited(iw: InsurerWorld) -> None:
    ins, _ = _insurer(iw)
    ct = iw.contract("psi-consent", "psi", "claims_verification")
    with pytest.raises(PolicyDenied) as denied:
        ins.psi(ct, iw.patients.id_card.tolist()[:30])
    assert denied.value.reasons == ["consent_given"]  # type: ignore[attr-defined]
    assert iw.w.c.contracts.usage_of(iw.w.insurer, ct) == []
    last = next(e for e in iw.w.c.audit.recent(limit=20) if e.action == "contract.use")
    assert last.outcome == "denied" and last.details["reasons"] == ["consent_given"]


def test_count_only_contract_and_list_limits(iw: InsurerWorld) -> None:
    ins, http = _insurer(iw)
    ct = iw.contract("psi-count", "psi", "claims_verification")
    ids = iw.patients.id_card.tolist()
    assert ins.psi(ct, ids[:30] + OUTSIDERS) == {"members": 32, "matched_count": 30}
    terms = ins.psi_terms(ct)
    assert terms["reveal"] == "count" and terms["max_members"] == 60

    auth = {"Authorization": f"Bearer {iw.w.c.identity.issue_token('cli:t', iw.w.insurer.id).secret}"}
    asks_members = base64.b64encode(_request(True, [f"id:{x}" for x in ids[:30]])).decode()
    r = http.post(f"/v1/psi/{ct}", json={"request": asks_members}, headers=auth)
    assert r.status_code == 403 and r.json()["code"] == "psi_count_only"

    with pytest.raises(PolicyDenied) as big:  # the SDK refuses before any cryptography
        ins.psi(ct, ids[:61])
    assert big.value.code == "psi_list_too_large"
    too_many = base64.b64encode(_request(False, [f"id:{x}" for x in ids[:61]])).decode()
    r = http.post(f"/v1/psi/{ct}", json={"request": too_many}, headers=auth)
    assert r.status_code == 403 and r.json()["code"] == "psi_list_too_large"
    assert len(iw.w.c.contracts.usage_of(iw.w.insurer, ct)) == 1  # refusals meter nothing
    denied = [e for e in iw.w.c.audit.recent(limit=30) if e.action == "psi.run" and e.outcome == "denied"]
    assert {e.details["code"] for e in denied} >= {"psi_count_only", "psi_list_too_large"}

    with pytest.raises(PolicyDenied) as small:  # a list below the product's min_members (20)
        ins.psi(ct, ids[:5])
    assert small.value.code == "psi_list_too_small"
    few = base64.b64encode(_request(False, [f"id:{x}" for x in ids[:5]])).decode()
    r = http.post(f"/v1/psi/{ct}", json={"request": few}, headers=auth)
    assert r.status_code == 403 and r.json()["code"] == "psi_list_too_small"
    r = http.post(f"/v1/psi/{ct}", json={"request": "bm90IGEgcmVxdWVzdA=="}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "psi_request_invalid"
    garbage = psi_lib.Request(reveal_intersection=False, encrypted_elements=[b"not a point"] * 25)
    r = http.post(
        f"/v1/psi/{ct}",
        json={"request": base64.b64encode(garbage.SerializeToString()).decode()},
        headers=auth,
    )
    assert r.status_code == 422 and r.json()["code"] == "psi_request_invalid"
    assert len(iw.w.c.contracts.usage_of(iw.w.insurer, ct)) == 1  # the failed run was refunded


def test_another_partner_and_other_modes_get_nothing(iw: InsurerWorld) -> None:
    ins, http = _insurer(iw)
    ct = iw.contract("psi-count", "psi", "claims_verification")
    other = http.get(
        f"/v1/psi/{ct}",
        headers={
            "Authorization": f"Bearer {iw.w.c.identity.issue_token('cli:t', iw.w.researcher.id).secret}"
        },
    )
    assert other.status_code == 404
    q = iw.contract("query", "aggregate_query", "actuarial_statistics")
    with pytest.raises(InvalidInput) as wrong:
        ins.psi(q, iw.patients.id_card.tolist()[:30])
    assert wrong.value.code == "mode_mismatch"
