"""Flower's own SuperLink on its in-memory state, with the registered SuperNodes kept on disk.

Flower 1.41's SuperLink answers every Fleet request (a SuperNode pulling or pushing one object of a
message) through its state, and a round of a small model is hundreds of such requests. With the
state in a SQLite file, SQLAlchemy costs milliseconds of CPU on each, on a machine the SuperNodes and
the ServerApp share (py-spy, sessions 10-11: about a third of the SuperLink's busy samples). Here the
state is Flower's in-memory one, except the SuperNode registrations, which ``NodeRegistry`` writes
through to a SQLite file and reads back when the SuperLink restarts (``node_registry.py``): a
hospital's SuperNode keeps its node id and key across a restart of the coordinator. A pull that
finds no message is held until one is stored (``held_pulls.py``).

``hnode fl superlink`` and the deployed benchmark start this entry point with ``--node-registry
PATH`` instead of Flower's ``--database``; every other option (TLS, SuperNode authentication) is
Flower's, unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

REGISTRY_OPTION = "--node-registry"
IN_MEMORY = ":flwr-in-memory:"  # flwr.supercore.constant.FLWR_IN_MEMORY_DB_NAME


def install(registry: Path) -> None:
    """Make Flower's state factory build its in-memory state with ``registry`` behind it (a new
    registry first takes the SuperNodes registered in Flower's SQLite state beside it, if any) and
    hold empty pulls until that state stores a message."""
    from flwr.server.superlink.linkstate import linkstate_factory
    from flwr.supercore.constant import FLWR_IN_MEMORY_DB_NAME

    from node.federated.flower import held_pulls
    from node.federated.flower.node_registry import durable_nodes_state

    if FLWR_IN_MEMORY_DB_NAME != IN_MEMORY or not hasattr(linkstate_factory, "InMemoryLinkState"):
        raise RuntimeError("flwr's state factory no longer has what superlink_main replaces")
    signals = held_pulls.Signals()
    linkstate_factory.InMemoryLinkState = held_pulls.announcing(durable_nodes_state(registry), signals)
    held_pulls.install(signals)  # an empty pull waits for the next stored message


def flower_arguments(argv: list[str]) -> tuple[Path, list[str]]:
    """The registry path and Flower's own arguments (``--database`` set to its in-memory state)."""
    if REGISTRY_OPTION not in argv or argv.index(REGISTRY_OPTION) + 1 >= len(argv):
        raise SystemExit(f"{REGISTRY_OPTION} PATH is required (the registered SuperNodes' file)")
    if "--database" in argv:
        raise SystemExit(f"--database is set here; use {REGISTRY_OPTION}")
    at = argv.index(REGISTRY_OPTION)
    return Path(argv[at + 1]), [*argv[:at], *argv[at + 2 :], "--database", IN_MEMORY]


def main() -> None:
    from node.federated.flower.middleware import install_superlink

    registry, arguments = flower_arguments(sys.argv[1:])
    install(registry)
    install_superlink()  # Flower's middleware only on the requests it acts on
    from flwr.superlink.cli.flower_superlink import flower_superlink

    sys.argv = ["flower-superlink", *arguments]
    flower_superlink()


if __name__ == "__main__":
    main()
