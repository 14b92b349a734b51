"""Which hospitals a piece of multi-hospital work runs at: those where the partner holds a FINALIZED
contract (negotiated over DSP, kept in its state file) for a product that the region's federated catalog
still lists with that access mode; never a hand-written list of URLs, tokens and contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hnode_partner.client import Negotiation, PartnerError


@dataclass(frozen=True)
class Holding:
    """One hospital the partner may work with: its node, DSP endpoint (as the region lists it now) and
    the contract (the node's id) that covers the work."""

    node: str
    institution_code: str
    dsp_endpoint: str
    contract_id: str
    dataset_id: str
    title: str
    stale: bool


def holdings(negotiations: list[Negotiation], catalog: list[dict[str, Any]], mode: str) -> list[Holding]:
    """The hospitals for work of access ``mode``: a finalized contract for a dataset the catalog lists
    with that mode. Raises if there is none, naming what to do."""
    listed = {e["dataset_id"]: e for e in catalog if e.get("access_mode") == mode}
    out = [
        Holding(
            node=n.node,
            institution_code=n.institution_code,
            dsp_endpoint=str(listed[n.dataset_id]["dsp_endpoint"]),
            contract_id=n.contract_id,
            dataset_id=n.dataset_id,
            title=n.title,
            stale=bool(listed[n.dataset_id].get("stale", False)),
        )
        for n in negotiations
        if n.state == "FINALIZED" and n.contract_id and n.access_mode == mode and n.dataset_id in listed
    ]
    if not out:
        raise PartnerError(
            f"no finalized {mode} contract for a product the region lists: negotiate, sign and check "
            "the status first",
            "no_hospitals",
        )
    return sorted(out, key=lambda h: h.institution_code)
