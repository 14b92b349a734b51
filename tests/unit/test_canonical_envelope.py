"""RFC 8785 canonical JSON and the SM4-GCM envelope."""

from __future__ import annotations

import math
import random

import pytest
import rfc8785

from node.crypto.canonical import canonical_json
from node.crypto.envelope import open_envelope, read_header, seal
from node.errors import InvalidInput, NotFound


def test_rfc8785_orders_keys_by_utf16_and_normalizes_numbers() -> None:
    # RFC 8785 section 3.2.3 sorting example: keys sorted by UTF-16 code units
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(__import__("json").loads(canonical_json(value)).keys())
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonical_json({"b": 1.0, "a": [1e21, 0.000001, -0.0]}) == b'{"a":[1e+21,0.000001,0],"b":1}'
    assert canonical_json({"名": "张三"}) == '{"名":"张三"}'.encode()


@pytest.mark.parametrize("bad", [math.nan, math.inf, {1, 2}, b"bytes"])
def test_non_json_values_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        canonical_json({"x": bad})


KEK = bytes(range(16))


def test_envelope_round_trip_with_context() -> None:
    blob = seal(b"patient extract bytes", KEK, "node-at-rest-v1", {"asset": "as_1"})
    assert read_header(blob)["context"] == {"asset": "as_1"}
    assert b"patient extract" not in blob
    assert open_envelope(blob, {"node-at-rest-v1": KEK}) == b"patient extract bytes"
    assert seal(b"same", KEK, "k") != seal(b"same", KEK, "k")  # fresh DEK and nonces


def test_envelope_detects_tampering_and_wrong_keys() -> None:
    blob = seal(b"payload", KEK, "k1", {"asset": "as_1"})
    tampered_header = blob.replace(b'"as_1"', b'"as_2"')
    tampered_body = blob[:-1] + bytes([blob[-1] ^ 0x01])
    for bad in (tampered_header, tampered_body):
        with pytest.raises(InvalidInput) as err:
            open_envelope(bad, {"k1": KEK})
        assert err.value.code == "ciphertext_invalid"
    with pytest.raises(InvalidInput):
        open_envelope(blob, {"k1": bytes(16)})
    with pytest.raises(NotFound):
        open_envelope(blob, {"other": KEK})
    for junk in (b"", b"HNE1", b"XXXX" + blob[4:], blob[:40]):
        with pytest.raises(InvalidInput) as err:
            open_envelope(junk, {"k1": KEK})
        assert err.value.code == "envelope_malformed"


def _random_doc(rng: random.Random, depth: int = 0) -> object:
    alphabet = [
        "a",
        "Z",
        "名",
        "é",
        "\u0001",
        "\n",
        '"',
        "\\",
        "/",
        "\u2028",
        "\ue000",
        "\uffff",
        "😀",
        " ",
        "1",
    ]
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
    if kind == 1:
        return rng.choice([0, -1, 7, 2**53 - 1, -(2**53) + 1, 2**53 + 1])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.choice([0.5, 1e21, 1e-7, -0.0, 3.0, 123456.789])
    if kind == 4:
        return [_random_doc(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        str(_random_doc(rng, 3)) + rng.choice(alphabet): _random_doc(rng, depth + 1)
        for _ in range(rng.randrange(5))
    }


def test_fast_path_is_byte_identical_to_the_reference_implementation() -> None:
    rng = random.Random(8785)  # test data only
    checked = 0
    for _ in range(3000):
        doc = _random_doc(rng)
        try:
            expected = rfc8785.dumps(doc)
        except rfc8785.CanonicalizationError:
            with pytest.raises(InvalidInput):
                canonical_json(doc)
            continue
        assert canonical_json(doc) == expected, doc
        checked += 1
    assert checked > 2000
