"""What the node tells the regional registry: its join request and its catalog, both signed by the
node's SM2 key over their RFC 8785 bytes (the region verifies them against the key it approved)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.asset_registry.model import ProductStatus
from node.contracts.model import State
from node.contracts.ports import ContractsUnitOfWork
from node.crypto.canonical import canonical_json
from node.dataspace import odrl
from node.identity.services import IdentityService
from node.ports import Clock, Signer


class RegionRegistration:
    def __init__(
        self,
        uow_factory: Callable[[], ContractsUnitOfWork],
        clock: Clock,
        signer: Signer,
        node_id: str,
        display_name: str,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._signer = signer
        self._node = node_id
        self._display = display_name

    def join_request(self, institution_code: str, dsp_endpoint: str, invitation: str) -> dict[str, Any]:
        """The join request, carrying the one-time invitation the region's operator issued for this
        institution code (signed with the rest, so it cannot be swapped)."""
        return self._signed(
            {
                "type": "join",
                "hospital": self._display,
                "institution_code": institution_code,
                "dsp_endpoint": dsp_endpoint,
                "public_key": self._signer.public_key_hex,
                "invitation": invitation,
                "at_us": self._clock.now_us(),
            }
        )

    def catalog_push(self, institution_code: str) -> dict[str, Any]:
        """Every published product as a catalog entry (grade of its most restricted asset, scenarios of
        all its assets, its ODRL offer); the version is the push time, so a replay is refused."""
        with self._uow() as uow:
            products = [p for p in uow.products.all() if p.status == ProductStatus.PUBLISHED]
            assets = {a.id: a for p in products for a in (uow.assets.get(x) for x in p.asset_ids) if a}
            in_force = len(uow.contracts.query(states={State.ACTIVE}))
        entries = []
        for p in products:
            mine = [assets[a] for a in p.asset_ids if a in assets]
            if not mine:
                continue
            top = max(mine, key=lambda a: a.grade.level)
            entries.append(
                {
                    "dataset_id": odrl.dataset_id(self._node, p.id),
                    "product_id": p.id,
                    "title": p.name,
                    "description": p.description,
                    "category": top.grade.category.value,
                    "level": top.grade.level,
                    "access_mode": p.access_mode.value,
                    "scenarios": sorted({s for a in mine for s in a.scenarios}),
                    "update_frequency": top.update_frequency,
                    "visible_to": p.visible_to,
                    "offer": odrl.catalog_offer(self._node, p),
                }
            )
        return self._signed(
            {
                "type": "catalog",
                "node": institution_code,
                "version": self._clock.now_us(),
                "contracts_in_force": in_force,
                "entries": entries,
            }
        )

    def _signed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"payload": payload, "signature": self._signer.sign(canonical_json(payload)).hex()}


def adopt_partners(
    identity: IdentityService, actor: str, partners: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """Register here the partners the region lists, by their keys (mutual recognition); a local
    principal of the same name with another key is left alone and reported. Contracts stay this
    node's decision: being known is not being granted anything."""
    known = {p.name: p for p in identity.list_principals()}
    out: dict[str, list[str]] = {"added": [], "unchanged": [], "conflicting": []}
    for p in partners:
        name, key = str(p.get("name", "")), str(p.get("public_key", ""))
        local = known.get(name)
        if local is None:
            identity.register(actor, name, list(p.get("roles", [])), str(p.get("organization", "")), key)
            out["added"].append(name)
        elif local.public_key == key.lower():
            out["unchanged"].append(name)
        else:
            out["conflicting"].append(name)
    return out
