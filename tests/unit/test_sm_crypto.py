"""node.crypto.sm against published vectors (GM/T 0003/0004, GB/T 32907, RFC 8998) and gmssl."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives import hashes as c_hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import func as gm_func
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

from node.crypto.sm import (
    SM2_ORDER,
    PrivateKey,
    PublicKey,
    SM3Stream,
    hmac_sm3,
    sm3_hex,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from node.errors import InvalidInput

# GM/T 0004-2012 appendix A
SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]

# GM/T 0003.5-2012 signature example on the recommended curve, user ID 1234567812345678
SM2_D = int("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8", 16)
SM2_PUB = (
    "04"
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
SM2_R = int("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3", 16)
SM2_S = int("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA", 16)


@pytest.mark.parametrize(("msg", "digest"), SM3_VECTORS)
def test_sm3_published_vectors(msg: bytes, digest: str) -> None:
    assert sm3_hex(msg) == digest
    stream = SM3Stream()
    for i in range(0, len(msg), 7):
        stream.update(msg[i : i + 7])
    assert stream.hexdigest() == digest


def test_sm2_published_key_and_signature() -> None:
    key = PrivateKey.from_int(SM2_D)
    assert key.public_key().to_hex() == SM2_PUB
    sig = encode_dss_signature(SM2_R, SM2_S)
    pub = PublicKey.from_hex(SM2_PUB)
    assert pub.verify(sig, b"message digest")
    assert not pub.verify(sig, b"message digesT")
    assert not pub.verify(encode_dss_signature(SM2_R, SM2_S + 1), b"message digest")


def test_sm4_block_vector_gbt32907() -> None:
    # GB/T 32907-2016 example 1, checked through the independent `cryptography` implementation of SM4
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_rfc8998_vector() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    iv = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    pt = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    ct = sm4_gcm_encrypt(key, iv, pt, aad)
    assert ct.hex().upper() == expected
    assert sm4_gcm_decrypt(key, iv, ct, aad) == pt
    with pytest.raises(InvalidInput) as err:
        sm4_gcm_decrypt(key, iv, ct[:-1] + bytes([ct[-1] ^ 1]), aad)
    assert err.value.code == "ciphertext_invalid"


def test_hmac_sm3_matches_cryptography() -> None:
    for key in (b"k", b"x" * 64, b"y" * 100):
        h = c_hmac.HMAC(key, c_hashes.SM3())
        h.update(b"data to authenticate")
        assert hmac_sm3(key, b"data to authenticate") == h.finalize()


def _gmssl_pair(key: PrivateKey) -> gm_sm2.CryptSM2:
    scalar = format(key._key.private_numbers().private_value, "064x")
    gm = gm_sm2.CryptSM2(private_key=scalar, public_key="")
    gm.public_key = key.public_key().to_hex()[2:]  # not via the constructor, which lstrip("04")s the key
    return gm


@pytest.mark.parametrize("run", range(5))
def test_signatures_cross_verify_with_gmssl(run: int) -> None:
    key = PrivateKey.generate()
    gm = _gmssl_pair(key)
    msg = secrets.token_bytes(100 + run)
    # ours -> gmssl (gmssl wants raw r||s hex)
    r, s = decode_dss_signature(key.sign(msg))
    assert gm.verify_with_sm3(format(r, "064x") + format(s, "064x"), msg)
    # gmssl -> ours (its nonce comes from `random`: test use only)
    raw = gm.sign_with_sm3(msg, gm_func.random_hex(gm.para_len))
    der = encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))
    assert key.public_key().verify(der, msg)
    assert gm_sm3.sm3_hash(gm_func.bytes_to_list(msg)) == sm3_hex(msg)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("04" + "11" * 64, "public_key_not_on_curve"),
        ("04" + "zz" * 64, "public_key_malformed"),
        (SM2_PUB[:-2], "public_key_malformed"),
        ("02" + SM2_PUB[2:], "public_key_malformed"),
    ],
)
def test_bad_public_keys_are_rejected_precisely(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        PublicKey.from_hex(text)
    assert err.value.code == code


@pytest.mark.parametrize(
    "sig",
    [
        b"",
        b"\x30\x02\x01",
        b"\x00" * 64,  # raw r||s instead of DER
        b"\x30" + b"\x00" * 80,
        encode_dss_signature(SM2_ORDER, 1),
        encode_dss_signature(SM2_R, SM2_S) + b"\x00",  # trailing garbage: not strict DER
    ],
)
def test_malformed_signatures_are_input_errors_not_false(sig: bytes) -> None:
    with pytest.raises(InvalidInput) as err:
        PublicKey.from_hex(SM2_PUB).verify(sig, b"message digest")
    assert err.value.code == "signature_malformed"


def test_pem_round_trip_and_errors() -> None:
    key = PrivateKey.generate()
    pem = key.to_pem(b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert PrivateKey.from_pem(pem, b"correct horse").public_key().to_hex() == key.public_key().to_hex()
    cases = [
        (pem, b"wrong", "key_passphrase_wrong"),
        (pem, None, "key_passphrase_required"),
        (
            pem[: len(pem) // 2] + b"\n-----END ENCRYPTED PRIVATE KEY-----\n",
            b"correct horse",
            "key_file_malformed",
        ),
        (b"not a key at all", b"x", "key_file_malformed"),
        (key.to_pem(None), b"x", "key_not_encrypted"),
    ]
    for data, pw, code in cases:
        with pytest.raises(InvalidInput) as err:
            PrivateKey.from_pem(data, pw)
        assert err.value.code == code
        assert "correct horse" not in err.value.message


def test_signatures_are_randomized_and_bound_to_the_key() -> None:
    a, b = PrivateKey.generate(), PrivateKey.generate()
    s1, s2 = a.sign(b"m"), a.sign(b"m")
    assert s1 != s2  # fresh nonce each time
    assert a.public_key().verify(s1, b"m") and a.public_key().verify(s2, b"m")
    assert not b.public_key().verify(s1, b"m")


def test_gmssl_oracle_handles_keys_whose_x_starts_with_04() -> None:
    """The constructor of gmssl's CryptSM2 would lstrip("04") such a key; our helper sidesteps it."""
    key = next(
        k for k in (PrivateKey.generate() for _ in range(5000)) if k.public_key().to_hex()[2:4] == "04"
    )
    gm = _gmssl_pair(key)
    r, s = decode_dss_signature(key.sign(b"m"))
    assert gm.verify_with_sm3(format(r, "064x") + format(s, "064x"), b"m")
