"""Dataspace Protocol 2025-1 state machines of the provider side: contract negotiations and transfer
processes, each bound to one of our contracts.

A negotiation's DSP state follows its contract (the contract state machine in ``node.contracts`` stays
the source of truth for what is allowed): officer approval and ethics review happen while the DSP state
is REQUESTED; a counter-offer is OFFERED; an agreed contract is AGREED; the partner's signature arrives
with its verification (VERIFIED); an anchored, active contract is FINALIZED; any end before that is
TERMINATED. Messages of the consumer may only move the states the protocol lets the consumer move;
any other message is refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from node.contracts.model import State
from node.errors import NodeError


class DspState(StrEnum):
    REQUESTED = "REQUESTED"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    AGREED = "AGREED"
    VERIFIED = "VERIFIED"
    FINALIZED = "FINALIZED"
    TERMINATED = "TERMINATED"


DSP_FINAL = frozenset({DspState.FINALIZED, DspState.TERMINATED})


class TransferState(StrEnum):
    REQUESTED = "REQUESTED"
    STARTED = "STARTED"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


TRANSFER_FINAL = frozenset({TransferState.COMPLETED, TransferState.TERMINATED})


class DspError(NodeError):
    """A refused protocol message. ``status`` is the HTTP status the binding prescribes (400 for a
    message that is invalid or out of order, 404 for an unknown or foreign process); ``kind`` names the
    error object (``negotiation``, ``catalog`` or ``transfer``)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int = 400,
        kind: str = "negotiation",
        provider_pid: str = "",
        consumer_pid: str = "",
    ) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.kind = kind
        self.provider_pid = provider_pid
        self.consumer_pid = consumer_pid


@dataclass(frozen=True)
class Negotiation:
    provider_pid: str
    consumer_pid: str
    partner_id: str
    contract_id: str
    callback_address: str
    state: DspState
    created_at_us: int
    updated_at_us: int

    def refuse(self, message: str, code: str = "state_invalid") -> DspError:
        return DspError(message, code=code, provider_pid=self.provider_pid, consumer_pid=self.consumer_pid)

    def by_consumer(self, target: DspState, now_us: int) -> Negotiation:
        """A consumer's message moves the negotiation (DSP 2025-1, contract negotiation states)."""
        allowed = {
            DspState.REQUESTED: {DspState.OFFERED},  # a counter-request to our offer
            DspState.ACCEPTED: {DspState.OFFERED},
            DspState.VERIFIED: {DspState.AGREED},
            DspState.TERMINATED: set(DspState) - DSP_FINAL,
        }[target]
        if self.state not in allowed:
            raise self.refuse(
                f"the negotiation is {self.state.value}: a consumer cannot move it to {target.value}"
            )
        return replace(self, state=target, updated_at_us=now_us)

    def follow(self, contract_state: State, now_us: int) -> Negotiation | None:
        """The negotiation as the contract now says it is, or None if nothing changed."""
        target = provider_state(self.state, contract_state)
        if target == self.state:
            return None
        return replace(self, state=target, updated_at_us=now_us)


def provider_state(current: DspState, contract: State) -> DspState:
    """Map a contract state onto the DSP state of its negotiation (given where the negotiation is)."""
    if current in DSP_FINAL:
        return current  # a finalized negotiation stays so when its contract later ends
    if contract in (State.REQUESTED, State.PENDING_APPROVAL):
        return DspState.REQUESTED
    if contract == State.PENDING_ETHICS:
        # the officer approved or the consumer accepted our offer; the ethics review is still REQUESTED
        # (or ACCEPTED) on the wire
        return current if current in (DspState.REQUESTED, DspState.ACCEPTED) else DspState.REQUESTED
    if contract == State.COUNTER_OFFERED:
        return DspState.OFFERED
    if contract == State.AGREED:
        return DspState.AGREED
    if contract in (State.SIGNED, State.ANCHORING):
        return DspState.VERIFIED
    if contract in (State.ACTIVE, State.EXHAUSTED):
        return DspState.FINALIZED
    return DspState.TERMINATED  # rejected, revoked, terminated or expired before it was finalized


@dataclass(frozen=True)
class Transfer:
    provider_pid: str
    consumer_pid: str
    partner_id: str
    contract_id: str
    callback_address: str
    state: TransferState
    token_hash: str  # SM3 of the data address token; "" once used or revoked
    token_expires_at_us: int
    created_at_us: int
    updated_at_us: int
    endpoint: str  # base of the data address: {endpoint}/{providerPid}/data

    def refuse(self, message: str, code: str = "state_invalid") -> DspError:
        return DspError(
            message,
            code=code,
            kind="transfer",
            provider_pid=self.provider_pid,
            consumer_pid=self.consumer_pid,
        )

    def start(self, token_hash: str, expires_at_us: int, now_us: int) -> Transfer:
        if self.state != TransferState.REQUESTED:
            raise self.refuse(f"the transfer is {self.state.value}: it cannot start")
        return replace(
            self,
            state=TransferState.STARTED,
            token_hash=token_hash,
            token_expires_at_us=expires_at_us,
            updated_at_us=now_us,
        )

    def end(self, target: TransferState, now_us: int) -> Transfer:
        if self.state in TRANSFER_FINAL:
            raise self.refuse(f"the transfer is {self.state.value}: it cannot become {target.value}")
        return replace(self, state=target, token_hash="", updated_at_us=now_us)
