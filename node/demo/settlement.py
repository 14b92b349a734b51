"""Demo steps of one-stop settlement (商保一站式结算): two discharges of consenting patients claimed at
the billing desk over the API, pulled, verified, decrypted and answered by the insurer's SDK with
payable amounts, a tampered answer refused, and what the billing desk and the officer then see."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pandas as pd

from node.bootstrap import Container
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.demo.he import activate_contract, contract_terms
from node.demo.insurer import _publish
from node.errors import PolicyDenied
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient
from node.settlement.claim import claim_response
from node.settlement.sealing import sign_response

SOURCES = {("fhir", "encounters"), ("fhir", "conditions"), ("fhir", "procedures"), ("hl7", "charges")}
RATE, CAP = 0.8, 20_000.0  # the demo insurer's rule: 80% of the claim, at most 20,000 per discharge


def settlement_steps(
    c: Container, serve: Any, tokens: dict[str, str], keys: dict[str, PrivateKey], first_step: int
) -> None:
    officer = c.identity.resolve("officer-li")
    insurer = c.identity.resolve("pingan-insurance")
    step(first_step, "One-stop settlement at discharge: claims signed, sealed for the insurer, answered")
    latest: dict[tuple[str, str], Any] = {}
    for a in c.assets.search():
        source = (a.connector, a.table)
        if source in SOURCES and (source not in latest or a.version > latest[source].version):
            latest[source] = a
    product = _publish(
        c, officer.id, "住院一站式结算", [a.id for a in latest.values()], "settlement",
        {"purposes": ["claims_verification"], "consent_required": True,
         "claim_fields": ["billablePeriod", "diagnosis", "procedure", "item"]},
    )  # fmt: skip
    contract = activate_contract(
        c, insurer, keys["pingan-insurance"], product,
        contract_terms(c, "claims_verification", access_mode="settlement", epsilon=0.0, max_uses=100),
    )  # fmt: skip
    consenting = c.consents.consenting(insurer.id, "claims_verification")
    encounters = pd.concat(list(c.store.read(latest[("fhir", "encounters")].storage_ref)))
    charged = set(pd.concat(list(c.store.read(latest[("hl7", "charges")].storage_ref))).visit_number)
    inpatient = encounters[encounters["class"].astype(str).str.upper() == "IMP"]
    chosen = [
        str(e)
        for e, p in zip(inpatient.encounter_id, inpatient.patient_id, strict=True)
        if p in consenting and e in charged
    ][:2]
    desk = {"Authorization": f"Bearer {tokens['officer-li']}"}
    with serve(c) as base, httpx.Client(base_url=base, timeout=60) as http:
        for enc in chosen:
            posted = http.post(
                "/v1/settlement/claims", json={"contract_id": contract, "encounter_id": enc}, headers=desk
            )
            posted.raise_for_status()
            claim = posted.json()
            print(
                f"   hnode settlement submit {enc} --contract {contract}: {claim['claim_id']} "
                f"total {claim['total']:.2f} {claim['currency']} (signed SM2, sealed SM2+SM4 for the insurer)"
            )
        again = http.post(
            "/v1/settlement/claims", json={"contract_id": contract, "encounter_id": chosen[0]}, headers=desk
        ).json()
        print(f"   submitted again at the desk: {again['claim_id']} (the same claim; no second metered use)")
        ins = InsurerClient(PartnerClient(base, tokens["pingan-insurance"]))
        key = keys["pingan-insurance"]
        claims = ins.pull_claims(key, contract, c.signer.public_key_hex)
        first = claims[0]
        print(
            f"   insurer pulled {len(claims)} claim(s): node signature verified, decrypted with its own "
            f"key; claim {first['id']}: {len(first.get('diagnosis', []))} diagnosis(es), "
            f"{len(first['item'])} items"
        )
        forged = sign_response(
            claim_response("cr-forged", first["id"], first["total"]["value"], 0.0, "CNY", "x", _now()),
            PrivateKey.generate(),
        )
        try:
            PartnerClient(base, tokens["pingan-insurance"])._call(
                "POST", f"/v1/settlement/claims/{first['id']}/response", json=forged
            )
        except PolicyDenied as exc:
            print(f"   an answer signed with another key: refused ({exc.code})")
        for claim in claims:
            payable = min(round(claim["total"]["value"] * RATE, 2), CAP)
            paid = ins.respond_claim(key, claim, payable)
            print(
                f"   ClaimResponse for {paid['claim_id']}: payable {paid['payable']:.2f}, "
                f"patient pays {paid['patient_share']:.2f} at the desk"
            )

    step(
        first_step + 1,
        "The billing desk and the data officer see the settlements and the day's reconciliation",
    )
    for rec in c.settlement.settlements(officer, contract):
        print(
            f"   {rec.id}  {rec.encounter_id:<16} {rec.status:<8} total {rec.total:>9.2f}  "
            f"payable {rec.payable or 0:>9.2f}"
        )
    day = datetime.now(timezone(timedelta(hours=8))).date().isoformat()
    for row in c.settlement.reconcile(officer, day):
        print(
            f"   hnode settlement reconcile --date {day}: {row['partner_id']} claims {row['claims']} "
            f"(settled {row['settled']}, pending {row['pending']}), total {row['total']:.2f}, "
            f"payable {row['payable']:.2f}, patients {row['patient_share']:.2f}"
        )
    ct = c.contracts.get(officer, contract)
    print(f"   {contract} settlement uses {ct.uses}/{ct.terms.max_uses} (one per claim)")


def _now() -> str:
    return datetime.now(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
