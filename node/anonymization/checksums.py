"""Check digits that tell identifiers from numbers that merely look like them."""

from __future__ import annotations

import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]$")


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def valid_id_card(value: str) -> bool:
    """An 18-character resident ID number (GB 11643) with a plausible birth date and a correct check digit."""
    v = value.replace(" ", "").upper()
    return bool(_ID18.match(v)) and id_check_digit(v[:17]) == v[17]


def luhn_ok(value: str) -> bool:
    """Bank card numbers (13-19 digits) pass the Luhn check."""
    digits = [int(c) for c in value if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
