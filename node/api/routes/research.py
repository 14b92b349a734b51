"""Research partners: a cohort's attrition, and multi-table anonymized research datasets."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import container, require
from node.bootstrap import Container
from node.identity.model import PARTNER_ROLES, Principal
from node.research.cohort import CohortDefinition
from node.research.package import write

router = APIRouter(prefix="/v1/research", tags=["research"])
PARTNER = tuple(sorted(PARTNER_ROLES))


class CohortIn(BaseModel):
    contract_id: str = Field(min_length=1, max_length=64)
    definition: CohortDefinition

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "ct_01J9Z8Q4R5S6T7V8W9X0Y1Z2A3",
                    "definition": {
                        "name": "adult diabetics with an HbA1c",
                        "as_of": "2026-01-01",
                        "criteria": [
                            {"id": "hba1c", "lab": {"loinc": "4548-4"}},
                            {"id": "adult", "age": {"min": 18}},
                            {
                                "id": "no_b20",
                                "include": False,
                                "diagnosis": {"system": "icd10", "codes": ["B20"]},
                            },
                        ],
                    },
                }
            ]
        }
    )


class AttritionStepOut(BaseModel):
    criterion: str
    include: bool
    remaining: int | None = Field(description="null when below the contract's minimum cohort")
    suppressed: bool


class AttritionOut(BaseModel):
    contract_id: str
    cohort: str
    version: int
    digest: str = Field(description="SM3 of the definition's canonical JSON")
    min_cohort: int
    steps: list[AttritionStepOut]
    size: int | None


@router.post(
    "/cohorts/attrition", response_model=AttritionOut, summary="Attrition of a cohort (one metered use)"
)
def attrition(
    body: CohortIn,
    me: Principal = Depends(require("research.cohort", *PARTNER)),
    c: Container = Depends(container),
) -> AttritionOut:
    out = c.research.attrition(me, body.contract_id, body.definition.model_dump(mode="json"))
    return AttritionOut.model_validate(out)


@router.post(
    "/datasets",
    summary="A multi-table anonymized research dataset of a cohort, as a zip (one metered use)",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "description": "Parquet tables, dictionary, DCAT, Croissant",
        }
    },
)
def dataset(
    body: CohortIn,
    me: Principal = Depends(require("research.dataset", *PARTNER)),
    c: Container = Depends(container),
) -> Response:
    ds = c.research.dataset(me, body.contract_id, body.definition.model_dump(mode="json"))
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        write(ds, Path(tmp) / ds.dataset_id, c.settings.display_name)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted((Path(tmp) / ds.dataset_id).iterdir()):
                z.write(path, f"{ds.dataset_id}/{path.name}")
    return Response(
        buf.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{ds.dataset_id}.zip"',
            "X-Dataset-Id": ds.dataset_id,
        },
    )
