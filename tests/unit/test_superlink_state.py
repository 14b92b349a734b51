"""The SuperLink entry point (node/federated/flower/superlink_main.py): Flower's SQL state with its
token sweep made periodic and SuperNode keys remembered, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from node.federated.flower import superlink_main


@pytest.fixture
def state(tmp_path: Path) -> Any:
    from flwr.server.superlink.linkstate.linkstate_factory import LinkStateFactory
    from flwr.supercore.object_store import ObjectStoreFactory
    from flwr.superlink.federation.noop_federation_manager import NoOpFederationManager

    superlink_main.install()
    db = str(tmp_path / "superlink.db")
    return LinkStateFactory(db, NoOpFederationManager(), ObjectStoreFactory(db)).state()


def test_install_is_idempotent_and_patches_the_sql_state(state: Any) -> None:
    from flwr.server.superlink.linkstate.sql_linkstate import SqlLinkState

    patched = SqlLinkState.get_node_id_by_public_key
    superlink_main.install()
    assert SqlLinkState.get_node_id_by_public_key is patched
    assert patched.__module__ == superlink_main.__name__


def test_a_deleted_supernode_is_refused_although_its_key_was_remembered(state: Any) -> None:
    key = b"public-key-of-hospital-a"
    node_id = state.create_node("owner", "hospital a", key, 30.0)
    assert state.get_node_id_by_public_key(key) == node_id
    assert state.get_node_id_by_public_key(key) == node_id  # remembered
    state.delete_node("owner", node_id)
    assert state.get_node_id_by_public_key(key) is None
    other = state.create_node("owner", "hospital b", b"public-key-of-hospital-b", 30.0)
    assert state.get_node_id_by_public_key(b"public-key-of-hospital-b") == other
    assert state.get_node_id_by_public_key(b"unknown key") is None


def test_the_expired_token_sweep_runs_at_most_every_half_second(state: Any, monkeypatch: Any) -> None:
    sweeps: list[str] = []
    original = state.session

    def counting_session() -> Any:
        sweeps.append("session")
        return original()

    clock = [1000.0]
    monkeypatch.setattr("node.federated.flower.superlink_main.time.monotonic", lambda: clock[0])
    monkeypatch.setattr(state, "session", counting_session)
    state._cleanup_expired_task_tokens()
    state._cleanup_expired_task_tokens()
    assert len(sweeps) == 1  # the second call inside the half second did nothing
    clock[0] += superlink_main.SWEEP_EVERY_S
    state._cleanup_expired_task_tokens()
    assert len(sweeps) == 2
    assert state.get_run_status(set()) == {}  # the run-status check still calls it and answers
