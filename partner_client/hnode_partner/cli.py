"""``hnode-partner``: discover through the region, negotiate over DSP with several hospitals, sign,
verify without the node. ``--json`` everywhere; progress on stderr."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hnode_partner.callbacks import CallbackListener
from hnode_partner.client import (
    Hospital,
    Negotiation,
    PartnerError,
    Region,
    check_agreement,
    node_name,
    training_job,
)
from hnode_partner.holdings import Holding, holdings
from hnode_partner.progress import progress
from hnode_partner.sm import Key
from hnode_partner.verify import http_rpc, verify_contract_copy


def _region(a: argparse.Namespace) -> Region:
    if not a.region or not a.token:
        raise PartnerError(
            "--region and --token (or REGION_URL, REGION_TOKEN) are required", "region_missing"
        )
    return Region(a.region, a.token)


def _key(a: argparse.Namespace) -> Key:
    passphrase = os.environ.get("PARTNER_KEY_PASSPHRASE", "").encode() or None
    return Key.load(Path(a.key).read_bytes(), passphrase)


def _load(path: str) -> list[Negotiation]:
    p = Path(path)
    return [Negotiation(**n) for n in json.loads(p.read_text())] if p.exists() else []


def _save(path: str, items: list[Negotiation]) -> None:
    Path(path).write_text(json.dumps([n.as_dict() for n in items], ensure_ascii=False, indent=2))


def _progress(text: str) -> None:
    print(text, file=sys.stderr)


def _filters(a: argparse.Namespace) -> dict[str, Any]:
    return {
        "text": a.text,
        "category": a.category,
        "level": a.level,
        "access_mode": a.mode,
        "scenario": a.scenario,
    }


def cmd_search(a: argparse.Namespace) -> Any:
    return _region(a).search(**_filters(a))


def cmd_negotiate(a: argparse.Namespace) -> Any:
    key, found = _key(a), _region(a).search(**_filters(a))
    items = _load(a.state)
    for i, entry in enumerate(found, 1):
        node = node_name(entry["dataset_id"])
        _progress(f"[{i}/{len(found)}] {entry['hospital']}: {entry['title']}")
        hospital = Hospital(entry["dsp_endpoint"])
        hospital.sign_in(node, a.name, key)
        neg = hospital.request(entry, a.purpose, a.callback)
        items.append(
            Negotiation(
                node=node,
                institution_code=entry["node"],
                dsp_endpoint=entry["dsp_endpoint"],
                dataset_id=entry["dataset_id"],
                title=entry["title"],
                provider_pid=neg["providerPid"],
                consumer_pid=neg["consumerPid"],
                state=neg["state"],
                product_id=str(entry.get("product_id", "")),
                access_mode=str(entry["access_mode"]),
            )
        )
        _save(a.state, items)
    return [n.as_dict() for n in items]


def _signed_in(n: Negotiation, a: argparse.Namespace, key: Key) -> Hospital:
    hospital = Hospital(n.dsp_endpoint)
    hospital.sign_in(n.node, a.name, key)
    return hospital


def cmd_status(a: argparse.Namespace) -> Any:
    key, items = _key(a), _load(a.state)
    for n in items:
        n.state = _signed_in(n, a, key).state(n.provider_pid)
    _save(a.state, items)
    return [n.as_dict() for n in items]


def cmd_sign(a: argparse.Namespace) -> Any:
    """Sign every AGREED negotiation whose node signature verifies against the region's key."""
    key, items, keys = _key(a), _load(a.state), _region(a).node_keys()
    for i, n in enumerate(items, 1):
        hospital = _signed_in(n, a, key)
        n.state = hospital.state(n.provider_pid)
        if n.state != "AGREED":
            continue
        agreement = hospital.agreement(n.provider_pid)
        if n.institution_code not in keys:
            raise PartnerError(f"{n.institution_code} is not an approved node of the region", "node_unknown")
        message = check_agreement(agreement, keys[n.institution_code], a.purpose)
        n.contract_id = agreement["agreement"]["@id"].rsplit(":", 1)[-1]
        n.state = hospital.verify_agreement(n.provider_pid, n.consumer_pid, key.sign(message))
        _progress(f"[{i}/{len(items)}] {n.node}: signed contract {n.contract_id} -> {n.state}")
        _save(a.state, items)
    return [n.as_dict() for n in items]


