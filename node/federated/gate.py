"""The enforcement point as a federated round sees it: before a hospital touches its data for a
round, its node meters one ``federated_training`` use (and the round's ε) of the job's contract.

The round is metered once per (contract, job, round): a round asked again (a retried message, a job
submitted twice) gets the first grant back and is charged nothing. A denial (expired, revoked,
quota or budget spent, product retired) makes that hospital refuse the round; the strategy's minimums
decide whether the job goes on. The grant names the product and assets the round may read: the
contract's, never anything from the job's request.
"""

from __future__ import annotations

from node.contracts.enforcement import UsageGrant, UsageRequest, UsageService


class RoundGate:
    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    def admit(self, contract_id: str, job: str, round_no: int, epsilon: float) -> UsageGrant:
        """Meter one round for the contract's partner, on whose behalf the node trains; raises
        ``UsageDenied`` or ``NotFound`` (audited) when the use is refused."""
        return self._usage.check_for_partner(
            UsageRequest.for_federated_round(contract_id, job, round_no, epsilon)
        )
