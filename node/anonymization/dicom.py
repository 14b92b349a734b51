"""DICOM de-identification: the PS3.15 Annex E Basic Application Level Confidentiality Profile.

Action codes per attribute come from Table E.1-1 (2026c edition, as tabulated by the BSD-licensed
``dicom-anonymizer`` package); the logic here is ours. Composite codes take the choice that keeps
the attribute present where the IOD may require it: Z/D -> Z, X/Z -> Z, X/D -> D, X/Z/D -> D,
X/Z/U* -> U for UIDs. Options:
- Retain Longitudinal Temporal Information: ``dates="full"`` keeps dates and times, ``dates="shifted"``
  moves every date by one keyed per-patient offset (Modified Dates Option); default removes them per
  the basic profile.
- Clean Descriptors: descriptions and comments are kept, with personal information removed by the text
  recognizers, instead of being removed.
- Structured Reports: the Content Sequence (0040,A730) is removed (``sr="remove"``, the basic profile's
  choice) or kept with every text value cleaned by the text recognizers (``sr="clean"``).
Inside every sequence, text attributes the profile's table does not name (code meanings, text values,
descriptions of nested items) go through the text cleaner; person names become ANONYMOUS; free text
(LT/ST/UT) is emptied when no cleaner is given.
UIDs are remapped consistently (2.25.<HMAC-SM3 of the original>), so studies and series stay linked
across files and runs with the same key. Private attributes are removed. Images that may carry
burned-in text are flagged (by modality, BurnedInAnnotation and image type); with ``mask_burned_in`` the
regions a per-modality template lists (``data/burned_in_templates.json``: US, SC) are filled with zero
(Clean Pixel Data Option), where pydicom can decode the pixel data here (native, RLE).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

from dicomanonymizer.dicomfields_selector import dicom_anonymization_database_selector
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from node.anonymization.operators import Pseudonymizer
from node.crypto.sm import hmac_sm3

_TABLE = dicom_anonymization_database_selector("dicomfields_2026c")
_ACTION: dict[int, str] = {}
_MASKED: list[tuple[int, int, str]] = []  # (value, mask, action) for repeating groups such as 60xx,4000
for _code, _tags in (
    ("D", "D_TAGS"),
    ("Z", "Z_TAGS"),
    ("X", "X_TAGS"),
    ("U", "U_TAGS"),
    ("Z", "Z_D_TAGS"),
    ("Z", "X_Z_TAGS"),
    ("D", "X_D_TAGS"),
    ("D", "X_Z_D_TAGS"),
    ("U", "X_Z_U_STAR_TAGS"),
):
    for _entry in _TABLE[_tags]:
        if len(_entry) == 2:
            _ACTION[int(Tag(*_entry))] = _code
        else:
            _g, _e, _gm, _em = _entry
            _MASKED.append(((_g << 16) | _e, (_gm << 16) | _em, _code))


def action_for(tag: int) -> str | None:
    """The profile's action for an attribute, or None to keep it."""
    return _ACTION.get(tag) or next((a for value, mask, a in _MASKED if tag & mask == value & mask), None)


CLEAN_DESCRIPTORS = {
    int(Tag(t))
    for t in (
        0x00081030,
        0x0008103E,
        0x00081080,
        0x001021B0,
        0x00181030,
        0x00400254,
        0x00204000,
        0x00082111,
        0x00401400,
        0x00324000,
        0x00400280,
        0x00081090,
    )
}
PATIENT_ID, PATIENT_NAME = int(Tag(0x0010, 0x0020)), int(Tag(0x0010, 0x0010))
CONTENT_SEQUENCE = int(Tag(0x0040, 0xA730))
TEXT_VRS = {"SH", "LO", "ST", "LT", "UT", "UC"}
FREE_TEXT_VRS = {"ST", "LT", "UT"}
SR_MODES = ("remove", "clean")
TEMPORAL_VRS = {"DA", "DT", "TM"}
DUMMY = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "PN": "ANONYMOUS",
    "UI": "2.25.0",
    "IS": "0",
    "DS": "0",
    "US": 0,
    "SS": 0,
    "UL": 0,
    "SL": 0,
    "FL": 0.0,
    "FD": 0.0,
    "AS": "000Y",
    "CS": "ANONYMOUS",
    "SQ": None,
}
OPTION_CODES = {
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "full": ("113106", "Retain Longitudinal Temporal Information Full Dates Option"),
    "shifted": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    "clean": ("113105", "Clean Descriptors Option"),
    "pixels": ("113101", "Clean Pixel Data Option"),
}
TEMPLATES: dict[str, list[dict[str, Any]]] = {
    k: v
    for k, v in json.loads(
        (resources.files("node.anonymization") / "data" / "burned_in_templates.json").read_text("utf-8")
    ).items()
    if not k.startswith("_")
}
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


