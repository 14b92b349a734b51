"""The chain adapter on both backends: the in-process EVM and a Hardhat JSON-RPC node started here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_adapter.embedded import EmbeddedChain
from chain_adapter.web3_anchor import Web3ChainAnchor, deploy_registry
from node.errors import DependencyUnavailable, InvalidInput
from node.ports import ChainAnchor
from tests.chain_support import free_port, fund_from_hardhat


@pytest.fixture(params=["embedded", "hardhat"])
def chain(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Web3ChainAnchor, Web3, LocalAccount]]:
    account: LocalAccount = Account.create()
    if request.param == "embedded":
        evm = EmbeddedChain(tmp_path / "evm.sqlite")
        evm.fund(account.address, 10**20)
        address = deploy_registry(evm.w3, account)
        yield Web3ChainAnchor(evm.w3, account, address, after_write=evm.flush), evm.w3, account
        evm.close()
        return
    w3 = Web3(Web3.HTTPProvider(request.getfixturevalue("hardhat_url")))
    fund_from_hardhat(w3, account.address)
    address = deploy_registry(w3, account)
    yield Web3ChainAnchor(w3, account, address), w3, account


def digest(n: int) -> str:
    return f"{n:064x}"


def test_anchor_find_and_refuse_duplicates(chain: tuple[Web3ChainAnchor, Web3, LocalAccount]) -> None:
    anchor, w3, account = chain
    anchor.check_contract()
    assert anchor.find(digest(1)) is None
    first = anchor.anchor(digest(1), "contract", "ct_1")
    assert (first.kind, first.ref, first.digest) == ("contract", "ct_1", digest(1))
    assert first.submitter == account.address and first.chain_id == w3.eth.chain_id
    assert first.block_time > 0 and re.fullmatch(r"0x[0-9a-f]{64}", first.tx_hash)
    again = anchor.anchor(digest(1), "contract", "something else")
    assert again == first  # looked up, not written twice
    contract = w3.eth.contract(address=anchor.contract_address, abi=_abi())
    assert contract.functions.count().call() == 1
    # the registry itself refuses a second write, whoever sends it
    raw = bytes.fromhex(digest(1))
    with pytest.raises(Exception, match="already anchored"):
        contract.functions.anchor(raw, "x", "y").call({"from": account.address})
    assert anchor.find(digest(1)) == first
    with pytest.raises(InvalidInput):
        anchor.find("not-a-digest")


def _abi() -> list[dict[str, Any]]:
    from chain_adapter.artifact import anchor_registry

    abi: list[dict[str, Any]] = anchor_registry()["abi"]
    return abi


def test_an_address_without_the_registry_is_refused(
    chain: tuple[Web3ChainAnchor, Web3, LocalAccount],
) -> None:
    _, w3, account = chain
    with pytest.raises(DependencyUnavailable) as err:
        Web3ChainAnchor(w3, account, account.address).check_contract()
    assert err.value.code == "chain_registry_missing"


def test_embedded_chain_survives_a_restart(tmp_path: Path) -> None:
    account: LocalAccount = Account.create()
    evm = EmbeddedChain(tmp_path / "evm.sqlite")
    evm.fund(account.address, 10**20)
    address = deploy_registry(evm.w3, account)
    receipt = Web3ChainAnchor(evm.w3, account, address, after_write=evm.flush).anchor(
        digest(7), "contract", "c"
    )
    with pytest.raises(DependencyUnavailable) as err:  # one process owns the file
        EmbeddedChain(tmp_path / "evm.sqlite")
    assert err.value.code == "chain_busy"
    evm.close()
    reopened = EmbeddedChain(tmp_path / "evm.sqlite")
    anchor = Web3ChainAnchor(reopened.w3, account, address, after_write=reopened.flush)
    anchor.check_contract()
    assert anchor.find(digest(7)) == receipt
    assert anchor.anchor(digest(8), "contract", "d").block_number == receipt.block_number + 1
    reopened.close()


class _Garbage(BaseHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = b"<html>502 Bad Gateway</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_down_or_garbage_endpoints_are_unavailable_not_crashes() -> None:
    account: LocalAccount = Account.create()
    address = "0x" + "11" * 20
    down = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{free_port()}", request_kwargs={"timeout": 1}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    Thread(target=server.serve_forever, daemon=True).start()
    garbage = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{server.server_address[1]}"))
    try:
        for w3 in (down, garbage):
            anchor: ChainAnchor = Web3ChainAnchor(w3, account, address, timeout_s=1)
            for call in ("find", "anchor"):
                with pytest.raises(DependencyUnavailable) as err:
                    anchor.find(digest(1)) if call == "find" else anchor.anchor(digest(1), "contract", "c")
                assert err.value.code == "chain_unavailable"
                assert "chain" in err.value.message
    finally:
        server.shutdown()
