"""Anonymized extracts obtained by a partner under its contract: one metered use each."""

from __future__ import annotations

import pandas as pd

from node.anonymization.tabular import TableReport
from node.asset_registry.extracts import ExtractService
from node.asset_registry.model import AccessMode
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.services import ContractService
from node.identity.model import Principal


class ContractExtracts:
    def __init__(self, contracts: ContractService, usage: UsageService, extracts: ExtractService) -> None:
        self._contracts = contracts
        self._usage = usage
        self._extracts = extracts

    def extract(self, partner: Principal, contract_id: str) -> tuple[pd.DataFrame, TableReport]:
        contract = self._contracts.get(partner, contract_id)
        request = UsageRequest(
            contract_id,
            AccessMode.ANONYMIZED_EXTRACT,
            contract.terms.purpose,
            ref=f"extract:{contract.product_id}",
        )
        with self._usage.use(partner, request):
            # if k cannot be met the extract raises, the use rolls back and costs nothing
            return self._extracts.extract(partner.id, contract.product_id, min_k=contract.terms.k)
