"""``hnode-partner``: discover through the region, negotiate over DSP with several hospitals, sign,
verify without the node. ``--json`` everywhere; progress on stderr."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from hnode_partner.client import (
    Hospital,
    Negotiation,
    PartnerError,
    Region,
    check_agreement,
    node_name,
    training_job,
)
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
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for row in out if isinstance(out, list) else [out]:
            print(row)
    if isinstance(out, dict) and out.get("ok") is False:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
