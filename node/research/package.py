"""A research dataset on disk: Parquet per table, its data dictionary, and machine-readable
descriptions in DCAT (JSON-LD) and MLCommons Croissant 1.0, each file with its checksum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from node.crypto.sm import sm3_hex
from node.research.dataset import ResearchDataset

PARQUET = "application/vnd.apache.parquet"


def _croissant_type(dtype: Any) -> str:
    if pd.api.types.is_integer_dtype(dtype):
        return "sc:Integer"
    if pd.api.types.is_float_dtype(dtype):
        return "sc:Float"
    if pd.api.types.is_bool_dtype(dtype):
        return "sc:Boolean"
    return "sc:Text"


def write(dataset: ResearchDataset, out: Path, publisher: str) -> dict[str, Any]:
    """Write the dataset under ``out`` (created; must be empty) and return its DCAT description."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    files: list[dict[str, Any]] = []
    for role, table in dataset.tables.items():
        path = out / f"{role}.parquet"
        table.to_parquet(path, index=False)
        data = path.read_bytes()
        files.append(
            {
                "role": role,
                "name": path.name,
                "bytes": len(data),
                "rows": len(table),
                "sm3": sm3_hex(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "columns": [(c, table[c].dtype) for c in table.columns],
            }
        )
    (out / "dictionary.json").write_text(
        json.dumps(dataset.dictionary, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out / "report.json").write_text(
        json.dumps(dataset.report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    title = f"Research dataset for cohort '{dataset.report['cohort']}' v{dataset.report['cohort_version']}"
    dcat = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@id": f"urn:hnode:research-dataset:{dataset.dataset_id}",
        "@type": "dcat:Dataset",
        "dct:title": title,
        "dct:publisher": publisher,
        "dct:conformsTo": "urn:hnode:research-dataset:1",
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": f["role"],
                "dcat:downloadURL": f["name"],
                "dcat:mediaType": PARQUET,
                "dcat:byteSize": f["bytes"],
                "spdx:checksum": {"spdx:algorithm": "sm3", "spdx:checksumValue": f["sm3"]},
            }
            for f in files
        ],
    }
    (out / "dataset.jsonld").write_text(json.dumps(dcat, ensure_ascii=False, indent=1), encoding="utf-8")
    croissant = {
        "@context": {
            "@vocab": "https://schema.org/",
            "sc": "https://schema.org/",
            "cr": "http://mlcommons.org/croissant/",
            "dct": "http://purl.org/dc/terms/",
        },
        "@type": "sc:Dataset",
        "dct:conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": f"research-dataset-{dataset.dataset_id}",
        "description": dcat["dct:title"],
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": f["name"],
                "name": f["name"],
                "contentUrl": f["name"],
                "encodingFormat": PARQUET,
                "sha256": f["sha256"],
            }
            for f in files
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": f["role"],
                "name": f["role"],
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"{f['role']}/{col}",
                        "name": col,
                        "dataType": _croissant_type(dtype),
                        "source": {"fileObject": {"@id": f["name"]}, "extract": {"column": col}},
                    }
                    for col, dtype in f["columns"]
                ],
            }
            for f in files
        ],
    }
    (out / "croissant.json").write_text(json.dumps(croissant, ensure_ascii=False, indent=1), encoding="utf-8")
    return dcat
