"""The SuperLink entry point (node/federated/flower/superlink_main.py): Flower's in-memory state with
the registered SuperNodes written through to a SQLite file (node_registry.py) and read back when the
SuperLink restarts; built by Flower's own state factory, as the SuperLink builds it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from node.federated.flower import node_registry, superlink_main
from node.federated.flower.node_registry import NodeRegistry


@pytest.fixture(autouse=True)
def _flower_factory_restored(monkeypatch: Any) -> None:
    """``install`` replaces a class in Flower's state factory and the pull handlers for the whole
    process (a SuperLink's); the test process gets Flower's own back (the simulation tests build
    in-memory states too)."""
    from flwr.server.superlink.linkstate import linkstate_factory
    from flwr.superlink.servicer.fleet import fleet_handlers
    from flwr.superlink.servicer.runtime import runtime_handlers

    monkeypatch.setattr(linkstate_factory, "InMemoryLinkState", linkstate_factory.InMemoryLinkState)
    monkeypatch.setattr(fleet_handlers, "pull_messages", fleet_handlers.pull_messages)  # held_pulls
    monkeypatch.setattr(runtime_handlers, "pull_messages", runtime_handlers.pull_messages)


def _state(registry: Path) -> Any:
    """A SuperLink's state as Flower's factory makes it for ``--database :flwr-in-memory:``."""
    from flwr.server.superlink.linkstate.linkstate_factory import LinkStateFactory
    from flwr.supercore.object_store import ObjectStoreFactory
    from flwr.superlink.federation.noop_federation_manager import NoOpFederationManager

    superlink_main.install(registry)
    memory = superlink_main.IN_MEMORY
    return LinkStateFactory(memory, NoOpFederationManager(), ObjectStoreFactory(memory)).state()


def test_a_restarted_superlink_knows_its_supernodes_by_key_and_id(tmp_path: Path) -> None:
    registry = tmp_path / "supernodes.db"
    first = _state(registry)
    node_id = first.create_node("owner", "hospital a", b"key of hospital a", 30.0)
    gone = first.create_node("owner", "hospital b", b"key of hospital b", 30.0)
    first.delete_node("owner", gone)
    assert first.get_node_id_by_public_key(b"key of hospital b") is None

    restarted = _state(registry)  # a new process: nothing in memory but what the file holds
    assert restarted is not first
    assert restarted.get_node_id_by_public_key(b"key of hospital a") == node_id
    assert restarted.acknowledge_node_heartbeat(node_id, 30.0)  # its heartbeat is answered, no 401
    assert restarted.get_node_id_by_public_key(b"key of hospital b") is None  # deleted stays deleted
    assert not restarted.acknowledge_node_heartbeat(gone, 30.0)
    with pytest.raises(ValueError, match="Public key already in use"):
        restarted.create_node("owner", "hospital a again", b"key of hospital a", 30.0)
    assert restarted.get_node_id_by_public_key(b"unknown key") is None


def test_node_ids_beyond_the_signed_range_survive_the_file(tmp_path: Path) -> None:
    registry = NodeRegistry(tmp_path / "supernodes.db")
    big = 2**64 - 5  # Flower's node ids are unsigned 64-bit; SQLite's integers are signed
    registry.add({"node_id": big, "owner_aid": "o", "owner_name": "n", "public_key": b"k",
                  "registered_at": "2026-12-07T00:00:00", "heartbeat_interval": 30.0})  # fmt: skip
    assert [n["node_id"] for n in NodeRegistry(tmp_path / "supernodes.db").nodes()] == [big]


def test_a_registration_the_file_refuses_is_not_kept_in_memory(tmp_path: Path, monkeypatch: Any) -> None:
    state = _state(tmp_path / "supernodes.db")

    def full_disk(node: dict[str, Any]) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(state.registry, "add", full_disk)
    with pytest.raises(sqlite3.OperationalError):
        state.create_node("owner", "hospital a", b"key of hospital a", 30.0)
    assert state.get_node_id_by_public_key(b"key of hospital a") is None
    assert not state.nodes and not state.owner_to_node_ids["owner"]
    monkeypatch.setattr(state.registry, "add", NodeRegistry.add.__get__(state.registry))  # the disk has room
    assert state.create_node("owner", "hospital a", b"key of hospital a", 30.0)  # the key is free


def test_the_entry_point_hands_flower_its_in_memory_state_and_keeps_the_registry_path() -> None:
    registry, arguments = superlink_main.flower_arguments(
        ["--port", "9092", "--node-registry", "/srv/fl/supernodes.db", "--insecure"]
    )
    assert registry == Path("/srv/fl/supernodes.db")
    assert arguments == ["--port", "9092", "--insecure", "--database", superlink_main.IN_MEMORY]
    with pytest.raises(SystemExit, match="--node-registry PATH is required"):
        superlink_main.flower_arguments(["--port", "9092"])
    with pytest.raises(SystemExit, match="use --node-registry"):
        superlink_main.flower_arguments(["--node-registry", "a.db", "--database", "b.db"])


def test_a_superlink_upgraded_from_flowers_sqlite_state_keeps_the_supernodes_registered_there(
    tmp_path: Path,
) -> None:
    from flwr.server.superlink.linkstate.linkstate_factory import LinkStateFactory
    from flwr.supercore.object_store import ObjectStoreFactory
    from flwr.superlink.federation.noop_federation_manager import NoOpFederationManager

    old_db = str(tmp_path / node_registry.FLOWER_STATE)  # where the SuperLink kept them before
    old = LinkStateFactory(old_db, NoOpFederationManager(), ObjectStoreFactory(old_db)).state()
    kept = old.create_node("owner", "hospital a", b"key of hospital a", 30.0)
    gone = old.create_node("owner", "hospital b", b"key of hospital b", 30.0)
    old.delete_node("owner", gone)

    upgraded = _state(tmp_path / "supernodes.db")
    assert upgraded.get_node_id_by_public_key(b"key of hospital a") == kept
    assert upgraded.acknowledge_node_heartbeat(kept, 30.0)
    assert upgraded.get_node_id_by_public_key(b"key of hospital b") is None
    # imported once: a registry that exists is never overwritten from the old file
    upgraded.delete_node("owner", kept)
    assert _state(tmp_path / "supernodes.db").get_node_id_by_public_key(b"key of hospital a") is None
