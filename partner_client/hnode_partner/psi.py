"""Private set intersection with a hospital (openmined-psi, the ``[psi]`` extra): the partner's member
list never leaves blinded only; the hospital learns how many members were sent, the partner which of
them (or, under a count-only contract, how many) the hospital's patients match.

Member keys are normalized exactly as the nodes normalize their patients (``node/psi/identifiers.py``;
a test keeps both equal): a resident ID number (GB 11643, check digit verified) gives ``id:<number>``;
``name,YYYY-MM-DD`` gives ``nb:<name>|<date>``. Error messages name the line, never its content."""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from hnode_partner.client import NodeCaller, PartnerError

_ID18 = re.compile(r"^\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DATE = re.compile(r"^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})$")
_NAME = re.compile(r"^[^\d\s,，|]{2,30}$")


def _psi() -> Any:
    try:
        import private_set_intersection.python as psi
    except ImportError:
        raise PartnerError(
            "private set intersection needs openmined-psi: pip install 'hnode-partner[psi]'", "extra_missing"
        ) from None
    return psi


def _resident_id(raw: str) -> str | None:
    v = unicodedata.normalize("NFKC", raw).replace(" ", "").strip().upper()
    ok = (
        bool(_ID18.match(v))
        and "10X98765432"[sum(int(d) * w for d, w in zip(v[:17], _WEIGHTS, strict=True)) % 11] == v[17:]
    )
    return v if ok else None


def _birth_date(raw: str) -> str | None:
    m = _DATE.match(unicodedata.normalize("NFKC", raw).strip()[:10])
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def member_key(line: str) -> str | None:
    s = unicodedata.normalize("NFKC", line).strip()
    if "," in s:
        name, _, born = s.partition(",")
        n, d = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)), _birth_date(born)
        return f"nb:{n}|{d}" if d and _NAME.match(n) else None
    rid = _resident_id(s)
    return f"id:{rid}" if rid else None


def parse_members(lines: Iterable[str]) -> list[str]:
    keys = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        key = member_key(line)
        if key is None:
            raise PartnerError(
                f"line {number}: not a valid resident ID number (GB 11643 check digit) nor 'name,YYYY-MM-DD'",
                "psi_member_invalid",
            )
        keys.append(key)
    if not keys:
        raise PartnerError("the member list is empty", "psi_member_invalid")
    return keys


def _display(key: str) -> str:
    kind, _, value = key.partition(":")
    return value.replace("|", ",") if kind == "nb" else value


def run(node: NodeCaller, contract_id: str, keys: list[str]) -> dict[str, Any]:
    """One metered run under a psi contract: ``{"members": N, "matched": [...]}``, or
    ``{"members": N, "matched_count": k}`` when the contract reveals the count only."""
    psi = _psi()
    terms = node.call("GET", f"/v1/psi/{contract_id}")
    if len(keys) > terms["max_members"]:
        raise PartnerError(
            f"the list has {len(keys)} members; this contract allows at most {terms['max_members']}",
            "psi_list_too_large",
        )
    if len(keys) < terms["min_members"]:
        raise PartnerError(
            f"the list has {len(keys)} members; this contract needs at least {terms['min_members']}",
            "psi_list_too_small",
        )
    reveal = terms["reveal"] == "members"
    client = psi.client.CreateWithNewKey(reveal)
    request = base64.b64encode(client.CreateRequest(list(keys)).SerializeToString()).decode()
    names = any(k.startswith("nb:") for k in keys)  # tells the node only whether fallback keys are used
    answer = node.call("POST", f"/v1/psi/{contract_id}", json={"request": request, "name_keys": names})
    setup, response = psi.ServerSetup(), psi.Response()
    setup.ParseFromString(base64.b64decode(answer["setup"]))
    response.ParseFromString(base64.b64decode(answer["response"]))
    if not reveal:
        return {"members": len(keys), "matched_count": int(client.GetIntersectionSize(setup, response))}
    found = sorted(int(i) for i in client.GetIntersection(setup, response))
    return {"members": len(keys), "matched": [_display(keys[i]) for i in found]}
