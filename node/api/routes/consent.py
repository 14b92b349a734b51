"""Patient consents (患者授权): the data officer records and withdraws them; the registry is read by
identity-linked uses (PSI, claims) through the usage policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import container, require
from node.api.schemas import Out
from node.bootstrap import Container
from node.identity.model import Principal, Role

router = APIRouter(prefix="/v1/consents", tags=["consent"])
OFFICER = (Role.DATA_OFFICER,)


class ConsentIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=64, description="the hospital's patient key")
    partner: str = Field(min_length=1, max_length=64, description="partner name or id")
    purpose: str = Field(min_length=1, max_length=64)
    valid_from_us: int = Field(ge=0, lt=2**62)
    valid_to_us: int = Field(gt=0, lt=2**62)
    channel: str = Field(description="signed_form, app, kiosk or counter")
    evidence: str = Field(min_length=1, max_length=200, description="form number, app or kiosk record id")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "patient_id": "P000123",
                    "partner": "cq-insurer",
                    "purpose": "claims_review",
                    "valid_from_us": 1796000000000000,
                    "valid_to_us": 1827536000000000,
                    "channel": "signed_form",
                    "evidence": "知情同意书 2026-0457",
                }
            ]
        }
    )


class ConsentOut(Out):
    """A patient's consent for one partner, purpose and period, with its evidence."""

    id: str
    patient_id: str
    partner_id: str
    purpose: str
    valid_from_us: int
    valid_to_us: int
    channel: str
    evidence: str
    recorded_by: str
    recorded_at_us: int
    withdrawn_at_us: int | None
    withdrawn_by: str | None
    in_force: bool = Field(description="in force now: within its period and not withdrawn")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConsentOut)
def grant(
    body: ConsentIn,
    me: Principal = Depends(require("consent.grant", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, object]:
    """Record a patient's consent for one partner, purpose and period, with its evidence."""
    consent = c.consents.grant(
        me.id,
        body.patient_id,
        body.partner,
        body.purpose,
        body.valid_from_us,
        body.valid_to_us,
        body.channel,
        body.evidence,
    )
    return consent.view(c.clock.now_us())


@router.get("", response_model=list[ConsentOut])
def list_consents(
    patient_id: str | None = Query(default=None, max_length=64),
    partner: str | None = Query(default=None, max_length=64),
    purpose: str | None = Query(default=None, max_length=64),
    _: Principal = Depends(require("consent.list", *OFFICER)),
    c: Container = Depends(container),
) -> list[dict[str, object]]:
    now = c.clock.now_us()
    return [x.view(now) for x in c.consents.list(patient_id, partner, purpose)]


@router.post("/{consent_id}/withdraw", response_model=ConsentOut)
def withdraw(
    consent_id: str,
    me: Principal = Depends(require("consent.withdraw", *OFFICER)),
    c: Container = Depends(container),
) -> dict[str, object]:
    """Withdraw a consent: every later use is decided without it."""
    return c.consents.withdraw(me.id, consent_id).view(c.clock.now_us())
