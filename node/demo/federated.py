"""Demo step of federated training: a research institute trains a diabetes risk model across three
hospitals (this node and two peer nodes, each with its own data, key, product and contract); every
round is a metered use at every hospital, updates are summed under SecAgg+, DP noise keeps each
hospital within ε 3; the model is registered, its SM3 digest anchored, and downloaded."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from node.asset_registry.clinical import RISK_FEATURES
from node.asset_registry.model import ProductStatus
from node.bootstrap import Container, build_container
from node.crypto.sm import PrivateKey
from node.demo.common import step
from node.demo.he import activate_contract, contract_terms, peer_node
from node.errors import Conflict, InvalidInput
from node.federated.coordinator import JobAlreadyStarted
from node.federated.flower.hospital import SimulatedHospitals
from node.federated.flower.runtime import run_in_simulation
from node.federated.jobs import TrainingJob, load_model_bytes
from node.sdk.partner import PartnerClient

ROUNDS = 5
PRODUCT = "慢病风险联邦建模（检验+诊断）"


def simulate(coordinator: Container, job_id: str, hospitals: list[Container]) -> TrainingJob:
    """Run the job in Flower's simulation runtime, one simulated SuperNode per hospital node (in the
    job's order), each opened at most once per worker process from its settings. A job already
    started is refused (``JobAlreadyStarted``) before any hospital is opened."""
    nodes = {i: node.settings for i, node in enumerate(hospitals)}
    return run_in_simulation(
        coordinator, job_id, "cli:demo", hospitals=SimulatedHospitals(nodes, build_container)
    )


def _offer(c: Container, researcher: Any, key: PrivateKey) -> str:
    """A federated-training product on the lab results and diagnoses, and the researcher's contract."""
    officer = c.identity.resolve("officer-li")
    # this hospital's lab results from the LIS export (CSV) and diagnoses from FHIR; peers: CSV only
    found = sorted(c.assets.search(), key=lambda a: a.connector == "csv")  # CSV last: it wins
    tables = {a.table: a for a in found if a.connector in ("fhir", "csv")}
    p = c.products.create(
        officer.id,
        PRODUCT,
        [tables["observations"].id, tables["conditions"].id],
        "federated_training",
        ["researcher"],
        {"purposes": ["drug_research"], "epsilon": 3.0, "max_uses": 50},
    )
    c.products.set_status(officer.id, p.id, ProductStatus.PUBLISHED)
    terms = contract_terms(c, "drug_research", access_mode="federated_training", max_uses=ROUNDS, epsilon=3.0)
    return activate_contract(c, researcher, key, p.id, terms)


@contextlib.contextmanager
def _peer(root: Path, name: str, samples: Path, researcher_key: PrivateKey) -> Iterator[dict[str, Any]]:
    """A peer hospital with the federated-training product and the researcher's contract."""
    with peer_node(root, name, samples, researcher_key) as peer:
        c = peer.node
        contract = _offer(c, peer.researcher, researcher_key)
        yield {"node": c, "contract": contract}


