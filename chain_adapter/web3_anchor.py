"""The ``ChainAnchor`` port on any EVM chain reached through web3 (embedded EVM or JSON-RPC)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar, cast

import rlp  # type: ignore[import-untyped]
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception
from web3.types import TxParams

from chain_adapter.artifact import anchor_registry
from node.errors import DependencyUnavailable, InvalidInput
from node.ports import AnchorReceipt

T = TypeVar("T")
_CHAIN_ERRORS = (OSError, Web3Exception, ValueError, TypeError, KeyError, AttributeError)
_DIGEST_LEN = 64


def _unavailable(exc: BaseException, what: str) -> DependencyUnavailable:
    # name the failure, not the payload: node messages may echo request data
    return DependencyUnavailable(
        f"chain {what} failed ({type(exc).__name__}); the anchor stays queued and will be retried",
        code="chain_unavailable",
    )


def _call(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ContractLogicError:
        raise
    except _CHAIN_ERRORS as exc:
        raise _unavailable(exc, what) from None


def _digest_bytes(digest: str) -> bytes:
    if len(digest) != _DIGEST_LEN:
        raise InvalidInput("a digest is 64 hex characters (SM3)", code="digest_malformed")
    try:
        return bytes.fromhex(digest)
    except ValueError:
        raise InvalidInput("a digest is 64 hex characters (SM3)", code="digest_malformed") from None


@dataclass(frozen=True)
class Deployment:
    """A signed deployment of the registry, recorded before it is sent so that a crash can resume it
    (re-sending the same bytes is idempotent: same nonce, same hash, same contract address)."""

    address: str
    sender: str
    nonce: int
    raw_tx: str
    tx_hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_deployment(w3: Web3, account: LocalAccount) -> Deployment:
    """Build and sign the registry's deployment from ``account`` at its next nonce; send nothing."""
    art = anchor_registry()
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])

    def build() -> Deployment:
        tx = dict(factory.constructor().build_transaction(cast(TxParams, _fees(w3, account.address))))
        tx["nonce"] = w3.eth.get_transaction_count(account.address, "pending")
        tx.setdefault("gas", w3.eth.estimate_gas(cast(TxParams, tx)))
        signed = account.sign_transaction(tx)
        sender = bytes.fromhex(account.address.removeprefix("0x"))
        address = Web3.to_checksum_address(Web3.keccak(rlp.encode([sender, int(tx["nonce"])]))[12:])
        return Deployment(
            address,
            account.address,
            int(tx["nonce"]),
            signed.raw_transaction.to_0x_hex(),
            signed.hash.to_0x_hex(),
        )

    return _call("deploy", build)


def has_registry(w3: Web3, address: str) -> bool:
    code = _call("code lookup", lambda: w3.eth.get_code(Web3.to_checksum_address(address)))
    return bool(bytes(code).hex() == anchor_registry()["bytecode_runtime"].removeprefix("0x"))


def send_deployment(w3: Web3, d: Deployment, timeout_s: float = 30) -> str:
    """Send (or send again) a recorded deployment and wait for it; return the registry's address.
    Raises ``chain_deploy_lost`` when the recorded transaction can no longer be mined (its nonce was
    used without creating the registry): only then may a new deployment be prepared."""
    if has_registry(w3, d.address):
        return d.address
    try:
        w3.eth.send_raw_transaction(HexBytes(d.raw_tx))
    except (Web3Exception, ValueError):
        pass  # "already known" or "nonce too low": it was sent before the crash; look for its receipt
    except OSError as exc:
        raise _unavailable(exc, "deployment") from None
    try:
        receipt = w3.eth.wait_for_transaction_receipt(
            HexBytes(d.tx_hash), timeout=timeout_s, poll_latency=0.05
        )
    except TimeExhausted:
        receipt = None
    except _CHAIN_ERRORS as exc:
        raise _unavailable(exc, "deployment") from None
    if has_registry(w3, d.address):
        return d.address
    used = int(
        _call("nonce lookup", lambda: w3.eth.get_transaction_count(Web3.to_checksum_address(d.sender)))
    )
    if receipt is not None or used > d.nonce:
        raise DependencyUnavailable(
            f"the recorded registry deployment (tx {d.tx_hash}, nonce {d.nonce}) "
            + ("was reverted" if receipt is not None else "was replaced by another transaction"),
            code="chain_deploy_lost",
        )
    raise DependencyUnavailable(
        f"the registry deployment (tx {d.tx_hash}) is not mined yet; it stays recorded and is resumed",
        code="chain_unavailable",
    )