@dataclass
class DicomResult:
    dataset: Dataset
    warnings: list[str] = field(default_factory=list)


class DicomDeidentifier:
    def __init__(
        self,
        key: bytes,
        dates: str | None = None,
        clean_descriptors: bool = False,
        clean_text: Callable[[str], str] | None = None,
        sr: str = "remove",
        mask_burned_in: bool = False,
    ) -> None:
        if dates not in (None, "full", "shifted"):
            raise ValueError("dates must be None, 'full' or 'shifted'")
        if clean_descriptors and clean_text is None:
            raise ValueError("clean descriptors need a text cleaner")
        if sr not in SR_MODES:
            raise ValueError("sr must be 'remove' or 'clean'")
        if sr == "clean" and clean_text is None:
            raise ValueError("sr='clean' needs a text cleaner")
        self._key, self._dates, self._clean, self._clean_text = key, dates, clean_descriptors, clean_text
        self._sr, self._mask = sr, mask_burned_in
        self._dates_shift = Pseudonymizer(key)

    def uid(self, original: str) -> str:
        return "2.25." + str(int.from_bytes(hmac_sm3(self._key, f"uid:{original}".encode())[:16], "big"))

    def pseudonym(self, kind: str, value: str) -> str:
        return hmac_sm3(self._key, f"{kind}:{value}".encode())[:8].hex().upper()

    def deidentify(self, ds: Dataset) -> DicomResult:
        result = DicomResult(ds)
        patient = str(ds.get("PatientID", ""))
        offset = self._dates_shift.date_offset_days(patient)  # the same shift as the patient's text and FHIR
        result.warnings += self._burned_in_warnings(ds)
        masked = self._mask and self._mask_template(ds, result.warnings)
        ds.remove_private_tags()
        self._walk(ds, offset)
        ds.PatientID = "ANON-" + self.pseudonym("patient", patient)
        ds.PatientName = "ANON^" + self.pseudonym("patient", patient)
        ds.PatientIdentityRemoved = "YES"
        cleaned = self._clean or self._sr == "clean"
        codes = [
            "basic",
            *([self._dates] if self._dates else []),
            *(["clean"] if cleaned else []),
            *(["pixels"] if masked else []),
        ]
        ds.DeidentificationMethod = "; ".join(OPTION_CODES[c][1] for c in codes)[:64]
        seq = []
        for c in codes:
            item = Dataset()
            item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = (
                OPTION_CODES[c][0],
                "DCM",
                OPTION_CODES[c][1],
            )
            seq.append(item)
        ds.DeidentificationMethodCodeSequence = Sequence(seq)
        if hasattr(ds, "file_meta") and "MediaStorageSOPInstanceUID" in ds.file_meta:
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        return result

    def _walk(self, ds: Dataset, offset: int, nested: bool = False) -> None:
        for elem in list(ds):
            tag = int(elem.tag)
            if elem.VR == "SQ":
                action = action_for(tag)
                if action == "X" or (tag == CONTENT_SEQUENCE and self._sr == "remove"):
                    del ds[elem.tag]
                    continue
                for item in elem.value:
                    self._walk(item, offset, nested=True)
                continue
            if tag in (PATIENT_ID, PATIENT_NAME):
                continue  # replaced by pseudonyms afterwards
            if self._clean and tag in CLEAN_DESCRIPTORS and isinstance(elem.value, str):
                elem.value = self._clean_text(elem.value)  # type: ignore[misc]
                continue
            if elem.VR in TEMPORAL_VRS and self._dates:
                if self._dates == "shifted":
                    elem.value = _shift(elem.value, elem.VR, offset)
                continue
            action = action_for(tag)
            if action is None:
                if elem.VR == "UI" and tag != int(Tag(0x0002, 0x0010)) and _instance_uid(elem):
                    elem.value = self.uid(str(elem.value))
                elif nested:
                    self._nested_text(elem)
                continue
            self._apply(ds, elem, action)

    def _nested_text(self, elem: DataElement) -> None:
        """A text attribute inside a sequence that the profile's table does not name."""
        if elem.VR == "PN" and elem.value:
            elem.value = "ANONYMOUS"
        elif elem.VR in TEXT_VRS and elem.value:
            values = elem.value if isinstance(elem.value, list | MultiValue) else [elem.value]
            if self._clean_text is not None:
                cleaned = [self._clean_text(str(v)) for v in values]
            elif elem.VR in FREE_TEXT_VRS:
                cleaned = ["" for _ in values]
            else:
                return
            elem.value = cleaned if len(cleaned) > 1 else cleaned[0]

    def _apply(self, ds: Dataset, elem: DataElement, action: str) -> None:
        if action == "X":
            del ds[elem.tag]
        elif action == "Z":
            elem.value = "" if isinstance(elem.value, str) or elem.value is None else None
        elif action == "D":
            elem.value = DUMMY.get(elem.VR, "ANONYMOUS" if isinstance(elem.value, str) else None)
        elif action == "U":
            if elem.value:
                values = elem.value if isinstance(elem.value, list) else [elem.value]
                mapped = [self.uid(str(v)) for v in values]
                elem.value = mapped if isinstance(elem.value, list) else mapped[0]

    @staticmethod
    def _mask_template(ds: Dataset, warnings: list[str]) -> bool:
        """Fill the template's regions with zero; False (and a warning) where that cannot be done here."""
        sc = str(ds.get("SOPClassUID", "")).startswith(SECONDARY_CAPTURE)
        modality = "SC" if sc else str(ds.get("Modality", ""))
        regions = TEMPLATES.get(modality)
        if not regions or "PixelData" not in ds:
            return False
        try:
            pixels = ds.pixel_array.copy()
        except Exception as exc:  # noqa: BLE001 - no decoder for this transfer syntax here
            warnings.append(
                f"burned-in text not masked: pixel data not decodable here ({type(exc).__name__})"
            )
            return False
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        view = pixels if frames > 1 else pixels[None, ...]
        rows, cols = int(ds.Rows), int(ds.Columns)
        for r in regions:
            top, bottom = math.floor(r["top"] * rows), math.ceil(r["bottom"] * rows)
            left, right = math.floor(r["left"] * cols), math.ceil(r["right"] * cols)
            view[:, top:bottom, left:right, ...] = 0
        photometric = str(ds.PhotometricInterpretation)
        if photometric == "YBR_FULL_422":
            photometric = "YBR_FULL"  # pydicom decodes 4:2:2 to full resolution
        ds.set_pixel_data(pixels, photometric, int(ds.BitsStored))
        warnings.append(f"burned-in text masked: {len(regions)} region(s) of the {modality} template")
        return True

    @staticmethod
    def _burned_in_warnings(ds: Dataset) -> list[str]:
        reasons = []
        if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
            reasons.append("BurnedInAnnotation is YES")
        if str(ds.get("Modality", "")) in ("US", "SC", "OT", "XC", "ES", "DOC"):
            reasons.append(f"modality {ds.get('Modality')} often carries burned-in text")
        image_type = [str(x).upper() for x in (ds.get("ImageType") or [])]
        if "SECONDARY" in image_type:
            reasons.append("secondary capture image")
        if reasons and "PixelData" in ds:
            return [
                "pixel data may contain burned-in annotations ("
                + "; ".join(reasons)
                + "); review before release"
            ]
        return []


def _instance_uid(elem: DataElement) -> bool:
    """UIDs that identify instances (not SOP classes or transfer syntaxes, which are public constants)."""
    keyword = elem.keyword or ""
    return keyword.endswith("InstanceUID") or keyword in (
        "FrameOfReferenceUID",
        "SynchronizationFrameOfReferenceUID",
    )


def _shift(value: Any, vr: str, offset: int) -> Any:
    if vr == "TM" or not value:
        return value
    text = str(value)
    try:
        d = date(int(text[:4]), int(text[4:6]), int(text[6:8])) + timedelta(days=offset)
    except ValueError:
        return DUMMY[vr]
    return d.strftime("%Y%m%d") + text[8:]
