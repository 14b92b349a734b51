"""English and bilingual notes (issue 17): Presidio's English recognizers where a note is English or mixed,
with the same operators and offsets as the Chinese ones."""

from __future__ import annotations

import pytest

from node.anonymization.analyzer import TextAnalyzer, latin_share
from node.anonymization.operators import Pseudonymizer, TextAnonymizer
from tests.unit.deid_support import found

SYNTHEA_STYLE = (
    "Mrs. Jacinda33 Parisian75 is a 64 year-old non-hispanic white female. Her SSN is 999-71-4583 "
    "and she lives at 421 Kessler Crossing Suite 51, Boston, MA 02118. Phone (617) 555-0142."
)


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Patient: Sarah Moore, DOB 11/25/1974.", "PERSON", "Sarah Moore"),
        ("Patient: Sarah Moore, DOB 11/25/1974.", "DATE_TIME", "11/25/1974"),
        ("Seen on July 23, 2022 for follow-up.", "DATE_TIME", "July 23, 2022"),
        ("SSN 536-70-3603. Phone (280) 786-5544.", "US_SSN", "536-70-3603"),
        ("SSN 536-70-3603. Phone (280) 786-5544.", "PHONE_NUMBER", "(280) 786-5544"),
        ("Emergency contact Olga White at +1 415 555 0132.", "PERSON", "Olga White"),
        ("Emergency contact Olga White at +1 415 555 0132.", "PHONE_NUMBER", "+1 415 555 0132"),
        ("Passport No. 811121521, driver's license G5850379.", "US_PASSPORT", "811121521"),
        ("Passport No. 811121521, driver's license G5850379.", "US_DRIVER_LICENSE", "G5850379"),
        ("Address: 722 Maple Street, Boston, MA 02118.", "LOCATION", "722 Maple Street, Boston, MA 02118"),
        (SYNTHEA_STYLE, "PERSON", "Jacinda33 Parisian75"),
        (SYNTHEA_STYLE, "US_SSN", "999-71-4583"),
        (SYNTHEA_STYLE, "PHONE_NUMBER", "(617) 555-0142"),
        ("外籍患者 Michael Brown（美国籍），联系电话 +1 415-555-0132，", "PERSON", "Michael Brown"),
        ("外籍患者 Michael Brown（美国籍），联系电话 +1 415-555-0132，", "PHONE_NUMBER", "+1 415-555-0132"),
        # after held-out v18: street types (Point, Circle, Trail), cues before and degrees after a name
        ("Home: 8 Osprey Point, Camden, ME 04843.", "LOCATION", "8 Osprey Point, Camden, ME 04843"),
        (
            "Lives at 27 Juniper Circle, Apt 2, Reno, NV 89501.",
            "LOCATION",
            "27 Juniper Circle, Apt 2, Reno, NV 89501",
        ),
        ("I had the pleasure of seeing Marta Lindgren today.", "PERSON", "Marta Lindgren"),
        ("Family meeting held; discussed with Owen Pritchard, her brother.", "PERSON", "Owen Pritchard"),
        ("Reviewed by Dana Whitcombe, PharmD.", "PERSON", "Dana Whitcombe"),
        ("联系人Hye-jin Choi（母亲），电话见下", "PERSON", "Hye-jin Choi"),  # a hyphenated given name
        ("Patient: Dong-hyun Lee, DOB 03/04/1980.", "PERSON", "Dong-hyun Lee"),
        # after held-out v19's first measurement (phrases of their own)
        ("Wound check done.\nTamsin Hale ambulated twice in the hallway.", "PERSON", "Tamsin Hale"),
        ("Social Work Note\nBartholomew Reyes lives with his sister.", "PERSON", "Bartholomew Reyes"),
        ("Son left at noon; Granddaughter Elif visited in the evening.", "PERSON", "Elif"),
        ("Uncle Desmond Okafor 404-555-0178 will drive her home.", "PERSON", "Desmond Okafor"),
        ("Uncle Desmond Okafor 404-555-0178 will drive her home.", "PHONE_NUMBER", "404-555-0178"),
        ("Left a message; her number +1 617 555 0104.", "PHONE_NUMBER", "+1 617 555 0104"),
        ("Thyroid nodule in Henrike Vogel, 52-year-old teacher.", "PERSON", "Henrike Vogel"),
        ("Called Marisol Ortega at home to review results.", "PERSON", "Marisol Ortega"),
        ("Employer: Ridgeline Freight LLC", "ORGANIZATION", "Ridgeline Freight LLC"),
        ("Group No.: GRP-88102-NV", "CN_INSURANCE_POLICY", "GRP-88102-NV"),
        ("Traveler holds passport K20418836, issued 2019.", "US_PASSPORT", "K20418836"),  # English label
        ("患者来自加拿大，护照号：E33018274", "CN_PASSPORT", "E33018274"),  # the same shape after 护照
    ],
)
def test_english_and_bilingual_identifiers(
    analyzer: TextAnalyzer, text: str, entity: str, value: str
) -> None:
    assert (entity, value) in found(analyzer, text)


def test_english_clinical_words_are_no_identifiers(analyzer: TextAnalyzer) -> None:
    text = "The patient was started on Efavirenz 600 mg daily. Blood Pressure 132/84. Follow Up in 3 months."
    assert found(analyzer, text) == []


def test_kinship_words_and_headings_are_no_names(analyzer: TextAnalyzer) -> None:
    text = "Patient Portal Message\nDaughter Rhiannon called about the refill."
    names = [v for t, v in found(analyzer, text) if t == "PERSON"]
    assert names == ["Rhiannon"]


def test_language_share_decides_the_english_pass() -> None:
    assert latin_share("患者王秀英，女，67岁。") == 0
    assert latin_share("Patient: Sarah Moore") > 0.9
    assert 0.2 < latin_share("外籍患者 Michael Brown（美国籍）") < 0.9


def test_same_operators_and_offsets(analyzer: TextAnalyzer) -> None:
    text = "Patient: Sarah Moore, SSN 536-70-3603, phone (415) 555-0132."
    out = TextAnonymizer(Pseudonymizer(b"k" * 16)).anonymize(text, analyzer.analyze(text))
    for value in ("Sarah Moore", "536-70-3603", "555-0132"):
        assert value not in out
    assert out.startswith("Patient: PERSON_")