def cmd_train(a: argparse.Namespace) -> Any:
    """Start a federated job at the coordinator over the hospitals of the partner's DSP contracts."""
    job = training_job(_load(a.state), a.rounds, a.dp_epsilon)
    _progress(f"hospitals: {', '.join(sorted(job['hospitals']))}")
    coordinator = Hospital(a.coordinator)
    coordinator.sign_in(a.coordinator_node, a.name, _key(a))
    return coordinator.start_training(job)


def _at_each(a: argparse.Namespace, mode: str, work: Callable[[Hospital, Holding], Any]) -> list[Any]:
    """Run ``work`` at every hospital holding a finalized ``mode`` contract the region lists, signed in
    with the partner's key; a hospital that fails is reported in its row (``error``), the others run."""
    key = _key(a)
    found = holdings(_load(a.state), _region(a).search(access_mode=mode), mode)
    rows: list[dict[str, Any]] = []
    with progress(a.command, len(found)) as step:
        for h in found:
            row: dict[str, Any] = {
                "hospital": h.institution_code,
                "node": h.node,
                "contract_id": h.contract_id,
            }
            try:
                node = Hospital(h.dsp_endpoint)
                node.sign_in(h.node, a.name, key)
                row["result"] = work(node, h)
            except PartnerError as exc:
                row |= {"error": exc.code, "detail": str(exc)}
            except httpx.HTTPError as exc:  # down or unreachable: this hospital only
                row |= {"error": "unreachable", "detail": f"{h.dsp_endpoint}: {type(exc).__name__}"}
            rows.append(row)
            step(h.institution_code)
    return rows


def cmd_query(a: argparse.Namespace) -> Any:
    """A DP aggregate query at every hospital of the partner's aggregate_query contracts."""
    from hnode_partner.queries import query

    return _at_each(
        a,
        "aggregate_query",
        lambda node, h: query(node, h.contract_id, a.measure, a.by, a.where, a.epsilon),
    )


def cmd_psi(a: argparse.Namespace) -> Any:
    """Private set intersection of the member list with every hospital of the partner's psi contracts."""
    from hnode_partner import psi

    keys = psi.parse_members(Path(a.members).read_text(encoding="utf-8").splitlines())
    psi._psi()  # the extra is checked before anything is sent
    return _at_each(a, "psi", lambda node, h: psi.run(node, h.contract_id, keys))


