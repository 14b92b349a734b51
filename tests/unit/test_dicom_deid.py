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
