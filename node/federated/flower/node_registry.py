"""The SuperNodes a coordinator registered, kept in a SQLite file beside Flower's in-memory state.

Flower 1.41's SuperLink keeps its whole state either in memory or in a SQLite file through
SQLAlchemy. The file costs milliseconds of CPU on every one of the hundreds of requests a round
makes (a third of the SuperLink's CPU, measured in sessions 10-14), and what it keeps beyond the
registered SuperNodes (runs, messages, task tokens) does not outlive the ServerApp process that uses
it. The registrations must outlive a restart: a SuperNode authenticates with the key the coordinator
registered and heartbeats with the node id it was given, and a SuperLink that forgot them answers
401 and the hospital drops out. ``DurableNodesLinkState`` is Flower's in-memory state that writes
each registration and unregistration through to this file and reads them back on start.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS supernode (
    node_id INTEGER PRIMARY KEY,
    owner_aid TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    public_key BLOB NOT NULL UNIQUE,
    registered_at TEXT NOT NULL,
    heartbeat_interval REAL NOT NULL,
    unregistered_at TEXT,
    name TEXT,
    location TEXT
)
"""
_COLUMNS = (
    "node_id", "owner_aid", "owner_name", "public_key", "registered_at", "heartbeat_interval",
    "unregistered_at", "name", "location",
)  # fmt: skip


class NodeRegistry:
    """Registered SuperNodes by node id; node ids are Flower's unsigned 64-bit ids, stored as signed
    64-bit integers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def add(self, node: dict[str, Any]) -> None:
        row = {**node, "node_id": _signed(int(node["node_id"]))}
        with self._lock:
            self._db.execute(
                f"INSERT INTO supernode ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",  # noqa: S608 - fixed column names
                [row.get(column) for column in _COLUMNS],
            )

    def unregister(self, node_id: int, at: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE supernode SET unregistered_at = ? WHERE node_id = ?", (at, _signed(node_id))
            )

    def nodes(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM supernode").fetchall()  # noqa: S608
        return [{**dict(zip(_COLUMNS, row, strict=True)), "node_id": row[0] % 2**64} for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


FLOWER_STATE = "superlink.db"  # Flower's SQLite state, which held the registrations before the registry


def import_flower_state(registry: NodeRegistry, flower_db: Path) -> int:
    """The SuperNodes registered in Flower's own SQLite state (``superlink.db``, where ``hnode fl
    superlink`` kept them before ``supernodes.db``), copied into an empty registry with their ids and
    keys, unregistered ones included; returns how many. Read through Flower's own state class."""
    if registry.nodes() or not flower_db.is_file():
        return 0
    from flwr.server.superlink.linkstate.linkstate_factory import LinkStateFactory
    from flwr.supercore.object_store import ObjectStoreFactory
    from flwr.superlink.federation.noop_federation_manager import NoOpFederationManager

    path = str(flower_db)
    old = LinkStateFactory(path, NoOpFederationManager(), ObjectStoreFactory(path)).state()
    nodes = old.get_node_info()
    for info in nodes:
        registry.add(_row(info))
    return len(nodes)


def _signed(node_id: int) -> int:
    return node_id - 2**64 if node_id >= 2**63 else node_id


def durable_nodes_state(path: Path) -> type:
    """Flower's ``InMemoryLinkState`` whose SuperNode registrations live in ``path`` (a
    ``NodeRegistry``, which a new registry first fills from Flower's SQLite state beside it, if any),
    constructed the way Flower's state factory constructs its in-memory state."""
    from flwr.proto.node_pb2 import NodeInfo
    from flwr.server.superlink.linkstate.in_memory_linkstate import InMemoryLinkState
    from flwr.supercore.constant import NodeStatus

    class DurableNodesLinkState(InMemoryLinkState):
        def __init__(self, federation_manager: Any, object_store: Any) -> None:
            super().__init__(federation_manager, object_store)
            self.registry = NodeRegistry(path)
            import_flower_state(self.registry, path.parent / FLOWER_STATE)
            for row in self.registry.nodes():
                unregistered = row["unregistered_at"] is not None
                info = NodeInfo(
                    node_id=row["node_id"],
                    owner_aid=row["owner_aid"],
                    owner_name=row["owner_name"],
                    status=NodeStatus.UNREGISTERED if unregistered else NodeStatus.REGISTERED,
                    registered_at=row["registered_at"],
                    unregistered_at=row["unregistered_at"],
                    heartbeat_interval=row["heartbeat_interval"],
                    public_key=row["public_key"],
                    name=row["name"],
                    location=row["location"],
                )
                self.nodes[info.node_id] = info
                self.node_public_key_to_node_id[info.public_key] = info.node_id
                self.owner_to_node_ids.setdefault(info.owner_aid, set()).add(info.node_id)

        def create_node(
            self, owner_aid: str, owner_name: str, public_key: bytes, *args: Any, **kwargs: Any
        ) -> int:
            with self.lock:
                node_id: int = super().create_node(owner_aid, owner_name, public_key, *args, **kwargs)
                if not node_id:
                    return node_id
                info = self.nodes[node_id]
                try:
                    self.registry.add(_row(info))
                except sqlite3.Error:
                    # not kept on disk: not registered at all, so a restart cannot lose it silently
                    del self.nodes[node_id]
                    del self.node_public_key_to_node_id[public_key]
                    self.owner_to_node_ids[owner_aid].discard(node_id)
                    raise
                return node_id

        def delete_node(self, owner_aid: str, node_id: int) -> None:
            with self.lock:
                super().delete_node(owner_aid, node_id)
                self.registry.unregister(node_id, self.nodes[node_id].unregistered_at)

    return DurableNodesLinkState


def _row(info: Any) -> dict[str, Any]:
    """A registry row of a node's ``NodeInfo`` (its unset optional text fields as NULL)."""
    optional = ("name", "location", "unregistered_at")
    return {c: (getattr(info, c) or None) if c in optional else getattr(info, c) for c in _COLUMNS}
