"""SM2 sign/verify and SM3 throughput through node.crypto, against `openssl speed` in the same run.

Target (issue 2): node.crypto reaches at least 70% of openssl's SM2 sign and verify rates, and of
`openssl speed -evp sm3` on 1 MiB blocks. Prints one JSON object.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

from node.crypto.sm import PrivateKey, SM3Stream

SECONDS = 3.0
TARGET = 0.70


def rate(fn, seconds: float = SECONDS) -> float:  # type: ignore[no-untyped-def]
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            fn()
        n += 50
    return n / elapsed


def openssl_sm2() -> tuple[float, float]:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", str(int(SECONDS)), "sm2"], capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"SM2 \(CurveSM2\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out)
    assert m, out
    return float(m.group(1)), float(m.group(2))


def openssl_sm3_mib() -> float:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", str(int(SECONDS)), "-bytes", str(1 << 20), "-evp", "sm3"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"^sm3\s+([\d.]+)k", out, re.MULTILINE)
    assert m, out
    return float(m.group(1)) * 1000 / (1 << 20)  # openssl reports 1000s of bytes per second


def main() -> None:
    key = PrivateKey.generate()
    pub = key.public_key()
    msg = b"x" * 256
    sig = key.sign(msg)
    block = b"\xa5" * (1 << 20)

    def sm3_block() -> None:
        h = SM3Stream()
        h.update(block)
        h.hexdigest()

    sign = rate(lambda: key.sign(msg))
    verify = rate(lambda: pub.verify(sig, msg))
    sm3_n = rate(sm3_block)  # MiB hashed per second
    o_sign, o_verify = openssl_sm2()
    o_sm3 = openssl_sm3_mib()
    result = {
        "benchmark": "crypto",
        "sm2_sign_per_s": round(sign, 1),
        "openssl_sm2_sign_per_s": o_sign,
        "sm2_sign_ratio": round(sign / o_sign, 3),
        "sm2_verify_per_s": round(verify, 1),
        "openssl_sm2_verify_per_s": o_verify,
        "sm2_verify_ratio": round(verify / o_verify, 3),
        "sm3_mib_per_s": round(sm3_n, 1),
        "openssl_sm3_mib_per_s": round(o_sm3, 1),
        "sm3_ratio": round(sm3_n / o_sm3, 3),
        "target_ratio": TARGET,
    }
    result["pass"] = all(result[k] >= TARGET for k in ("sm2_sign_ratio", "sm2_verify_ratio", "sm3_ratio"))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
