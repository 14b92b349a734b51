"""Demo steps of the insurer's side (精确惠民商保): patients' consents recorded by the hospital, PSI to
find which of an insurer's 200 members are patients, an aggregate query with DP noise, and what the
data officer sees of consents and metering."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.registry import open_source
from node.asset_registry.model import ProductStatus
from node.asset_registry.services import ImportOptions
from node.bootstrap import Container
from node.contracts.model import DAY_US
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.demo.he import activate_contract, contract_terms
from node.errors import InvalidInput
from node.sdk.insurer import InsurerClient
from node.sdk.partner import PartnerClient

ACTOR = "cli:demo"
CHANNELS = ("signed_form", "app", "kiosk")


def insurer_steps(
    c: Container,
    serve: Any,
    tokens: dict[str, str],
    keys: dict[str, PrivateKey],
    samples: Path,
    first_step: int,
) -> None:
    officer = c.identity.resolve("officer-li")
    insurer = c.identity.resolve("pingan-insurance")
    patients = pd.read_csv(samples / "h1" / "csv" / "patients.csv", dtype=str)
    others = pd.read_csv(samples / "h2" / "csv" / "patients.csv", dtype=str)

    step(first_step, "Patients consent at the hospital's channels; an insurer finds its members by PSI")
    index = c.assets.import_source(
        ACTOR,
        open_source("csv", str(samples / "h1" / "csv" / "patients.csv")),
        ImportOptions("病案科", "daily", ["商保理赔核查"]),
    ).assets[0]
    psi_product = _publish(
        c, officer.id, "患者身份索引PSI", [index.id], "psi",
        {"purposes": ["claims_verification"], "consent_required": True, "max_members": 10_000},
    )  # fmt: skip
    now = c.clock.now_us()
    consenting = patients.patient_id.tolist()[:150]
    for i, pid in enumerate(consenting):
        c.consents.grant(
            officer.id, pid, insurer.id, "claims_verification", now - DAY_US, now + 365 * DAY_US,
            CHANNELS[i % 3], f"{CHANNELS[i % 3]}-2026-{i:05d}",
        )  # fmt: skip
    withdrawn = c.consents.list(patient_id=consenting[0])[0]
    c.consents.withdraw(officer.id, withdrawn.id)
    print(
        f"   officer-li recorded {len(consenting)} consents for pingan-insurance / claims_verification "
        f"(signed forms, app, kiosk); 1 withdrawn"
    )
    psi_contract = activate_contract(
        c, insurer, keys["pingan-insurance"], psi_product,
        contract_terms(c, "claims_verification", access_mode="psi", epsilon=0.0, min_cohort=20),
    )  # fmt: skip
    # the insurer's 200 members: 140 of this hospital's patients (some IDs written with a lower-case x,
    # 10 by name and birth date), 60 people who are patients elsewhere
    members = [x.lower() for x in patients.id_card.tolist()[:130]]
    members += [f"{n},{b}" for n, b in zip(patients.name[130:140], patients.birth_date[130:140], strict=True)]
    members += others.id_card.tolist()[:60]
    expected = set(patients.id_card[1:130].str.upper()) | {
        f"{n},{b}" for n, b in zip(patients.name[130:140], patients.birth_date[130:140], strict=True)
    }
    with serve(c) as base:
        ins = InsurerClient(PartnerClient(base, tokens["pingan-insurance"]))
        try:
            wrong = members[5][:-1] + ("1" if members[5][-1] != "1" else "2")
            ins.psi(psi_contract, [*members[:5], wrong, *members[6:]])
        except InvalidInput as exc:
            print(f"   a member file with a wrong check digit: refused, nothing sent ({exc.message})")
        result = ins.psi(psi_contract, members)
    matched = result["matched"]
    print(
        f"   hnode partner psi {psi_contract} --members members.txt: {result['members']} members, "
        f"{len(matched)} matched"
    )
    print(
        f"   a plain join of both lists with the consent registry gives {len(expected)}: "
        f"{'the same members' if set(matched) == expected else 'DIFFERENT'}; the hospital learned only "
        f"that the list had {result['members']} entries"
    )

    step(first_step + 1, "The insurer runs an aggregate query: noisy counts and means, each with its noise")
    obs = next(a for a in c.assets.search() if a.connector == "csv" and a.table == "observations")
    query_product = _publish(
        c, officer.id, "门诊检验精算统计", [index.id, obs.id], "aggregate_query",
        {"purposes": ["actuarial_statistics"], "min_cohort": 20, "epsilon": 3.0,
         "dimensions": ["sex", "district_code", "loinc"], "measures": {"value": [0, 30]}},
    )  # fmt: skip
    query_contract = activate_contract(
        c, insurer, keys["pingan-insurance"], query_product,
        contract_terms(c, "actuarial_statistics", access_mode="aggregate_query", epsilon=2.0, min_cohort=20),
    )  # fmt: skip
    with serve(c) as base:
        ins = InsurerClient(PartnerClient(base, tokens["pingan-insurance"]))
        q = ins.query(
            query_contract, ["count", "mean:value", "quantile:value:0.5"], ["sex"], ["loinc=2345-7"], 1.0
        )
        d = ins.query(query_contract, ["count"], ["district_code"], epsilon=0.5)
    print(
        f"   hnode partner query {query_contract} --measure count --measure mean:value "
        "--measure quantile:value:0.5 --by sex --where loinc=2345-7 --epsilon 1"
    )
    print("   sex      patients (noisy)   mean glucose   median glucose")
    for cell in q["cells"]:
        print(
            f"   {cell['group']['sex']:<8} {cell['count']:>16}   {cell['mean:value']:>12}   "
            f"{cell['quantile:value:0.5']:>14}"
        )
    for name, n in q["noise"].items():
        print(f"   noise {name:<20} {n['mechanism']}, scale {n['scale']:.3g}, ε {n['epsilon']:.3g}")
    print(
        f"   by district (ε 0.5): {len(d['cells'])} cells shown, {d['suppressed']} below the minimum cohort "
        f"of {d['min_cohort']} suppressed; counts {sorted(c['count'] for c in d['cells'])}"
    )

    step(first_step + 2, "The data officer sees the consents and the metering")
    views = c.consents.list(partner="pingan-insurance")
    now = c.clock.now_us()
    in_force = [v for v in views if v.in_force(now)]
    by_channel = Counter(v.channel.value for v in in_force)
    print(
        f"   hnode consent ls --partner pingan-insurance: {len(views)} consents, {len(in_force)} in force "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_channel.items()))}), "
        f"{len(views) - len(in_force)} withdrawn"
    )
    for cid in (psi_contract, query_contract):
        ct = c.contracts.get(officer, cid)
        print(
            f"   {cid} {ct.terms.access_mode.value:<16} uses {ct.uses}/{ct.terms.max_uses}, "
            f"ε {ct.epsilon_spent:g}/{ct.terms.epsilon:g}"
        )
    for e in reversed([e for e in c.audit.recent(limit=40) if e.action in ("psi.run", "query.run")]):
        shown = {k: v for k, v in e.details.items() if k != "usage"}
        print(f"   audit #{e.seq} {e.action:<10} {e.outcome:<8} {shown}")


def _publish(
    c: Container, officer: str, name: str, assets: list[str], mode: str, template: dict[str, Any]
) -> str:
    p = c.products.create(officer, name, assets, mode, ["insurer"], template)
    c.products.set_status(officer, p.id, ProductStatus.PUBLISHED)
    return p.id
