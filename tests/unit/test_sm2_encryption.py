"""SM2 public-key encryption (GB/T 32918.4) in node.crypto.sm against gmssl as an independent oracle:
each side decrypts what the other encrypted, in gmssl's C1C3C2 mode (mode=1), for many keys (gmssl's
constructor strips a leading "04" from a key with lstrip, which also eats an x coordinate that starts with
04, so the key is set on the oracle after construction; its ciphertexts lack C1's 04 byte)."""

from __future__ import annotations

import secrets

import pytest
from gmssl import sm2 as gm_sm2

from node.crypto.sm import PrivateKey, sm2_decrypt, sm2_encrypt
from node.errors import InvalidInput


def _gmssl(key: PrivateKey) -> gm_sm2.CryptSM2:
    d = int(key._key.private_numbers().private_value)
    pub = key.public_key().to_hex()[2:]  # x || y, without the 04 prefix
    oracle = gm_sm2.CryptSM2(private_key=f"{d:064x}", public_key=pub, mode=1)
    oracle.public_key = pub  # past the constructor's lstrip("04"), which cuts an x starting with 04
    return oracle


def test_the_oracle_takes_a_key_whose_x_starts_with_04() -> None:
    """1 key in 256 has an x coordinate starting with byte 04; gmssl's constructor cut it and its
    encryption failed (a flaky 'NoneType has no len()' in the round trip below)."""
    key = next(k for k in iter(PrivateKey.generate, None) if k.public_key().to_hex()[2:4] == "04")
    message = secrets.token_bytes(20)
    assert sm2_decrypt(key, b"\x04" + _gmssl(key).encrypt(message)) == message


@pytest.mark.parametrize("round_", range(12))
def test_gmssl_decrypts_ours_and_we_decrypt_gmssls(round_: int) -> None:
    key = PrivateKey.generate()
    oracle = _gmssl(key)
    message = secrets.token_bytes(16 + round_)
    ours = sm2_encrypt(key.public_key(), message)
    assert len(ours) == 65 + 32 + len(message) and ours[0] == 4
    assert oracle.decrypt(ours[1:]) == message  # gmssl's C1 has no 04 byte
    theirs = oracle.encrypt(message)
    assert sm2_decrypt(key, b"\x04" + theirs) == message


def test_wrong_key_or_altered_ciphertext_is_refused() -> None:
    key, other = PrivateKey.generate(), PrivateKey.generate()
    ct = sm2_encrypt(key.public_key(), b"0123456789abcdef")
    with pytest.raises(InvalidInput) as e:
        sm2_decrypt(other, ct)
    assert e.value.code == "ciphertext_invalid"
    altered = bytearray(ct)
    altered[-1] ^= 1
    with pytest.raises(InvalidInput):
        sm2_decrypt(key, bytes(altered))
    with pytest.raises(InvalidInput):
        sm2_decrypt(key, ct[:80])
    assert sm2_decrypt(key, ct) == b"0123456789abcdef"


def test_each_encryption_is_fresh() -> None:
    pub = PrivateKey.generate().public_key()
    assert sm2_encrypt(pub, b"k" * 16) != sm2_encrypt(pub, b"k" * 16)


def test_a_sealed_document_opens_only_for_its_recipient_and_its_record() -> None:
    from node.crypto.hybrid import open_sealed, seal_for

    key, other = PrivateKey.generate(), PrivateKey.generate()
    sealed = seal_for(key.public_key(), "理赔 claim".encode(), b"cl_1")
    assert open_sealed(key, sealed, b"cl_1").decode() == "理赔 claim"
    # the data key is readable by gmssl too: the wrap is plain GB/T 32918.4
    import base64

    wrapped = base64.b64decode(sealed["wrapped_key"])
    assert len(_gmssl(key).decrypt(wrapped[1:])) == 16
    for k, aad in ((other, b"cl_1"), (key, b"cl_2")):
        with pytest.raises(InvalidInput):
            open_sealed(k, sealed, aad)