def fl_steps(
    c: Container, serve: Any, tokens: dict[str, str], keys: dict[str, PrivateKey], samples: Path, root: Path,
    first_step: int,
) -> None:  # fmt: skip
    step(first_step, "A research institute trains a diabetes risk model across three hospitals (Flower)")
    researcher = c.identity.resolve("cq-research")
    contract = _offer(c, researcher, keys["cq-research"])
    with (
        _peer(root / "fl-h2", "h2", samples / "h2", keys["cq-research"]) as h2,
        _peer(root / "fl-h3", "h3", samples / "h3", keys["cq-research"]) as h3,
        serve(c) as base,
    ):
        # each hospital's contract alone names the product and assets its rounds read
        hospitals = {c.settings.name: {"contract_id": contract}}
        hospitals |= {p["node"].settings.name: {"contract_id": p["contract"]} for p in (h2, h3)}
        request = {"hospitals": hospitals, "rounds": ROUNDS, "local_epochs": 1, "lr": 1.0, "dp_epsilon": 3.0}
        partner = PartnerClient(base, tokens["cq-research"])
        _outside_the_product(partner, hospitals)
        job = partner.start_training(request)
        print(
            f"   job {job['id']} by {researcher.name}: {job['model']}, {job['rounds']} rounds, "
            f"SecAgg+ {job['secure_aggregation']}, DP budget ε {job['dp_target_epsilon']}"
        )
        print(f"   hospitals: {', '.join(f'{k} (contract {v})' for k, v in job['participants'].items())}")
        done = simulate(c, job["id"], [c, h2["node"], h3["node"]])
        with c.uow() as uow:
            for r in uow.fl.rounds(done.id):
                print(f"   {r.line()}")
        print(f"   {done.state.value}; ε spent per hospital {done.epsilon_spent:.3f} of 3.0")
        anchored = c.anchoring.deliver()
        blob, digest = partner.download_model(str(done.model_id))
        kind, features, arrays = load_model_bytes(blob)
        model = partner.training_job(done.id)
        print(
            f"   model {done.model_id}: {kind}, {features} features, {len(blob)} bytes; SM3 {digest[:32]}..."
        )
        weights = ", ".join(f"{f[1]} {w:+.2f}" for f, w in zip(RISK_FEATURES, arrays[0], strict=True))
        print(f"   weights on standardized labs: {weights}")
        receipt = next((a for a in anchored.delivered if a.ref == done.model_id), None)
        if receipt is not None:
            print(f"   digest anchored: block {receipt.block_number}, tx {receipt.tx_hash[:18]}...")
        print(f"   rounds recorded for the partner: {len(model['round_metrics'])}")
        for peer in (h2, h3):
            node = peer["node"]
            seen = node.fl_jobs.trained_here(node.identity.resolve("officer-li"))
            print(
                f"   {node.settings.name} sees: job {seen[0]['job']}, {seen[0]['rounds']} rounds metered "
                f"on contract {seen[0]['contract_id']}, ε {seen[0]['epsilon']:.3f}"
            )
        _start_again(
            c, partner, done.id, [(c, contract), (h2["node"], h2["contract"]), (h3["node"], h3["contract"])]
        )
        partner.close()


def _outside_the_product(partner: PartnerClient, hospitals: dict[str, Any]) -> None:
    """The researcher asks for haemoglobin (718-7), which the product does not offer: refused before
    any job exists or any round is metered, the refusal naming the feature."""
    request = {"hospitals": hospitals, "rounds": 2, "features": {"loinc": ["4548-4", "718-7"]}}
    try:
        partner.start_training(request)
        outcome = "created (unexpected)"
    except InvalidInput as refused:
        problem = getattr(refused, "problem", {})
        outcome = f"{problem.get('status')} {refused.code}: {refused.message.split(': ')[-1]}"
    print(f"   a job on HbA1c + haemoglobin (718-7) -> {outcome}")


def _start_again(
    c: Container, partner: PartnerClient, job_id: str, contracts: list[tuple[Container, str]]
) -> None:
    """The researcher starts the finished job again: refused with 409 and the job's state, and no
    hospital's contract is charged (the README's `hnode fl run JOB` after the worker is refused alike)."""
    officer = c.identity.resolve("officer-li")

    def charged() -> list[tuple[int, float]]:
        return [
            (ct.uses, round(ct.epsilon_spent, 6))
            for ct in (n.contracts.get(officer, i) for n, i in contracts)
        ]

    before = charged()
    try:
        partner.run_training(job_id)
        outcome = "started (unexpected)"
    except Conflict as refused:
        problem = getattr(refused, "problem", {})
        outcome = f"{problem.get('status')} {refused.code}, job state {problem.get('state')}"
    try:
        simulate(c, job_id, [])
    except JobAlreadyStarted as again:
        outcome += f"; hnode fl run: refused ({again.state})"
    after = charged()
    print(f"   starting job {job_id} again -> {outcome}")
    print(
        "   contracts charged before/after: "
        + ", ".join(
            f"{u}/{u2} uses ε {e:.3f}/{e2:.3f}" for (u, e), (u2, e2) in zip(before, after, strict=True)
        )
        + ("  (nothing charged)" if before == after else "  (CHARGED AGAIN)")
    )
