"""Anonymized extracts obtained by a partner under its contract: one metered use each."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from node.anonymization.tabular import TableReport
from node.asset_registry.extracts import ExtractService
from node.asset_registry.model import AccessMode
from node.contracts.enforcement import UsageRequest, UsageService
from node.contracts.ports import ContractsUnitOfWork
from node.errors import NotFound
from node.identity.model import Principal


class ContractExtracts:
    def __init__(
        self, uow_factory: Callable[[], ContractsUnitOfWork], usage: UsageService, extracts: ExtractService
    ) -> None:
        self._uow = uow_factory
        self._usage = usage
        self._extracts = extracts

    def extract(self, partner: Principal, contract_id: str) -> tuple[pd.DataFrame, TableReport]:
        with self._uow() as uow:
            contract = uow.contracts.get(contract_id)
        if contract is None or contract.partner_id != partner.id:
            raise NotFound(f"contract {contract_id} not found", code="contract_not_found")
        request = UsageRequest(
            contract_id,
            AccessMode.ANONYMIZED_EXTRACT,
            contract.terms.purpose,
            ref=f"extract:{contract.product_id}",
        )
        with self._usage.use(partner, request):
            # if k cannot be met the extract raises, the use rolls back and costs nothing
            return self._extracts.extract(partner.id, contract.product_id, min_k=contract.terms.k)
