"""DICOM PS3.15 basic profile: identifiers gone, UIDs remapped consistently, options, warnings."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest

from node.anonymization.dicom import DicomDeidentifier, action_for

FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def _read(name: str) -> pydicom.Dataset:
    return pydicom.dcmread(FILES / name)


def test_basic_profile_removes_identifiers_and_remaps_uids() -> None:
    original = _read("CT_small.dcm")
    ds = DicomDeidentifier(b"k" * 16).deidentify(_read("CT_small.dcm")).dataset
    assert str(ds.PatientName).startswith("ANON^") and ds.PatientID.startswith("ANON-")
    assert str(original.PatientName) not in str(ds.PatientName)
    assert (
        ds.PatientIdentityRemoved == "YES" and ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    )
    assert ds.StudyInstanceUID != original.StudyInstanceUID and ds.StudyInstanceUID.startswith("2.25.")
    assert ds.SOPClassUID == original.SOPClassUID  # public constants stay
    assert ds.get("InstitutionName") in (None, "", "ANONYMOUS")
    assert "StudyDate" not in ds or ds.StudyDate in ("", "19000101")
    assert not any(elem.tag.is_private for elem in ds)
    pydicom.dcmread(io.BytesIO(_save(ds)))  # still a valid file


def _save(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


def test_uids_are_consistent_per_key_and_differ_across_keys() -> None:
    a1 = DicomDeidentifier(b"a" * 16).deidentify(_read("MR_small.dcm")).dataset
    a2 = DicomDeidentifier(b"a" * 16).deidentify(_read("MR_small_RLE.dcm")).dataset  # same study, other file
    b = DicomDeidentifier(b"b" * 16).deidentify(_read("MR_small.dcm")).dataset
    assert a1.StudyInstanceUID == a2.StudyInstanceUID and a1.PatientID == a2.PatientID
    assert a1.StudyInstanceUID != b.StudyInstanceUID


@pytest.mark.parametrize("dates", ["full", "shifted"])
def test_longitudinal_date_options(dates: str) -> None:
    original = _read("CT_small.dcm")
    ds = DicomDeidentifier(b"k" * 16, dates=dates).deidentify(_read("CT_small.dcm")).dataset
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    if dates == "full":
        assert ds.StudyDate == original.StudyDate and "113106" in codes
    else:
        assert ds.StudyDate != original.StudyDate and len(ds.StudyDate) == 8 and "113107" in codes


def test_clean_descriptors_option() -> None:
    ds = _read("CT_small.dcm")
    ds.StudyDescription = "胸部CT 患者张三 电话13812345678"
    out = (
        DicomDeidentifier(
            b"k" * 16, clean_descriptors=True, clean_text=lambda t: t.replace("张三", "<PERSON>")
        )
        .deidentify(ds)
        .dataset
    )
    assert out.StudyDescription.startswith("胸部CT") and "张三" not in out.StudyDescription
    plain = _read("CT_small.dcm")
    plain.StudyDescription = "胸部CT 患者张三"
    assert "StudyDescription" not in DicomDeidentifier(b"k" * 16).deidentify(plain).dataset


def test_burned_in_annotation_warning_and_table() -> None:
    ds = _read("SC_rgb_rle.dcm")
    assert DicomDeidentifier(b"k" * 16).deidentify(ds).warnings
    assert not DicomDeidentifier(b"k" * 16).deidentify(_read("CT_small.dcm")).warnings
    assert (
        action_for(0x00100010) is not None and action_for(0x60004000) == "X"
    )  # overlay comments, 60xx group


def test_dates_shift_like_the_patients_other_records() -> None:
    from datetime import date, timedelta

    from node.anonymization.operators import Pseudonymizer

    original = _read("CT_small.dcm")
    ds = DicomDeidentifier(b"k" * 16, dates="shifted").deidentify(_read("CT_small.dcm")).dataset
    offset = Pseudonymizer(b"k" * 16).date_offset_days(original.PatientID)
    d = original.StudyDate
    assert ds.StudyDate == (date(int(d[:4]), int(d[4:6]), int(d[6:])) + timedelta(days=offset)).strftime(
        "%Y%m%d"
    )


PLANTED = ("13912345678", "重庆市渝中区解放碑街道18号5-2", "王秀英")


def _planted_sr() -> pydicom.Dataset:
    """pydicom's test-SR.dcm with a phone number, an address and a name planted in its content."""
    ds = _read("test-SR.dcm")
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8, so that Chinese text is written as it is
    first = ds.ContentSequence[0]
    item = pydicom.Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
    item.TextValue = f"患者{PLANTED[2]}，电话{PLANTED[0]}，住址{PLANTED[1]}。"
    name = pydicom.Dataset()
    name.RelationshipType, name.ValueType, name.PersonName = "CONTAINS", "PNAME", "Wang^Xiuying"
    ds.ContentSequence.append(item)
    ds.ContentSequence.append(name)
    nested = first.get("ContentSequence") or pydicom.Sequence()
    deep = pydicom.Dataset()
    deep.RelationshipType, deep.ValueType, deep.TextValue = (
        "HAS PROPERTIES",
        "TEXT",
        f"联系人电话{PLANTED[0]}",
    )
    nested.append(deep)
    first.ContentSequence = nested
    return ds


def _cleaner(text: str) -> str:
    from node.anonymization.analyzer import TextAnalyzer
    from node.anonymization.operators import Pseudonymizer, TextAnonymizer

    return TextAnonymizer(Pseudonymizer(b"k" * 16)).anonymize(text, TextAnalyzer().analyze(text))


