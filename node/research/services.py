"""Cohorts and research datasets under a partner's contract: each one metered use, decided first.

Attrition counts are a use of the contract in its own access mode (the numbers leave the node). A
research dataset needs a ``research_dataset`` contract (researchers only; level 4 after ethics review)
and is built with the contract's k, which the negotiation policy holds at or above the product's. The
product's tables come from the contract, never from the request; the definition's version and SM3
digest go into the metering reference and the audit trail, so what was asked is on record, and the
cohort's patients never leave this module.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pandas as pd

from node.anonymization.operators import Pseudonymizer
from node.asset_registry.model import AccessMode, Asset
from node.asset_registry.pii import DIRECT_IDENTIFIERS
from node.asset_registry.ports import AssetStore, RegistryUnitOfWork
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.services import ContractService
from node.errors import InvalidInput, NotFound
from node.identity.model import Principal
from node.research.cohort import evaluate, parse_definition
from node.research.dataset import DatasetOptions, ResearchDataset, build
from node.research.tables import by_role, role_of


class ResearchService:
    def __init__(
        self,
        uow_factory: Callable[[], RegistryUnitOfWork],
        store: AssetStore,
        contracts: ContractService,
        usage: UsageService,
        dataset_key: Callable[[str], bytes],
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._contracts = contracts
        self._usage = usage
        self._key = dataset_key

    def _assets(self, asset_ids: tuple[str, ...]) -> list[Asset]:
        with self._uow() as uow:
            assets = [uow.assets.get(a) for a in asset_ids]
        if any(a is None for a in assets):
            raise NotFound("an asset of the product is gone", code="asset_not_found")
        return [a for a in assets if a is not None]

    def _tables(self, assets: list[Asset]) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
        """The product's tables by role, and per role the columns that hold direct identifiers."""
        tables: dict[str, pd.DataFrame] = {}
        drop: dict[str, list[str]] = {}
        for asset in assets:
            frame = pd.concat(list(self._store.read(asset.storage_ref)), ignore_index=True)
            tables[asset.id] = frame
            role = role_of(frame)
            if role is not None:
                drop[role] = [
                    c.name
                    for c in asset.columns
                    if set(c.pii) & DIRECT_IDENTIFIERS and c.name != "patient_id"
                ]
        return by_role(tables), drop

    def attrition(self, partner: Principal, contract_id: str, definition: Any) -> dict[str, Any]:
        """How many patients each criterion leaves, withheld below the contract's minimum cohort."""
        parsed = parse_definition(definition)  # a malformed definition costs no use
        self._contracts.get(partner, contract_id)  # another partner's contract: not found
        request = UsageRequest.for_cohort_attrition(contract_id, parsed.version, parsed.digest)
        with self._usage.use(partner, request) as grant:
            tables, _ = self._tables(self._assets(grant.asset_ids))
            result = evaluate(parsed, tables)
            min_cohort = max(grant.contract.terms.min_cohort, 1)
            return {"contract_id": contract_id, **result.attrition(min_cohort)}

    def dataset(self, partner: Principal, contract_id: str, definition: Any) -> ResearchDataset:
        """A multi-table anonymized dataset of the cohort (see ``research.dataset``)."""
        parsed = parse_definition(definition)
        contract = self._contracts.get(partner, contract_id)
        if contract.terms.access_mode != AccessMode.RESEARCH_DATASET:
            raise InvalidInput("a research dataset needs a research_dataset contract", code="mode_mismatch")
        dataset_id = "rd_" + secrets.token_hex(8)
        request = UsageRequest.for_research_dataset(contract_id, dataset_id, parsed.version, parsed.digest)
        with self._usage.use(partner, request) as grant:
            tables, drop = self._tables(self._assets(grant.asset_ids))
            result = evaluate(parsed, tables)
            terms = grant.contract.terms
            # the usage policy decides on the cohort found; a refusal refunds the use and is audited
            grant.require_cohort(result.size)
            options = DatasetOptions(dataset_id, k=max(terms.k, 2), drop=drop)
            return build(result, tables, Pseudonymizer(self._key(dataset_id)), options)
