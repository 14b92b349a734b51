"""The embedded chain: an in-process EVM (eth-tester + py-evm) whose state survives restarts.

py-evm keeps its chain in a key-value store; here that store is a SQLite file, committed after every
transaction, so a restarted node still finds (and verifies) the anchors it wrote before. It is a
development and single-hospital default; a regional deployment points ``NODE_CHAIN_RPC_URL`` at the
consortium chain instead.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth_tester import EthereumTester, PyEVMBackend
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from node.errors import DependencyUnavailable

_HEAD_MARKER = b"hnode:genesis-written"


class SqliteKeyValue(BaseDB):
    """py-evm's key-value interface over one SQLite table; ``flush`` makes writes durable."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
        self._conn.commit()

    def __getitem__(self, key: bytes) -> bytes:
        row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        if self._conn.execute("DELETE FROM kv WHERE k = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        return self._conn.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[bytes]:
        return (bytes(r[0]) for r in self._conn.execute("SELECT k FROM kv").fetchall())

    def flush(self) -> None:
        self._conn.commit()

    def close(self) -> None:
        self._conn.commit()
        self._conn.close()


class EmbeddedChain:
    """One persisted in-process chain. ``fund`` accounts from the tester's prefunded account."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # two processes each replaying the file into their own EVM would fork the chain: one owner only
        self._lock_file = (path.parent / (path.name + ".lock")).open("a")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise DependencyUnavailable(
                "the embedded chain is open in another process of this node; stop it, or run a chain node "
                "and set NODE_CHAIN_RPC_URL",
                code="chain_busy",
            ) from None
        self._kv = SqliteKeyValue(path)
        backend = PyEVMBackend()  # builds a throwaway in-memory chain; we only keep its chain class
        chain_class = type(backend.chain)
        db = AtomicDB(self._kv)
        if _HEAD_MARKER in self._kv:
            backend.chain = chain_class(db)
        else:
            genesis_params = PyEVMBackend.generate_genesis_params()
            genesis_state = PyEVMBackend.generate_genesis_state(num_accounts=len(backend.account_keys))
            backend.chain = chain_class.from_genesis(db, genesis_params, genesis_state)
            self._kv[_HEAD_MARKER] = b"1"
            self._kv.flush()
        self._backend = backend
        self._lock = threading.Lock()
        self.w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
        self._funder = backend.account_keys[0]

    def fund(self, address: str, wei: int) -> None:
        """Give ``address`` a balance from the tester's prefunded account, if it has none."""
        with self._lock:
            if self.w3.eth.get_balance(Web3.to_checksum_address(address)) > 0:
                return
            tx: dict[str, Any] = {
                "to": Web3.to_checksum_address(address),
                "value": wei,
                "gas": 21000,
                "nonce": self.w3.eth.get_transaction_count(self._funder.public_key.to_checksum_address()),
                "chainId": self.w3.eth.chain_id,
                "maxFeePerGas": 2 * self.w3.eth.get_block("latest")["baseFeePerGas"] + 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
            signed = self.w3.eth.account.sign_transaction(tx, self._funder.to_bytes())
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self.flush()

    def flush(self) -> None:
        self._kv.flush()

    def close(self) -> None:
        self._kv.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()
