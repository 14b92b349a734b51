"""Choose and open the chain: the embedded EVM (default) or a JSON-RPC endpoint.

The embedded EVM is shared by every process of the node: the first to need it owns it and serves it on
loopback; the others connect to that owner (``chain_adapter.embedded``), and take over when it exits.

The node's chain account is derived from its SM2 key, so it needs no key file of its own. The anchor
registry's address is remembered per chain in DATA_DIR/chain/registry.json (or fixed by
NODE_CHAIN_CONTRACT_ADDRESS); on first use the node deploys the registry itself. The signed deployment is
written to that file *before* it is sent, under a file lock, so a process killed mid-deployment leaves a
record that the next one resumes (sending the same transaction again) instead of deploying a second
registry.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from node.config import Settings
from node.errors import DependencyUnavailable

if TYPE_CHECKING:  # web3 and py-evm take a second to import: only commands that use the chain pay it
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

    from chain_adapter.embedded import EmbeddedChain, Owner
    from chain_adapter.web3_anchor import Web3ChainAnchor

ACCOUNT_LABEL = b"hnode/chain-account/v1"
EMBEDDED_FUNDS_WEI = 10**21
REGISTRY_LOCK_WAIT_S = 60.0


def chain_account(derive_key: Callable[[bytes, int], bytes]) -> LocalAccount:
    from eth_account import Account

    account: LocalAccount = Account.from_key(derive_key(ACCOUNT_LABEL, 32))
    return account


class ChainConnector:
    """Opens the chain once, lazily; the node starts even when the chain is down. A process that uses
    another process's embedded chain reopens it when that owner has gone."""

    def __init__(self, settings: Settings, derive_key: Callable[[bytes, int], bytes]) -> None:
        self._settings = settings
        self._derive = derive_key
        self._anchor: Web3ChainAnchor | None = None
        self._embedded: EmbeddedChain | None = None
        self._owner: Owner | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Web3ChainAnchor:
        with self._lock:
            if self._anchor is not None and self._owner is not None and not self._owner_still_serves():
                self._anchor, self._owner = None, None
            if self._anchor is None:
                self._anchor = self._open()
            return self._anchor

    def describe(self) -> str:
        """Where this process reaches the chain, for ``hnode chain status``."""
        if self._settings.chain_rpc_url:
            return self._settings.chain_rpc_url
        if self._owner is not None:
            return f"embedded, served by process {self._owner.pid} at {self._owner.url}"
        return f"embedded, owned by this process ({os.getpid()})"

    def _owner_still_serves(self) -> bool:
        from chain_adapter.embedded import RPC_FILE

        assert self._owner is not None
        try:
            info = json.loads((self._chain_dir() / RPC_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return False
        return bool(info.get("pid") == self._owner.pid and self._owner.alive())

    def _chain_dir(self) -> Path:
        return self._settings.data_dir / "chain"

    def _open(self) -> Web3ChainAnchor:
        from web3 import Web3

        from chain_adapter.web3_anchor import Web3ChainAnchor

        s = self._settings
        account = chain_account(self._derive)
        after_write: Callable[[], None] | None = None
        if s.chain_rpc_url:
            w3 = Web3(Web3.HTTPProvider(s.chain_rpc_url, request_kwargs={"timeout": s.chain_timeout_s}))
            where = f"chain endpoint {s.chain_rpc_url}"
        else:
            w3, where = self._open_embedded(account.address)
            if self._embedded is not None:
                after_write = self._embedded.flush
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the endpoint is "unavailable"
            raise DependencyUnavailable(
                f"{where} did not answer ({type(exc).__name__})",
                code="chain_owner_unreachable" if self._owner else "chain_unavailable",
            ) from None
        address = s.chain_contract_address or self._registry(w3, chain_id, account)
        anchor = Web3ChainAnchor(w3, account, address, s.chain_timeout_s, after_write)
        anchor.check_contract()
        return anchor

    def _open_embedded(self, node_address: str) -> tuple[Web3, str]:
        from chain_adapter.embedded import EmbeddedChain, connect, find_owner

        if self._embedded is not None:
            return self._embedded.w3, "the embedded chain"
        try:
            embedded = EmbeddedChain(self._chain_dir() / "evm.sqlite")
        except DependencyUnavailable as exc:
            if exc.code != "chain_busy":
                raise
            owner = find_owner(self._chain_dir())
            self._owner = owner
            timeout = self._settings.chain_timeout_s
            where = f"the embedded chain's owner, process {owner.pid} at {owner.url}, within {timeout:g} s"
            return connect(owner, timeout), where
        embedded.fund(node_address, EMBEDDED_FUNDS_WEI)
        embedded.serve_rpc()
        self._embedded = embedded
        return embedded.w3, "the embedded chain"

    # -- the registry's address, and its deployment recorded before it is sent ------------------------
    def _registry_file(self) -> Path:
        return self._chain_dir() / "registry.json"

    @contextmanager
    def _registry_lock(self) -> Iterator[None]:
        path = self._registry_file().with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            deadline = time.monotonic() + REGISTRY_LOCK_WAIT_S
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise DependencyUnavailable(
                            "another process of this node has been deploying the anchor registry for "
                            f"{REGISTRY_LOCK_WAIT_S:g} s; try again when it finishes",
                            code="chain_deploy_in_progress",
                        ) from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _known(self) -> dict[str, Any]:
        path = self._registry_file()
        if not path.exists():
            return {}
        known: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return known

    def _write(self, known: dict[str, Any]) -> None:
        path = self._registry_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(json.dumps(known, indent=1, sort_keys=True))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)

    def _registry(self, w3: Web3, chain_id: int, account: LocalAccount) -> str:
        """The registry's address on this chain: remembered, resumed from a recorded deployment, or
        deployed now (recorded first)."""
        from chain_adapter.web3_anchor import Deployment, prepare_deployment, send_deployment

        key, pending_key = str(chain_id), f"{chain_id}:deploying"
        known = self._known()
        if isinstance(known.get(key), str):
            return str(known[key])
        with self._registry_lock():
            known = self._known()  # another process may have finished while we waited
            if isinstance(known.get(key), str):
                return str(known[key])
            recorded = known.get(pending_key)
            deployment = Deployment(**recorded) if recorded else None
            if deployment is not None:
                try:
                    address = send_deployment(w3, deployment, self._settings.chain_timeout_s)
                except DependencyUnavailable as exc:
                    if exc.code != "chain_deploy_lost":
                        raise
                    deployment = None  # it can never be mined: nothing was deployed, prepare anew
            if deployment is None:
                deployment = prepare_deployment(w3, account)
                self._write(known | {pending_key: deployment.as_dict()})
                address = send_deployment(w3, deployment, self._settings.chain_timeout_s)
            if self._embedded is not None:
                self._embedded.flush()
            known = {k: v for k, v in self._known().items() if k != pending_key}
            self._write(known | {key: address})
            return address

    def close(self) -> None:
        if self._embedded is not None:
            self._embedded.close()
            self._embedded = None
