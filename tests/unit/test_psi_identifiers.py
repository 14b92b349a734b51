"""Member and patient keys for PSI: resident ID numbers normalized and checked (GB 11643), the name and
birth date fallback, and errors that name the line but never its content."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from node.asset_registry.model import MODES_BY_LEVEL, AccessMode
from node.psi.identifiers import patient_keys, resident_id

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "partner_client"))
from hnode_partner.client import PartnerError
from hnode_partner.psi import _display as display
from hnode_partner.psi import member_key, parse_members

# GB 11643-1999's own example (check digit X) and a hand-computed one ending in a digit
ID_X = "11010519491231002X"
ID_DIGIT = "440524188001010014"


def test_resident_ids_are_normalized_and_check_digit_verified() -> None:
    assert resident_id(ID_X.lower()) == ID_X
    assert resident_id(" 1101 0519 4912 3100 2x ") == ID_X
    assert resident_id("１１０１０５１９４９１２３１００２Ｘ") == ID_X  # full-width digits (NFKC)
    assert resident_id(ID_DIGIT) == ID_DIGIT
    assert resident_id(ID_X[:-1] + "1") is None  # wrong check digit
    assert resident_id("110105194913310028") is None  # month 13
    assert resident_id(ID_X[:17]) is None


def test_member_lines_become_keys_with_a_name_and_birth_date_fallback() -> None:
    """The partner's side (the light client) makes the keys the node makes of its patients."""
    assert member_key(ID_X.lower()) == f"id:{ID_X}"
    assert member_key("张 三, 1949-12-31") == "nb:张三|1949-12-31"
    assert member_key("张三,19491231") == member_key("张三，1949/12/31") == "nb:张三|1949-12-31"
    assert member_key("张三,1949-02-30") is None
    assert member_key("12345,1949-12-31") is None
    assert display("nb:张三|1949-12-31") == "张三,1949-12-31" and display(f"id:{ID_X}") == ID_X
    assert [member_key(ID_X.lower()), member_key("张 三, 1949-12-31")] == patient_keys(
        ID_X, "张 三", " 1949-12-31"
    )


def test_the_first_invalid_line_is_named_and_nothing_is_kept() -> None:
    secret = "110105194912310021"
    with pytest.raises(PartnerError) as exc:
        parse_members([ID_X, "", "王五,1980-01-01", secret])
    assert exc.value.code == "psi_member_invalid"
    assert "line 4" in str(exc.value) and secret not in str(exc.value)
    with pytest.raises(PartnerError):
        parse_members(["", "  "])
    assert parse_members([ID_X, "", ID_DIGIT]) == [f"id:{ID_X}", f"id:{ID_DIGIT}"]


def test_a_patient_contributes_both_keys_when_the_hospital_holds_them() -> None:
    assert patient_keys(ID_X.lower(), "张三", "1949-12-31") == [f"id:{ID_X}", "nb:张三|1949-12-31"]
    assert patient_keys(int(ID_DIGIT), None, None) == [f"id:{ID_DIGIT}"]
    assert patient_keys("not-an-id", "张三", None) == []


def test_psi_is_allowed_up_to_level_4_in_code_and_in_policy_data() -> None:
    grades = json.loads((Path(__file__).resolve().parents[2] / "policies/data/hnode.json").read_text())
    for level in range(1, 6):
        in_code = AccessMode.PSI in MODES_BY_LEVEL[level]
        assert in_code == (level <= 4) == ("psi" in grades["hnode"]["grades"][str(level)]["modes"])
