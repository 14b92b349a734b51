"""``hnode he``: homomorphic-encryption queries (同态加密查询) for both sides, and their benchmark."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from node.cli.common import acting, fail, open_container, print_json, progress_bar, token_env_option

if TYPE_CHECKING:
    from node.he_query.tenseal_backend import ClientKeys
    from node.sdk.partner import PartnerClient

he_app = typer.Typer(
    help="Encrypted risk scoring and encrypted multi-hospital statistics.", no_args_is_help=True
)


@he_app.command("bench")
def bench(
    as_json: bool = typer.Option(False, "--json"),
    patients: int = typer.Option(1500, "--patients", help="Synthetic patients per hospital."),
    baseline: int = typer.Option(48, "--baseline", help="Applicants scored one by one for the baseline."),
) -> None:
    """Packed encrypted scoring vs one TenSEAL dot product per applicant, and a three-hospital
    encrypted aggregate, on synthetic data generated for the run."""
    from node.demo.he_benchmark import run

    result = run(patients=patients, baseline_n=baseline)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    print_json(result)


@he_app.command("train")
def train(
    product_id: str,
    target: str = typer.Option(
        "E11",
        "--target",
        help="Cohort to predict: ICD-10 prefix (E11) or SYSTEM|PREFIX (snomed_ct|44054006).",
    ),
    token_env: str = token_env_option(),
) -> None:
    """Train a product's risk model on the hospital's own assets (the weights stay on the node)."""
    from node.identity.model import Role

    c = open_container()
    officer = acting(c, token_env, frozenset({Role.DATA_OFFICER}), "he.train")
    model = c.he.train(officer, product_id, target)
    print_json({**model.public(), "digest": model.digest(), "training": model.training})


@he_app.command("keygen")
def keygen(
    scheme: str = typer.Option(..., "--scheme", help="ckks-scoring, bfv-counts or ckks-sums"),
    out: Path = typer.Option(..., "--out", help="Secret key file (kept by the partner, mode 0600)."),
) -> None:
    """Make a partner's HE keys. Only the public context (OUT.pub) is ever sent to a node."""
    from node.crypto.keyfile import write_private
    from node.he_query.params import Scheme
    from node.he_query.tenseal_backend import ClientKeys

    try:
        kind = Scheme(scheme)
    except ValueError:
        raise fail(f"--scheme must be one of {', '.join(s.value for s in Scheme)}") from None
    keys = ClientKeys(kind)
    write_private(out, keys.secret_blob())
    out.with_suffix(out.suffix + ".pub").write_bytes(keys.public_context())
    typer.echo(f"secret keys: {out} (never send it); public context: {out}.pub")


def _keys(path: Path, scheme: str) -> ClientKeys:
    from node.he_query.params import Scheme
    from node.he_query.tenseal_backend import ClientKeys

    return ClientKeys.load(path.read_bytes(), Scheme(scheme))


@he_app.command("score")
def score(
    contract_id: str = typer.Option(..., "--contract"),
    keys: Path = typer.Option(
        ..., "--keys", exists=True, dir_okay=False, help="From `hnode he keygen --scheme ckks-scoring`."
    ),
    applicants: Path = typer.Option(
        ...,
        "--input",
        exists=True,
        dir_okay=False,
        help="CSV: one row per applicant; the header names each of the model's features by LOINC code "
        "or name (any order).",
    ),
) -> None:
    """Encrypt applicants' features here, have the node score them, decrypt the scores here. Values
    outside the model's published bounds are clipped first; scores are clipped to [0, 1]."""
    from node.cli.contracts import _client
    from node.sdk.he_client import HeClient

    client: PartnerClient = _client(timeout_s=300)
    try:
        with applicants.open(encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [[float(x) for x in row] for row in reader if row]
    except UnicodeDecodeError:
        raise fail(f"{applicants}: not a UTF-8 CSV file") from None
    except ValueError as exc:
        raise fail(f"{applicants}: every value after the header must be a number ({exc})") from None
    if not header or not rows:
        raise fail(f"{applicants}: a header naming the features and at least one applicant are needed")
    he = HeClient(client)
    he.prepare(contract_id, rows[:1], header)  # columns checked by name before anything is encrypted
    with progress_bar("scoring (batches)") as advance:
        scores = he.score_many(
            _keys(keys, "ckks-scoring"), contract_id, rows, on_progress=advance, columns=header
        )
    if scores.inputs_clipped:
        typer.echo(
            f"note: {scores.inputs_clipped} applicant(s) had values outside the model's bounds (clipped)",
            err=True,
        )
    flagged = set(scores.out_of_range)
    print_json(
        [
            {"row": i + 1, "risk": round(s, 6), **({"flag": "out_of_range"} if i in flagged else {})}
            for i, s in enumerate(scores.values)
        ]
    )


@he_app.command("aggregate")
def aggregate(
    hospital: list[str] = typer.Option(
        ..., "--hospital", help="URL,TOKEN,CONTRACT of one hospital (repeat)."
    ),
    coordinator: str = typer.Option(..., "--coordinator", help="URL,TOKEN of the coordinator that adds."),
    counts_keys: Path = typer.Option(..., "--counts-keys", exists=True, dir_okay=False),
    sums_keys: Path = typer.Option(..., "--sums-keys", exists=True, dir_okay=False),
    condition: str = typer.Option(
        ...,
        "--condition",
        help="Cohort: ICD-10 prefix (E11) or SYSTEM|PREFIX (snomed_ct|44054006, atc|A10B).",
    ),
    epsilon: float = typer.Option(..., "--epsilon", help="Privacy budget each hospital spends."),
) -> None:
    """Cohort statistics from several hospitals, added under encryption; only the total is decrypted
    (the light client's ``hnode_partner.he``)."""
    from hnode_partner import he

    from node.sdk.partner import PartnerClient, node_errors

    nodes = []
    for spec in hospital:
        parts = spec.split(",")
        if len(parts) != 3:
            raise fail("--hospital takes URL,TOKEN,CONTRACT")
        nodes.append((PartnerClient(parts[0], parts[1], timeout_s=300), parts[2]))
    hub = coordinator.split(",")
    if len(hub) != 2:
        raise fail("--coordinator takes URL,TOKEN")
    with node_errors():
        counts = he.HeKeys.load(counts_keys.read_bytes(), "bfv-counts")
        sums = he.HeKeys.load(sums_keys.read_bytes(), "ckks-sums")
        contributions = [he.contribution(n, ct, counts, sums, condition, epsilon) for n, ct in nodes]
        result = he.combine(PartnerClient(hub[0], hub[1], timeout_s=300), counts, sums, contributions)
    print_json(result.as_dict())
