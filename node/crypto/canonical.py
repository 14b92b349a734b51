"""RFC 8785 (JSON Canonicalization Scheme) for everything that is signed or hashed."""

from __future__ import annotations

from typing import Any

import rfc8785

from node.errors import InvalidInput


def canonical_json(value: Any) -> bytes:
    """UTF-8 bytes of the JCS form of ``value``. Rejects NaN/Infinity and non-JSON types."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"value cannot be canonicalized: {type(exc).__name__}", code="not_canonical_json"
        ) from None
