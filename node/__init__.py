"""Hospital node for a regional trusted health data space."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def node_version() -> str:
    """The node's version: the one in the package metadata (pyproject.toml), the only place it is written."""
    try:
        return version("hospital-node")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