def deploy_registry(w3: Web3, account: LocalAccount, timeout_s: float = 30) -> str:
    """Deploy the anchor registry from ``account``; return its checksummed address."""
    return send_deployment(w3, prepare_deployment(w3, account), timeout_s)


def _fees(w3: Web3, sender: str) -> dict[str, Any]:
    base: dict[str, Any] = {"from": sender, "chainId": w3.eth.chain_id}
    block = w3.eth.get_block("latest")
    if "baseFeePerGas" in block:
        tip = 10**9
        base |= {"maxFeePerGas": 2 * int(block["baseFeePerGas"]) + tip, "maxPriorityFeePerGas": tip}
    else:  # pre-London chains (some consortium chains)
        base |= {"gasPrice": w3.eth.gas_price}
    return base


def _send(w3: Web3, account: LocalAccount, tx: dict[str, Any], timeout_s: float) -> Any:
    def go() -> Any:
        tx["nonce"] = w3.eth.get_transaction_count(account.address, "pending")
        tx.setdefault("gas", w3.eth.estimate_gas(cast(TxParams, tx)))
        signed = account.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout_s, poll_latency=0.05)

    try:
        receipt = _call("transaction", go)
    except TimeExhausted as exc:
        raise _unavailable(exc, "transaction") from None
    if receipt["status"] != 1:
        raise DependencyUnavailable("the chain reverted the transaction", code="chain_reverted")
    return receipt


class Web3ChainAnchor:
    """Anchors digests in the registry at ``address``, signing with ``account``."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        address: str,
        timeout_s: float = 30,
        after_write: Callable[[], None] | None = None,
    ) -> None:
        self._w3 = w3
        self._account = account
        self._timeout = timeout_s
        self._after_write = after_write or (lambda: None)
        self._lock = threading.Lock()
        self._address = Web3.to_checksum_address(address)
        self._contract = w3.eth.contract(address=self._address, abi=anchor_registry()["abi"])
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(_call("chain id", lambda: self._w3.eth.chain_id))
        return self._chain_id

    @property
    def contract_address(self) -> str:
        return self._address

    def check_contract(self) -> None:
        """Refuse an address that does not hold this registry's code."""
        if not has_registry(self._w3, self._address):
            raise DependencyUnavailable(
                f"no anchor registry at {self._address} on chain {self.chain_id}",
                code="chain_registry_missing",
            )

    def anchor(self, digest: str, kind: str, ref: str) -> AnchorReceipt:
        raw = _digest_bytes(digest)
        with self._lock:
            found = self.find(digest)
            if found is not None:
                return found
            fn = self._contract.functions.anchor(raw, kind, ref)
            for attempt in (1, 2):
                # another process of the node may send from the same account at the same moment: its
                # transaction takes our nonce, or anchors this very digest first (the registry then
                # refuses ours). Look, then try once more.
                try:
                    tx = _call(
                        "transaction",
                        lambda: dict(
                            fn.build_transaction(cast(TxParams, _fees(self._w3, self._account.address)))
                        ),
                    )
                    _send(self._w3, self._account, tx, self._timeout)
                    break
                except (DependencyUnavailable, ContractLogicError) as exc:
                    found = self.find(digest)
                    if found is not None:
                        return found
                    if attempt == 2:
                        if isinstance(exc, ContractLogicError):
                            raise DependencyUnavailable(
                                "the registry refused the anchor transaction", code="chain_reverted"
                            ) from None
                        raise
                finally:
                    self._after_write()
        found = self.find(digest)
        if found is None:
            raise DependencyUnavailable(
                "the anchor transaction succeeded but the registry does not show it",
                code="chain_bad_response",
            )
        return found

    def find(self, digest: str) -> AnchorReceipt | None:
        raw = _digest_bytes(digest)
        try:
            kind, ref, submitter, block_number, timestamp = _call(
                "lookup", lambda: self._contract.functions.anchors(raw).call()
            )
        except ContractLogicError as exc:
            raise _unavailable(exc, "lookup") from None
        if int(block_number) == 0:
            return None
        event = self._contract.events.Anchored()
        logs = _call(
            "log lookup",
            lambda: event.get_logs(
                from_block=int(block_number), to_block=int(block_number), argument_filters={"digest": raw}
            ),
        )
        if len(logs) != 1:
            raise DependencyUnavailable(
                "the registry's record and its event log disagree", code="chain_bad_response"
            )
        return AnchorReceipt(
            digest=digest,
            kind=str(kind),
            ref=str(ref),
            tx_hash=logs[0]["transactionHash"].to_0x_hex(),
            block_number=int(block_number),
            block_time=int(timestamp),
            contract_address=self._address,
            chain_id=self.chain_id,
            submitter=str(submitter),
        )
