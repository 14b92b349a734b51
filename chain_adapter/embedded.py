"""The embedded chain: an in-process EVM (eth-tester + py-evm) whose state survives restarts, shared by
every process of the node.

py-evm keeps its chain in a key-value store; here that store is a SQLite file, committed after every
transaction, so a restarted node still finds (and verifies) the anchors it wrote before. Two EVMs
replaying the same file would fork the chain, so one process owns it (an exclusive lock on the file):
whichever process of the node needs the chain first. The owner serves JSON-RPC on loopback and writes
where (``rpc.json``, mode 0600, with a bearer secret) beside the file; ``hnode serve``, ``hnode worker``
and CLI commands that start later connect to it over HTTP. When the owner exits, the next process to
need the chain takes it over. It is a development and single-hospital default; a regional deployment
points ``NODE_CHAIN_RPC_URL`` at the consortium chain instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth_tester import EthereumTester, PyEVMBackend
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from node.errors import DependencyUnavailable

_HEAD_MARKER = b"hnode:genesis-written"
_WRITES = {"eth_sendRawTransaction", "eth_sendTransaction"}
_MAX_RPC_BODY = 4 * 1024 * 1024
RPC_FILE = "rpc.json"


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


class _SerializedProvider(EthereumTesterProvider):
    """py-evm is not thread-safe: one request at a time (from this process and its RPC clients), and
    the key-value store committed after every transaction."""

    def __init__(self, tester: EthereumTester, lock: threading.RLock, flush: Any) -> None:
        super().__init__(tester)
        self._lock = lock
        self._flush = flush

    def make_request(self, method: Any, params: Any) -> Any:
        with self._lock:
            response = super().make_request(method, params)
            if method in _WRITES:
                self._flush()
            return response


def _rpc_json(value: Any) -> Any:
    """eth-tester's results as JSON-RPC encodes them: quantities and bytes as 0x-hex."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: _rpc_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rpc_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value)
    return value


class EmbeddedChain:
    """One persisted in-process chain. ``fund`` accounts from the tester's prefunded account;
    ``serve_rpc`` lets the node's other processes use it."""

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
        self._lock = threading.RLock()
        self._provider = _SerializedProvider(EthereumTester(backend), self._lock, self.flush)
        self.w3 = Web3(self._provider)
        self._funder = backend.account_keys[0]
        self._rpc_file = path.parent / RPC_FILE
        self._server: ThreadingHTTPServer | None = None
        with contextlib.suppress(FileNotFoundError):  # left by an owner that died
            self._rpc_file.unlink()

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

    def serve_rpc(self) -> str:
        """Serve JSON-RPC on a loopback port for the node's other processes; return its URL. Callers
        must present the bearer secret written (mode 0600) with the URL in ``rpc.json``."""
        from web3.middleware import combine_middleware

        provider = self._provider
        handle = combine_middleware(
            middleware=provider._middleware, w3=self.w3, provider_request_fn=provider.make_request
        )
        secret = secrets.token_urlsafe(32)
        expected = f"Bearer {secret}".encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                given = self.headers.get("Authorization", "").encode()
                if not hmac.compare_digest(given, expected):
                    self._reply(401, {"error": "the embedded chain needs the secret in rpc.json"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= _MAX_RPC_BODY:
                    self._reply(413, {"error": "request body missing or too large"})
                    return
                request: dict[str, Any] = {}
                try:
                    parsed = json.loads(self.rfile.read(length))
                    if not isinstance(parsed, dict):
                        raise ValueError("a JSON-RPC request is an object")
                    request = parsed
                    response = dict(handle(str(request["method"]), request.get("params") or []))
                except Exception as exc:  # noqa: BLE001 - any failure becomes a JSON-RPC error
                    response = {"error": {"code": -32000, "message": f"{type(exc).__name__}: {exc}"}}
                if "result" in response:
                    response["result"] = _rpc_json(response["result"])
                self._reply(200, {**response, "jsonrpc": "2.0", "id": request.get("id")})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="embedded-chain-rpc", daemon=True).start()
        url = f"http://127.0.0.1:{self._server.server_address[1]}"
        tmp = self._rpc_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"url": url, "secret": secret, "pid": os.getpid()}, f)
        tmp.replace(self._rpc_file)
        return url

    def close(self) -> None:
        if self._server is not None:
            with contextlib.suppress(FileNotFoundError):
                self._rpc_file.unlink()
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            self._kv.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()


@dataclass(frozen=True)
class Owner:
    """The process that owns a node's embedded chain, as it announced itself in ``rpc.json``."""

    pid: int
    url: str
    secret: str

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def find_owner(directory: Path, wait_s: float = 10.0) -> Owner:
    """The owner of the embedded chain in ``directory`` (another process holds its lock). Waits up to
    ``wait_s`` for an owner that is still starting to announce itself."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            info = json.loads((directory / RPC_FILE).read_text("utf-8"))
            owner = Owner(int(info["pid"]), str(info["url"]), str(info["secret"]))
            if owner.alive() and owner.pid != os.getpid():
                return owner
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            pass
        if time.monotonic() > deadline:
            raise DependencyUnavailable(
                f"the embedded chain in {directory} is locked by another process of this node that does "
                f"not say where it serves it (no live owner in {RPC_FILE} after {wait_s:g} s); stop that "
                "process or run a chain node and set NODE_CHAIN_RPC_URL",
                code="chain_busy",
            )
        time.sleep(0.1)


def connect(owner: Owner, timeout_s: float) -> Web3:
    """Web3 over the owner's loopback JSON-RPC."""
    return Web3(
        Web3.HTTPProvider(
            owner.url,
            request_kwargs={"timeout": timeout_s, "headers": {"Authorization": f"Bearer {owner.secret}"}},
            exception_retry_configuration=None,  # a loopback owner that does not answer will not later
        )
    )
