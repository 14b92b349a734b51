"""One-stop settlement (issue 18 item 3) on SQLite and PostgreSQL with hand-built encounters, diagnoses,
procedures and DFT^P03-shaped charges: claims built, signed, sealed, pulled, decrypted, answered and
recorded; retries never duplicate; refusals named and audited; the insurer's SDK against the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.claim import Claim

from connectors.registry import open_source
from connectors.samples import write_sample_files
from node.api.app import create_app
from node.asset_registry.model import ProductStatus
from node.contracts.enforcement import UsageDenied
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient
from node.settlement.claim import claim_response
from node.settlement.sealing import open_claim, sign_response
from tests.conftest import make_container
from tests.contract_world import World, build_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "settlement"
TEMPLATE = {
    "purposes": ["claims_verification"],
    "consent_required": True,
    "claim_fields": ["billablePeriod", "diagnosis", "procedure", "item"],
}
PATIENTS = ("st-p1", "st-p2", "st-p3")


def _today() -> str:
    return datetime.now(timezone(timedelta(hours=8))).date().isoformat()


@pytest.fixture
def w(db_url: str, tmp_path: Path) -> Iterator[World]:
    c = make_container(db_url, tmp_path / "node")
    write_sample_files(tmp_path / "samples", 25, seed=5)  # the world's other products: a few patients do
    world = build_world(c, tmp_path / "samples")
    imported = c.assets.import_source("cli:t", open_source("csv", str(FIXTURES))).assets
    p = c.products.create(
        world.officer.id, "一站式结算", [a.id for a in imported], "settlement", ["insurer"], TEMPLATE
    )
    c.products.set_status(world.officer.id, p.id, ProductStatus.PUBLISHED)
    world.products["settlement"] = p.id
    yield world
    c.close()


def _contract(w: World, **terms: object) -> str:
    base = {"epsilon": 0.0, "k": 0, "max_uses": 50, **terms}
    return w.active(
        w.insurer, w.insurer_key, "settlement", w.terms("settlement", "claims_verification", **base)
    ).id


def _consent(w: World, *patients: str) -> None:
    now = w.c.clock.now_us()
    for i, pid in enumerate(patients):
        w.c.consents.grant(
            w.officer.id,
            pid,
            "insurer-a",
            "claims_verification",
            now - DAY_US,
            now + 30 * DAY_US,
            "kiosk",
            f"k-{i}",
        )


def _audit(w: World) -> list[dict[str, object]]:
    return [
        {"action": e.action, "outcome": str(e.outcome), "object": e.object_id, "details": e.details}
        for e in w.c.audit.recent(limit=1000)
    ]


def _answer(
    w: World, claim: dict[str, object], payable: float, key: PrivateKey | None = None
) -> dict[str, object]:
    total = claim["total"]
    assert isinstance(total, dict)
    doc = claim_response(
        "cr-1", str(claim["id"]), total["value"], payable, "CNY", "某保险", "2026-12-06T10:00:00+08:00"
    )
    return sign_response(doc, key or w.insurer_key)


def test_a_discharge_settles_one_stop_and_reconciles(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, *PATIENTS)
    first = c.settlement.submit(w.officer, ct, "st-e1")
    second = c.settlement.submit(w.officer, ct, "st-e2", fields=["diagnosis", "item"])
    assert (first.status, first.total, second.total) == ("queued", 9015.0, 2040.0)

    pulled = c.settlement.pull(w.insurer, ct)
    assert [p.id for p in pulled] == [first.id, second.id]
    claims = {p.id: open_claim(p.package, w.insurer_key, c.signer.public_key_hex) for p in pulled}
    one, two = claims[first.id], claims[second.id]
    Claim.model_validate(one)  # a valid FHIR R4 Claim
    assert one["patient"]["identifier"]["value"] == "st-p1"
    assert [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in one["diagnosis"]] == ["I21.9", "I10"]
    assert one["procedure"][0]["procedureCodeableConcept"]["coding"][0]["code"] == "415070008"
    assert [i["net"]["value"] for i in one["item"]] == [400.0, 8600.0, 15.0]
    assert one["billablePeriod"]["end"].startswith("2026-11-25T10:00")
    # minimum necessary: only the fields asked for (within the contract's)
    assert "procedure" not in two and "billablePeriod" not in two and len(two["item"]) == 2

    # the insurer pays 80% (a simple rule); the node records the patients' own share
    s1 = c.settlement.respond(w.insurer, first.id, **_answer(w, one, 7212.0))
    s2 = c.settlement.respond(w.insurer, second.id, **_answer(w, two, 1632.0))
    assert (s1.status, s1.payable, s1.patient_share) == ("settled", 7212.0, 1803.0)
    assert (s2.payable, s2.patient_share) == (1632.0, 408.0)
    assert c.settlement.pull(w.insurer, ct) == []  # nothing left to pull

    # a third claim stays pending
    c.settlement.submit(w.officer, ct, "st-e3")
    [day] = c.settlement.reconcile(w.officer, _today())
    assert day == {
        "date": _today(),
        "partner_id": w.insurer.id,
        "currency": "CNY",
        "claims": 3,
        "settled": 2,
        "pending": 1,
        "total": 11080.0,
        "payable": 8844.0,
        "patient_share": 2211.0,
        "pending_total": 25.0,
    }
    assert c.settlement.reconcile(w.officer, "2020-01-01") == []
    # one metered use per claim; every step audited, without patient data
    assert c.contracts.get(w.officer, ct).uses == 3
    events = _audit(w)
    actions = [e["action"] for e in events]
    for action in ("settlement.submit", "settlement.pull", "settlement.respond", "settlement.reconcile"):
        assert action in actions
    text = json.dumps([e for e in events if str(e["action"]).startswith("settlement.")], ensure_ascii=False)
    for secret in ("st-p1", "st-p2", "I21.9", "急性", "8600"):
        assert secret not in text


def test_retries_never_duplicate_a_claim_a_use_or_a_settlement(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, "st-p1")
    a = c.settlement.submit(w.officer, ct, "st-e1")
    assert c.settlement.submit(w.officer, ct, "st-e1").id == a.id  # retry: the same claim
    assert c.contracts.get(w.officer, ct).uses == 1
    v2 = c.settlement.submit(w.officer, ct, "st-e1", version=2)  # a corrected claim: a new version
    assert v2.id != a.id and c.contracts.get(w.officer, ct).uses == 2

    [claim, _] = [
        open_claim(p.package, w.insurer_key, c.signer.public_key_hex)
        for p in c.settlement.pull(w.insurer, ct)
    ]
    answer = _answer(w, claim, 5000.0)
    s = c.settlement.respond(w.insurer, a.id, **answer)
    again = c.settlement.respond(w.insurer, a.id, **answer)  # the same answer retried
    assert (again.payable, again.settled_at_us) == (s.payable, s.settled_at_us)
    with pytest.raises(Conflict) as e:
        c.settlement.respond(w.insurer, a.id, **_answer(w, claim, 4000.0))
    assert e.value.code == "claim_already_settled"
    assert c.settlement.settlements(w.officer, ct)[0].payable == 5000.0


def test_claims_refused_with_the_reason_and_audited(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, "st-p2")
    with pytest.raises(UsageDenied) as denied:  # st-p1 has not consented to this insurer
        c.settlement.submit(w.officer, ct, "st-e1")
    assert "consent_given" in denied.value.reasons
    with pytest.raises(PolicyDenied) as e:  # a field the contract does not list
        c.settlement.submit(
            w.officer, _contract(w, duties={"claim_fields": ["item"]}), "st-e2", fields=["diagnosis"]
        )
    assert e.value.code == "claim_field_not_allowed"
    with pytest.raises(InvalidInput) as bad:
        c.settlement.submit(w.officer, ct, "st-e2", fields=["patient.name"])
    assert bad.value.code == "claim_field_unknown"
    with pytest.raises(NotFound):
        c.settlement.submit(w.officer, ct, "no-such-encounter")
    # outside the contract's window: not yet in force
    later = _contract(w, valid_from_us=c.clock.now_us() + DAY_US, valid_to_us=c.clock.now_us() + 9 * DAY_US)
    with pytest.raises(UsageDenied) as window:
        c.settlement.submit(w.officer, later, "st-e2")
    assert "within_validity" in window.value.reasons
    # a claim withdrawn from consent after the fact is refused too
    [consent] = c.consents.list(patient_id="st-p2")
    c.consents.withdraw(w.officer.id, consent.id)
    with pytest.raises(UsageDenied):
        c.settlement.submit(w.officer, ct, "st-e2")
    assert c.settlement.settlements(w.officer) == []  # nothing queued
    assert c.contracts.get(w.officer, ct).uses == 0  # nothing metered
    refusals = [e for e in _audit(w) if e["action"] == "settlement.submit"]
    assert len(refusals) == 6 and all(e["outcome"] in ("denied", "failed") for e in refusals)
    codes = {str(e["details"]["code"]) for e in refusals}  # type: ignore[index]
    assert {"usage_denied", "claim_field_not_allowed", "claim_field_unknown", "encounter_not_found"} <= codes


def test_tampered_or_wrongly_signed_responses_are_refused_and_audited(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, "st-p2")
    sub = c.settlement.submit(w.officer, ct, "st-e2")
    [pkg] = c.settlement.pull(w.insurer, ct)
    claim = open_claim(pkg.package, w.insurer_key, c.signer.public_key_hex)
    tampered = _answer(w, claim, 1000.0)
    tampered["response"]["payment"]["amount"]["value"] = 2040.0  # type: ignore[index]
    forged = _answer(w, claim, 2040.0, key=PrivateKey.generate())
    for bad in (tampered, forged, {**_answer(w, claim, 1000.0), "signature": "00"}):
        with pytest.raises(PolicyDenied) as e:
            c.settlement.respond(w.insurer, sub.id, **bad)
        assert e.value.code == "claim_response_signature_invalid"
    with pytest.raises(InvalidInput):  # signed, but pays more than claimed
        c.settlement.respond(w.insurer, sub.id, **_answer(w, claim, 5000.0))
    with pytest.raises(NotFound):  # another partner cannot answer it
        c.settlement.respond(w.researcher, sub.id, **_answer(w, claim, 1000.0, key=w.researcher_key))
    assert c.settlement.settlements(w.officer)[0].status == "pulled"
    denied = [e for e in _audit(w) if e["action"] == "settlement.respond" and e["outcome"] == "denied"]
    assert len(denied) == 3
    # the claim cannot be opened by another key, nor passed off under another node key
    with pytest.raises(InvalidInput):
        open_claim(pkg.package, PrivateKey.generate(), c.signer.public_key_hex)
    with pytest.raises(InvalidInput):
        open_claim(pkg.package, w.insurer_key, PrivateKey.generate().public_key().to_hex())


def test_the_insurer_settles_through_the_sdk(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, *PATIENTS)
    http = TestClient(create_app(c))
    staff = c.identity.issue_token("cli:t", w.officer.id).secret
    for enc in ("st-e1", "st-e2"):
        r = http.post(
            "/v1/settlement/claims",
            json={"contract_id": ct, "encounter_id": enc},
            headers={"Authorization": f"Bearer {staff}"},
        )
        assert r.status_code == 200, r.text
    token = c.identity.issue_token("cli:t", w.insurer.id).secret
    insurer = InsurerClient(PartnerClient("", token, http=http))
    paid = insurer.settle_claims(
        w.insurer_key, lambda claim: round(claim["total"]["value"] * 0.8, 2), ct, c.signer.public_key_hex
    )
    assert sorted((p["payable"], p["patient_share"]) for p in paid) == [(1632.0, 408.0), (7212.0, 1803.0)]
    assert [r["settled"] for r in insurer.reconciliation(_today())] == [2]
    listed = insurer.settlements(ct)
    assert len(listed) == 2 and all(x["encounter_id"] is None for x in listed)  # the hospital's ids stay
    # the partner cannot submit claims; the desk's refusals are problem+json with the reason
    r = http.post(
        "/v1/settlement/claims",
        json={"contract_id": ct, "encounter_id": "st-e3"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    r = http.post(
        "/v1/settlement/claims",
        json={"contract_id": ct, "encounter_id": "st-e4"},
        headers={"Authorization": f"Bearer {staff}"},
    )
    assert r.status_code == 422 and r.json()["code"] == "claim_no_charges"


def test_diagnoses_come_from_the_encounter_else_from_the_patients_problem_list(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, "st-p3")
    linked = c.settlement.submit(w.officer, ct, "st-e3")
    unlinked = c.settlement.submit(w.officer, ct, "st-e5")
    opened = {
        p.id: open_claim(p.package, w.insurer_key, c.signer.public_key_hex)
        for p in c.settlement.pull(w.insurer)
    }

    def codes(claim_id: str) -> list[str]:
        return [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in opened[claim_id]["diagnosis"]]

    assert codes(linked.id) == ["E11.9"]  # the encounter's own diagnosis only
    assert codes(unlinked.id) == ["E78.5"]  # none names st-e5: the condition recorded without an encounter
    assert opened[linked.id]["type"]["coding"][0]["code"] == "professional"  # outpatient


def test_concurrent_submissions_of_one_discharge_make_one_claim_and_one_use(w: World) -> None:
    c = w.c
    ct = _contract(w)
    _consent(w, "st-p1")
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: c.settlement.submit(w.officer, ct, "st-e1"), range(4)))
    assert len({x.id for x in claims}) == 1
    assert len(c.settlement.settlements(w.officer)) == 1
    assert c.contracts.get(w.officer, ct).uses == 1