def _leaks(ds: pydicom.Dataset) -> list[str]:
    raw = _save(ds).decode("utf-8", errors="replace")
    return [p for p in (*PLANTED, "Wang^Xiuying", "Xiuying") if p in raw]


def test_structured_report_content_is_removed_by_default() -> None:
    original = _planted_sr()
    assert len(_leaks(original)) == 5  # the planted values are in the file before
    ds = DicomDeidentifier(b"k" * 16, clean_text=_cleaner).deidentify(_planted_sr()).dataset
    assert _leaks(ds) == [] and "ContentSequence" not in ds


def test_structured_report_content_cleaned_through_the_recognizers() -> None:
    ds = DicomDeidentifier(b"k" * 16, clean_text=_cleaner, sr="clean").deidentify(_planted_sr()).dataset
    assert _leaks(ds) == []
    texts = [str(e.value) for e in _elements(ds) if e.keyword == "TextValue"]
    assert any(t.startswith("患者") and "电话" in t for t in texts)  # the text stays, its identifiers go
    assert "Sample Text" in " ".join(texts)  # text without identifiers is kept as it was
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert "113105" in codes  # Clean Descriptors (the content is cleaned text)
    pydicom.dcmread(io.BytesIO(_save(ds)))


def _elements(ds: pydicom.Dataset) -> list[pydicom.DataElement]:
    out = []
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                out += _elements(item)
        else:
            out.append(elem)
    return out


def test_every_text_attribute_inside_a_sequence_is_walked() -> None:
    ds = _read("CT_small.dcm")
    ds.SpecificCharacterSet = "ISO_IR 192"
    item = pydicom.Dataset()
    item.CodeValue, item.CodingSchemeDesignator = "T-D3000", "SRT"
    item.CodeMeaning = f"Chest 患者{PLANTED[2]}电话{PLANTED[0]}"
    ds.AnatomicRegionSequence = pydicom.Sequence([item])
    ds.RequestAttributesSequence = pydicom.Sequence([pydicom.Dataset()])
    ds.RequestAttributesSequence[0].ScheduledProcedureStepDescription = f"call {PLANTED[0]}"
    out = DicomDeidentifier(b"k" * 16, clean_text=_cleaner).deidentify(ds).dataset
    assert _leaks(out) == []
    assert out.AnatomicRegionSequence[0].CodeValue == "T-D3000"  # codes stay


def test_structured_report_clean_needs_a_text_cleaner() -> None:
    with pytest.raises(ValueError, match="sr"):
        DicomDeidentifier(b"k" * 16, sr="clean")
    with pytest.raises(ValueError, match="sr"):
        DicomDeidentifier(b"k" * 16, sr="keep")


def _cut_points(size: int) -> list[int]:
    """25 evenly spread truncation points, and the last bytes before the end."""
    return sorted({size * i // 25 for i in range(1, 25)} | {size - k for k in (1, 2, 4, 8, 13)})


def test_truncated_files_are_detected_never_read_as_whole() -> None:
    from connectors.samples import SAMPLE_DICOM
    from node.anonymization.dicom_files import UnreadableDicom, read_whole

    points = 0
    for name in SAMPLE_DICOM:
        data = (FILES / name).read_bytes()
        read_whole(data)  # the whole file reads
        for cut in _cut_points(len(data)):
            points += 1
            with pytest.raises(UnreadableDicom) as err:
                read_whole(data[:cut])
            assert name not in str(err.value) and str(err.value)
    assert points >= 199


def test_files_that_are_no_dicom_are_named_as_such() -> None:
    from node.anonymization.dicom_files import UnreadableDicom, read_whole

    with pytest.raises(UnreadableDicom, match="not a DICOM"):
        read_whole(b"plain text, not an image")
    with pytest.raises(UnreadableDicom, match="not a DICOM"):
        read_whole((FILES / "rtstruct.dcm").read_bytes())  # no preamble, no DICM prefix


def test_burned_in_text_regions_masked_from_the_modality_template() -> None:
    import numpy as np

    us = _read("examples_rgb_color.dcm")  # an ultrasound image, native RGB
    assert us.Modality == "US"
    before = us.pixel_array.copy()
    result = DicomDeidentifier(b"k" * 16, mask_burned_in=True).deidentify(us)
    after = result.dataset.pixel_array
    band = int(np.ceil(before.shape[0] * 0.1))
    assert not after[:band].any() and before[:band].any()  # the header band held something, now black
    assert (after[band:] == before[band:]).all()  # the image below it is untouched
    assert any("masked" in w for w in result.warnings)
    assert "113101" in [i.CodeValue for i in result.dataset.DeidentificationMethodCodeSequence]
    sc = DicomDeidentifier(b"k" * 16, mask_burned_in=True).deidentify(_read("SC_rgb_rle.dcm"))
    pixels = sc.dataset.pixel_array
    assert not pixels[:8].any() and not pixels[-8:].any() and pixels[20:80].any()


def test_burned_in_text_that_cannot_be_masked_is_said_so() -> None:
    jpeg = _read("examples_ybr_color.dcm")  # JPEG baseline: no decoder here
    result = DicomDeidentifier(b"k" * 16, mask_burned_in=True).deidentify(jpeg)
    assert any("not masked" in w for w in result.warnings)
    ct = DicomDeidentifier(b"k" * 16, mask_burned_in=True).deidentify(_read("CT_small.dcm"))
    assert ct.warnings == []  # no template for CT, and no flag
