"""Anonymized extracts obtained by a partner under its contract: one metered use each."""

from __future__ import annotations

import pandas as pd

from node.anonymization.tabular import TableReport
from node.asset_registry.extracts import ExtractService
from node.contracts.enforcement import UsageRequest, UsageService
from node.identity.model import Principal


class ContractExtracts:
    def __init__(self, usage: UsageService, extracts: ExtractService) -> None:
        self._usage = usage
        self._extracts = extracts

    def extract(self, partner: Principal, contract_id: str) -> tuple[pd.DataFrame, TableReport]:
        """The extract of the contract's product, decided and metered first; if k cannot be met the
        extract raises, the use is refunded and costs nothing."""
        request = UsageRequest.for_extract(contract_id)
        with self._usage.use(partner, request) as grant:
            return self._extracts.extract(grant)
