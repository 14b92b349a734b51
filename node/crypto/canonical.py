"""RFC 8785 (JSON Canonicalization Scheme) for everything that is signed or hashed."""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from node.errors import InvalidInput

_MAX_SAFE_INT = 2**53 - 1  # JCS numbers are IEEE 754 doubles


def canonical_json(value: Any) -> bytes:
    """UTF-8 bytes of the JCS form of ``value``. Rejects NaN/Infinity and non-JSON types.

    Values made only of strings, safe integers, booleans, null, lists and objects whose keys sort the
    same by UTF-16 code units as by code points take a fast path through ``json.dumps``, whose output
    is then byte-identical to JCS (tests compare the two on random documents); anything else, floats
    in particular, goes through the reference implementation.
    """
    if _plain(value):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        except UnicodeEncodeError:  # lone surrogates: let the reference implementation decide
            pass
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"value cannot be canonicalized: {type(exc).__name__}", code="not_canonical_json"
        ) from None


def _plain(value: Any) -> bool:
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return bool(-_MAX_SAFE_INT <= value <= _MAX_SAFE_INT)
    if t is dict:
        # UTF-16 and code-point order differ only when a key holds a character at or above U+E000
        return all(type(k) is str and max(k, default="\0") < "\ue000" and _plain(v) for k, v in value.items())
    if t is list:
        return all(_plain(v) for v in value)
    return False
