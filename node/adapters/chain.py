"""Choose and open the chain: the embedded EVM (default) or a JSON-RPC endpoint.

The node's chain account is derived from its SM2 key, so it needs no key file of its own. The anchor
registry's address is remembered per chain in DATA_DIR/chain/registry.json (or fixed by
NODE_CHAIN_CONTRACT_ADDRESS); on first use the node deploys the registry itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from node.config import Settings
from node.errors import DependencyUnavailable

if TYPE_CHECKING:  # web3 and py-evm take a second to import: only commands that use the chain pay it
    from eth_account.signers.local import LocalAccount

    from chain_adapter.embedded import EmbeddedChain
    from chain_adapter.web3_anchor import Web3ChainAnchor

ACCOUNT_LABEL = b"hnode/chain-account/v1"
EMBEDDED_FUNDS_WEI = 10**21


def chain_account(derive_key: Callable[[bytes, int], bytes]) -> LocalAccount:
    from eth_account import Account

    account: LocalAccount = Account.from_key(derive_key(ACCOUNT_LABEL, 32))
    return account


class ChainConnector:
    """Opens the chain once, lazily; the node starts even when the chain is down."""

    def __init__(self, settings: Settings, derive_key: Callable[[bytes, int], bytes]) -> None:
        self._settings = settings
        self._derive = derive_key
        self._anchor: Web3ChainAnchor | None = None
        self._embedded: EmbeddedChain | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Web3ChainAnchor:
        with self._lock:
            if self._anchor is None:
                self._anchor = self._open()
            return self._anchor

    def _open(self) -> Web3ChainAnchor:
        from web3 import Web3

        from chain_adapter.embedded import EmbeddedChain
        from chain_adapter.web3_anchor import Web3ChainAnchor, deploy_registry

        s = self._settings
        account = chain_account(self._derive)
        after_write: Callable[[], None] | None = None
        if s.chain_rpc_url:
            w3 = Web3(Web3.HTTPProvider(s.chain_rpc_url, request_kwargs={"timeout": s.chain_timeout_s}))
        else:
            self._embedded = EmbeddedChain(s.data_dir / "chain" / "evm.sqlite")
            self._embedded.fund(account.address, EMBEDDED_FUNDS_WEI)
            w3 = self._embedded.w3
            after_write = self._embedded.flush
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the endpoint is "unavailable"
            raise DependencyUnavailable(
                f"chain endpoint unreachable ({type(exc).__name__})", code="chain_unavailable"
            ) from None
        address = s.chain_contract_address or self._remembered(chain_id)
        if address is None:
            address = deploy_registry(w3, account, s.chain_timeout_s)
            if after_write:
                after_write()
            self._remember(chain_id, address)
        anchor = Web3ChainAnchor(w3, account, address, s.chain_timeout_s, after_write)
        anchor.check_contract()
        return anchor

    def _registry_file(self) -> Path:
        return self._settings.data_dir / "chain" / "registry.json"

    def _remembered(self, chain_id: int) -> str | None:
        path = self._registry_file()
        if not path.exists():
            return None
        known: dict[str, str] = json.loads(path.read_text("utf-8"))
        return known.get(str(chain_id))

    def _remember(self, chain_id: int, address: str) -> None:
        path = self._registry_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        known = json.loads(path.read_text("utf-8")) if path.exists() else {}
        known[str(chain_id)] = address
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True), "utf-8")
        tmp.replace(path)

    def close(self) -> None:
        if self._embedded is not None:
            self._embedded.close()
