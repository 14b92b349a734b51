"""Reading DICOM files whole, and de-identifying a folder of them where some files may be bad.

pydicom reads damaged files leniently: a value cut short by the end of the file is returned short, a
file cut between two elements reads as a smaller dataset, and some cuts raise from deep inside its
parser. ``read_whole`` accepts a file only if every element's declared length fits in the file, every
value parses, the SOP Class and Instance UIDs are there, and an image's pixel data is all present (native
pixel data of the length its Rows, Columns, samples, bits and frames call for; encapsulated pixel data
closed by its sequence delimiter). Messages name the problem, never a value from the file.
"""

from __future__ import annotations

import io
import secrets
import shutil
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from node.anonymization.dicom import DicomDeidentifier, DicomResult

UNDEFINED = 0xFFFFFFFF
PIXEL_DATA = 0x7FE00010
ON_ERROR = ("skip", "reject")
DEFLATED = "1.2.840.10008.1.2.1.99"


class UnreadableDicom(Exception):
    """A file that is no DICOM file, or one that is damaged or incomplete."""


def read_whole(data: bytes) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(io.BytesIO(data))
        except InvalidDicomError:
            raise UnreadableDicom("not a DICOM file (no DICM preamble)") from None
        except Exception as exc:  # noqa: BLE001 - pydicom raises many types on damaged files
            raise UnreadableDicom(f"unreadable DICOM ({type(exc).__name__})") from None
        deflated = str(ds.file_meta.get("TransferSyntaxUID", "")) == DEFLATED
        pixel_end = None if deflated else _lengths_fit(ds, len(data))  # offsets count inflated bytes
        try:
            for elem in ds.iterall():  # converts every raw element: a damaged value raises here
                _ = elem.value
        except Exception as exc:  # noqa: BLE001
            raise UnreadableDicom(f"damaged DICOM value ({type(exc).__name__})") from None
    if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
        raise UnreadableDicom("incomplete DICOM file (no SOP Class or Instance UID): truncated?")
    try:
        _pixels_whole(ds, data, pixel_end)
    except (ValueError, TypeError, AttributeError):
        raise UnreadableDicom("damaged image attributes") from None
    return ds


def _lengths_fit(ds: Dataset, size: int) -> int | None:
    """Every declared length fits, and the last element ends where the file does (a cut inside an
    element's header leaves pydicom a shorter dataset and no error). Returns where the value of
    undefined-length pixel data ends, if there is such."""
    last_end, pixel_end = 0, None
    for tag in list(ds.keys()):
        raw = ds._dict[tag]
        if not isinstance(raw, RawDataElement):
            last_end = -1  # already parsed by pydicom: no offset to check against
            continue
        if raw.length == UNDEFINED:
            last_end = raw.value_tell + len(raw.value or b"") + 8  # the value, then its delimiter
            if tag == PIXEL_DATA:
                pixel_end = last_end - 8
        else:
            if raw.value_tell + raw.length > size or (raw.value is not None and len(raw.value) < raw.length):
                raise UnreadableDicom("truncated DICOM file (a value runs past the end)")
            last_end = raw.value_tell + raw.length
    if last_end not in (-1, size) and not (size - last_end == 1 and last_end > 0):
        raise UnreadableDicom("truncated DICOM file (it ends inside an element)")
    return pixel_end


def _pixels_whole(ds: Dataset, data: bytes, pixel_end: int | None) -> None:
    image_class = "Image Storage" in getattr(ds.SOPClassUID, "name", "")
    if not image_class and ("Rows" not in ds or "Columns" not in ds):
        return  # no image
    if "Rows" not in ds or "Columns" not in ds:
        raise UnreadableDicom("truncated DICOM file (image without its size)")
    if PIXEL_DATA not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise UnreadableDicom("truncated DICOM file (image without pixel data)")
    if PIXEL_DATA not in ds:
        return
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if pixel_end is not None or (syntax is not None and syntax.is_compressed and str(syntax) != DEFLATED):
        if pixel_end is None:
            raise UnreadableDicom("truncated DICOM file (compressed pixel data of a defined length)")
        end = pixel_end
        endian = "<" if syntax is None or syntax.is_little_endian else ">"
        delimiter = struct.pack(f"{endian}HHL", 0xFFFE, 0xE0DD, 0)
        if data[end : end + 8] != delimiter:
            raise UnreadableDicom("truncated DICOM file (pixel data not closed by its delimiter)")
        return
    bits = int(ds.get("BitsAllocated", 8))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    pixels = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1)) * frames
    expected = (pixels * bits + 7) // 8
    if str(ds.get("PhotometricInterpretation", "")) == "YBR_FULL_422":
        expected = expected * 2 // 3  # two chroma samples shared by two pixels
    if len(ds.PixelData) < expected:
        raise UnreadableDicom("truncated DICOM file (pixel data shorter than the image)")


@dataclass
class FolderReport:
    files: int = 0
    warnings: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "warnings": self.warnings, "skipped": self.skipped}


class RejectedFile(Exception):
    def __init__(self, relative: Path, reason: str) -> None:
        super().__init__(f"{relative}: {reason}")


def deidentify_folder(
    source: Path,
    target: Path,
    deid: DicomDeidentifier,
    on_error: str = "skip",
    after: Callable[[DicomResult], None] | None = None,
) -> FolderReport:
    """De-identify every file under ``source`` into the new folder ``target``. A bad file is reported and
    skipped (``on_error="skip"``) or rejects the whole run (``"reject"``: nothing is written). Files are
    written to a staging folder renamed into place at the end, so ``target`` never holds a partial run."""
    if on_error not in ON_ERROR:
        raise ValueError("on_error must be 'skip' or 'reject'")
    report = FolderReport()
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    staging.mkdir(parents=True)
    try:
        for f in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = f.relative_to(source)
            try:
                ds = read_whole(f.read_bytes())
                result = deid.deidentify(ds)
                buf = io.BytesIO()
                result.dataset.save_as(buf)
            except UnreadableDicom as exc:
                reason = str(exc)
            except Exception as exc:  # noqa: BLE001 - a file pydicom reads but cannot rewrite
                reason = f"cannot de-identify ({type(exc).__name__})"
            else:
                out = staging / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(buf.getvalue())
                report.files += 1
                if result.warnings:
                    report.warnings[str(rel)] = result.warnings
                if after is not None:
                    after(result)
                continue
            if on_error == "reject":
                raise RejectedFile(rel, reason)
            report.skipped[str(rel)] = reason
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