def cmd_extract(a: argparse.Namespace) -> Any:
    """Pull an anonymized extract (DSP transfer, HttpData-PULL) from every hospital of the partner's
    anonymized_extract contracts; each is written to OUT/<institution code>.csv."""
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    host, _, port = a.listen.rpartition(":")
    cert = Path(a.tls_cert) if a.tls_cert else None
    key = Path(a.tls_key) if a.tls_key else None
    with CallbackListener(host or "127.0.0.1", int(port), cert, key) as listener:

        def pull(node: Hospital, h: Holding) -> dict[str, Any]:
            consumer_pid = f"urn:uuid:{uuid.uuid4()}"
            agreement = f"urn:hnode:contract:{h.node}:{h.contract_id}"
            node.transfer_request(agreement, consumer_pid, a.callback)
            data = node.pull(listener.wait_start(consumer_pid, a.wait))
            path = out_dir / f"{h.institution_code}.csv"
            with path.open("w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(data["columns"])
                writer.writerows(data["rows"])
            return {"file": str(path), "rows": len(data["rows"]), "report": data["report"]}

        return _at_each(a, "anonymized_extract", pull)


def cmd_he_keygen(a: argparse.Namespace) -> Any:
    from hnode_partner.he import HeKeys

    keys = HeKeys.generate(a.scheme)
    out = Path(a.out)
    out.touch(mode=0o600, exist_ok=False)
    out.write_bytes(keys.secret_blob())
    return {"secret_keys": str(out), "scheme": a.scheme, "note": "never send this file"}


def cmd_he_aggregate(a: argparse.Namespace) -> Any:
    """Cohort counts and sums from every hospital of the partner's he_query contracts, added under
    encryption by the coordinator; only the total is decrypted, here. Any hospital failing stops it
    (no partial total is decrypted)."""
    from hnode_partner import he

    counts = he.HeKeys.load(Path(a.counts_keys).read_bytes(), "bfv-counts")
    sums = he.HeKeys.load(Path(a.sums_keys).read_bytes(), "ckks-sums")
    token = os.environ.get(a.coordinator_token_env, "")
    if not token:
        raise PartnerError(
            f"set {a.coordinator_token_env} to the coordinator's token", "coordinator_token_missing"
        )
    rows = _at_each(
        a,
        "he_query",
        lambda node, h: he.contribution(node, h.contract_id, counts, sums, a.condition, a.epsilon),
    )
    failed = [r for r in rows if "error" in r]
    if failed:
        which = ", ".join(f"{r['hospital']}: {r['error']}" for r in failed)
        raise PartnerError(
            f"{len(failed)} hospital(s) failed ({which}); nothing decrypted", "hospital_failed"
        )
    coordinator = Hospital(a.coordinator)
    coordinator.use_token(token)
    return he.combine(coordinator, counts, sums, [r["result"] for r in rows]).as_dict()


def cmd_verify_contract(a: argparse.Namespace) -> Any:
    copy = json.loads(Path(a.copy).read_text())
    keys = set(_region(a).node_keys().values())
    rpc = http_rpc(a.chain_rpc) if a.chain_rpc else None
    return verify_contract_copy(copy, keys, a.partner_key, rpc, a.registry)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hnode-partner", description="Partner client of the regional health data space."
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--region", default=os.environ.get("REGION_URL"))
    p.add_argument("--token", default=os.environ.get("REGION_TOKEN"), help="a reader token of the region")
    sub = p.add_subparsers(dest="command", required=True)

    def filters(s: argparse.ArgumentParser) -> None:
        s.add_argument("--text", default="")
        s.add_argument("--category")
        s.add_argument("--level", type=int)
        s.add_argument("--mode", help="access mode")
        s.add_argument("--scenario")

    s = sub.add_parser("search", help="federated catalog search across hospitals")
    filters(s)
    s.set_defaults(run=cmd_search)
    for name, run, help_ in (
        ("negotiate", cmd_negotiate, "request the found products from every hospital (DSP)"),
        ("sign", cmd_sign, "check and sign every agreed contract"),
        ("status", cmd_status, "refresh the states of the negotiations"),
    ):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--name", required=True, help="your partner name at the region")
        s.add_argument("--key", required=True, help="your SM2 key (PEM; PARTNER_KEY_PASSPHRASE)")
        s.add_argument("--state", default="negotiations.json")
        s.add_argument("--purpose", required=name != "status")
        s.add_argument("--callback", default="https://partner.invalid/dsp")
        if name == "negotiate":
            filters(s)
        s.set_defaults(run=run)
    s = sub.add_parser("train", help="federated training over the hospitals of your DSP contracts")
    s.add_argument("--name", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--state", default="negotiations.json")
    s.add_argument("--coordinator", required=True, help="base URL of the coordinating node")
    s.add_argument("--coordinator-node", required=True, help="its node name")
    s.add_argument("--rounds", type=int, default=5)
    s.add_argument("--dp-epsilon", type=float)
    s.set_defaults(run=cmd_train)

    def partner(s: argparse.ArgumentParser) -> None:
        s.add_argument("--name", required=True, help="your partner name at the region")
        s.add_argument("--key", required=True, help="your SM2 key (PEM; PARTNER_KEY_PASSPHRASE)")
        s.add_argument("--state", default="negotiations.json", help="your negotiations (from negotiate)")

    s = sub.add_parser("query", help="DP aggregate query at every hospital of your aggregate_query contracts")
    partner(s)
    s.add_argument("--measure", action="append", required=True, help="count, sum:COL, mean:COL, ... (repeat)")
    s.add_argument("--by", action="append", default=[], help="dimension to group by (repeat)")
    s.add_argument("--where", action="append", default=[], help="COLUMN=VALUE (repeat)")
    s.add_argument("--epsilon", type=float, required=True, help="privacy budget each hospital spends")
    s.set_defaults(run=cmd_query)
    s = sub.add_parser("psi", help="private set intersection with every hospital of your psi contracts")
    partner(s)
    s.add_argument(
        "--members", required=True, help="file: one resident ID number or 'name,YYYY-MM-DD' a line"
    )
    s.set_defaults(run=cmd_psi)
    s = sub.add_parser(
        "extract", help="pull an anonymized extract from every hospital of your extract contracts"
    )
    partner(s)
    s.add_argument("--out", required=True, help="directory for one CSV per hospital")
    s.add_argument(
        "--callback", required=True, help="your https DSP callback address, as the hospitals reach it"
    )
    s.add_argument("--listen", default="127.0.0.1:8443", help="HOST:PORT the callback listener binds")
    s.add_argument("--tls-cert", help="certificate (PEM) for the listener; else TLS ends at your proxy")
    s.add_argument("--tls-key", help="its private key (PEM)")
    s.add_argument("--wait", type=float, default=60.0, help="seconds to wait for each TransferStartMessage")
    s.set_defaults(run=cmd_extract)
    he = sub.add_parser("he", help="homomorphic-encryption statistics across hospitals").add_subparsers(
        dest="he_command", required=True
    )
    s = he.add_parser("keygen", help="make your HE keys (the secret key file never leaves you)")
    s.add_argument("--scheme", required=True, choices=["bfv-counts", "ckks-sums"])
    s.add_argument("--out", required=True)
    s.set_defaults(run=cmd_he_keygen)
    s = he.add_parser("aggregate", help="cohort counts and sums across your he_query hospitals")
    partner(s)
    s.add_argument("--counts-keys", required=True, help="from he keygen --scheme bfv-counts")
    s.add_argument("--sums-keys", required=True, help="from he keygen --scheme ckks-sums")
    s.add_argument("--condition", required=True, help="ICD-10 prefix of the cohort, e.g. E11")
    s.add_argument("--epsilon", type=float, required=True, help="privacy budget each hospital spends")
    s.add_argument("--coordinator", required=True, help="base URL of the node that adds the ciphertexts")
    s.add_argument(
        "--coordinator-token-env", default="HE_COORDINATOR_TOKEN", help="variable holding its token"
    )
    s.set_defaults(run=cmd_he_aggregate)
    s = sub.add_parser("verify-contract", help="check a contract copy: digest, SM2 signatures, chain anchor")
    s.add_argument("copy")
    s.add_argument("--partner-key")
    s.add_argument("--chain-rpc")
    s.add_argument("--registry", help="address of the anchor registry")
    s.set_defaults(run=cmd_verify_contract)
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    try:
        out = a.run(a)
    except PartnerError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(f"error [unreachable]: {type(exc).__name__}", file=sys.stderr)
        return 3
    except OSError as exc:  # a key, member or output file: named, never its content
        print(f"error [file]: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for row in out if isinstance(out, list) else [out]:
            print(row)
    if isinstance(out, dict) and out.get("ok") is False:
        return 1
    if isinstance(out, list) and any(isinstance(r, dict) and "error" in r for r in out):
        return 1  # a hospital failed: its row says why, the others' results are above
    return 0


if __name__ == "__main__":
    sys.exit(main())
