"""One policy evaluation through rego-cpp's C API, holding the GIL throughout.

regopy calls rego-cpp through ``ctypes.CDLL``, which releases the GIL around every foreign call. A
usage decision makes about eighty of them (one per input value, then query and output), each of them
microseconds long; under concurrent HTTP load every release hands the GIL to another thread, and the
enforcement point, which holds the contract row locks while it decides, waits to get it back after
each one (measured: 1 ms per decision under load against 0.35 ms alone). Loading the same library as
``ctypes.PyDLL`` keeps the GIL for these short calls. It also builds the input without regopy's
per-value wrappers and reads the output once instead of three times.

It relies on regopy's library (``rego_shared.rego``, the same shared object) and the interpreter and
bundle handles; tests/unit/test_rego_capi.py checks it against regopy's own calls.
"""

from __future__ import annotations

import ctypes
from typing import Any

from regopy import Bundle, Interpreter
from regopy.rego_shared import rego as _regopy_lib

_lib = ctypes.PyDLL(_regopy_lib._name)
_P = ctypes.c_void_p
_U32 = ctypes.c_uint32
for _name, _res, _args in [
    ("regoNewInput", _P, []),
    ("regoFreeInput", None, [_P]),
    ("regoInputString", _U32, [_P, ctypes.c_char_p]),
    ("regoInputInt", _U32, [_P, ctypes.c_int64]),
    ("regoInputFloat", _U32, [_P, ctypes.c_double]),
    ("regoInputBoolean", _U32, [_P, ctypes.c_bool]),
    ("regoInputNull", _U32, [_P]),
    ("regoInputObjectItem", _U32, [_P]),
    ("regoInputObject", _U32, [_P, _U32]),
    ("regoInputArray", _U32, [_P, _U32]),
    ("regoSetInput", _U32, [_P, _P]),
    ("regoBundleQueryEntrypoint", _P, [_P, _P, ctypes.c_char_p]),
    ("regoOutputOk", ctypes.c_bool, [_P]),
    ("regoOutputJSONSize", _U32, [_P]),
    ("regoOutputJSON", _U32, [_P, ctypes.c_char_p, _U32]),
    ("regoFreeOutput", None, [_P]),
]:
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _res, _args

_string, _int, _float = _lib.regoInputString, _lib.regoInputInt, _lib.regoInputFloat
_bool, _null, _item = _lib.regoInputBoolean, _lib.regoInputNull, _lib.regoInputObjectItem
_object, _array = _lib.regoInputObject, _lib.regoInputArray


class RegoCallError(RuntimeError):
    """rego-cpp refused the input or failed the query."""


def evaluate(rego: Interpreter, bundle: Bundle, entrypoint: bytes, document: dict[str, Any]) -> str:
    """Set ``document`` as the input and query ``entrypoint``; the result as rego-cpp prints it
    (``undefined`` or a JSON object with ``expressions``). Not thread-safe: callers serialize."""
    handle = _lib.regoNewInput()
    try:
        if _add(handle, document) or _lib.regoSetInput(rego._impl, handle):
            raise RegoCallError("rego-cpp refused the input")
    finally:
        _lib.regoFreeInput(handle)
    output = _lib.regoBundleQueryEntrypoint(rego._impl, bundle._impl, entrypoint)
    if not output:
        raise RegoCallError("rego-cpp failed the query")
    try:
        if not _lib.regoOutputOk(output):
            raise RegoCallError("rego-cpp failed the query")
        size = _lib.regoOutputJSONSize(output)
        buffer = ctypes.create_string_buffer(size)
        if _lib.regoOutputJSON(output, buffer, size):
            raise RegoCallError("rego-cpp could not print the result")
        return buffer.value.decode("utf-8")
    finally:
        _lib.regoFreeOutput(output)


def _add(h: int, value: Any) -> int:
    """Push ``value`` onto the input under construction; a non-zero result is rego-cpp's error code."""
    kind = type(value)
    if kind is str:
        return int(_string(h, value.encode()))
    if kind is bool:
        return int(_bool(h, value))
    if kind is int:
        return int(_int(h, value))
    if kind is float:
        return int(_float(h, value))
    if value is None:
        return int(_null(h))
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str:
                raise TypeError("input object keys must be strings")
            if _string(h, k.encode()) or _add(h, v) or _item(h):
                return 1
        return int(_object(h, len(value)))
    if kind is list or kind is tuple:
        for v in value:
            if _add(h, v):
                return 1
        return int(_array(h, len(value)))
    raise TypeError(f"cannot pass a {kind.__name__} to the policy engine")
