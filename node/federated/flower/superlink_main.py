"""Flower's own SuperLink with two per-request costs of its SQL state made cheaper.

Flower 1.41's SuperLink answers every Fleet request (a SuperNode pulling or pushing one object of a
message) through its SQLite state, and a round of a small model is hundreds of such requests, each
costing milliseconds of CPU on a machine the SuperNodes and ServerApp share. Two of the state's calls
repeat work whose answer rarely changes (py-spy on a deployed FedAvg round, session 11: 9.8 % and
4.2 % of the SuperLink's busy samples):

- every run-status check (one per request) and every task query first sweeps the task table for
  expired task tokens (two UPDATE statements). Here the sweep runs at most every ``SWEEP_EVERY_S``
  per state: a task whose heartbeat stopped is failed, and a claim that never started is released,
  up to that much later; task tokens live for tens of seconds, so nothing else changes;
- every authenticated request looks its SuperNode's public key up in the node table. Here a key
  found once is remembered; ``delete_node`` (the only call that unregisters a node) forgets every
  remembered key before and after it runs, so a deleted node is refused exactly as before.

Everything else (TLS, SuperNode authentication, the SQLite file a restarted SuperLink reads back) is
Flower's, unchanged. ``flwr`` pins the layout this relies on; ``install`` refuses to run if it moved
(its test fails first).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

SWEEP_EVERY_S = 0.5


def _sweep_at_most_every(seconds: float, sweep: Callable[[Any], None]) -> Callable[[Any], None]:
    lock = threading.Lock()

    def cleanup_expired_task_tokens(self: Any) -> None:
        now = time.monotonic()
        with lock:
            if now - self.__dict__.get("_hnode_swept_at", -seconds) < seconds:
                return
            self.__dict__["_hnode_swept_at"] = now
        sweep(self)

    return cleanup_expired_task_tokens


def _remembering(lookup: Callable[[Any, bytes], int | None]) -> Callable[[Any, bytes], int | None]:
    def get_node_id_by_public_key(self: Any, public_key: bytes) -> int | None:
        known: dict[bytes, int] = self.__dict__.setdefault("_hnode_node_ids", {})
        node_id = known.get(public_key)
        if node_id is None:
            node_id = lookup(self, public_key)
            if node_id is not None:
                known[public_key] = node_id
        return node_id

    return get_node_id_by_public_key


def _forgetting(delete: Callable[..., None]) -> Callable[..., None]:
    def delete_node(self: Any, *args: Any, **kwargs: Any) -> None:
        self.__dict__.get("_hnode_node_ids", {}).clear()
        try:
            delete(self, *args, **kwargs)
        finally:
            self.__dict__.get("_hnode_node_ids", {}).clear()

    return delete_node


def install() -> None:
    """Patch Flower's SQL state classes (once per process)."""
    from flwr.server.superlink.linkstate.sql_linkstate import SqlLinkState
    from flwr.supercore.corestate.sql_corestate import SqlCoreState

    if getattr(SqlLinkState, "_hnode_installed", False):
        return
    sweep = SqlCoreState.__dict__.get("_cleanup_expired_task_tokens")
    lookup = SqlLinkState.__dict__.get("get_node_id_by_public_key")
    delete = SqlLinkState.__dict__.get("delete_node")
    if not (callable(sweep) and callable(lookup) and callable(delete)) or not issubclass(
        SqlLinkState, SqlCoreState
    ):
        raise RuntimeError("flwr's SQL state no longer has the calls superlink_main patches")
    setattr(SqlCoreState, "_cleanup_expired_task_tokens", _sweep_at_most_every(SWEEP_EVERY_S, sweep))  # noqa: B010
    setattr(SqlLinkState, "get_node_id_by_public_key", _remembering(lookup))  # noqa: B010
    setattr(SqlLinkState, "delete_node", _forgetting(delete))  # noqa: B010
    setattr(SqlLinkState, "_hnode_installed", True)  # noqa: B010


def main() -> None:
    install()
    from flwr.superlink.cli.flower_superlink import flower_superlink

    sys.argv[0] = "flower-superlink"
    flower_superlink()


if __name__ == "__main__":
    main()
